#pragma once
// "re.findall" with a Unicode-aware regular expression (ICU): all non-overlapping matches,
// left to right, first matching alternative wins (Perl/PCRE semantics, as Python's `regex`).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pb::text {

class RegexSplitter {
 public:
  // `pattern` in ICU syntax (UTF-8). Throws pb::Error(internal) if it does not compile.
  explicit RegexSplitter(std::string_view pattern);
  ~RegexSplitter();
  RegexSplitter(RegexSplitter&&) noexcept;
  RegexSplitter& operator=(RegexSplitter&&) noexcept;

  // The matched substrings of well-formed UTF-8 `text`, in order. Thread-safe.
  std::vector<std::string> find_all(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb::text
