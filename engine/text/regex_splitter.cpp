#include "engine/text/regex_splitter.h"

#include <unicode/regex.h>
#include <unicode/unistr.h>

#include "engine/core/error.h"

namespace pb::text {

struct RegexSplitter::Impl {
  // An ICU RegexPattern is immutable and may be shared; each search makes its own matcher.
  std::unique_ptr<icu::RegexPattern> pattern;
};

RegexSplitter::RegexSplitter(std::string_view pattern) : impl_(std::make_unique<Impl>()) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError perr{};
  const auto upat =
      icu::UnicodeString::fromUTF8(icu::StringPiece(pattern.data(), int32_t(pattern.size())));
  impl_->pattern.reset(icu::RegexPattern::compile(upat, 0, perr, status));
  if (U_FAILURE(status))
    throw Error(ErrorCode::internal, std::string("tokenizer regex does not compile: ") +
                                         u_errorName(status) + " at offset " +
                                         std::to_string(perr.offset));
}

RegexSplitter::~RegexSplitter() = default;
RegexSplitter::RegexSplitter(RegexSplitter&&) noexcept = default;
RegexSplitter& RegexSplitter::operator=(RegexSplitter&&) noexcept = default;

std::vector<std::string> RegexSplitter::find_all(std::string_view text) const {
  std::vector<std::string> out;
  if (text.empty()) return out;
  const auto utext =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), int32_t(text.size())));
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(impl_->pattern->matcher(utext, status));
  if (U_FAILURE(status)) throw Error(ErrorCode::internal, "ICU regex matcher failed");
  while (m->find(status) && U_SUCCESS(status)) {
    const int32_t b = m->start(status), e = m->end(status);
    if (e == b) continue;  // none of our patterns can match empty; be safe anyway
    std::string piece;
    utext.tempSubStringBetween(b, e).toUTF8String(piece);
    out.push_back(std::move(piece));
  }
  if (U_FAILURE(status))
    throw Error(ErrorCode::internal,
                std::string("ICU regex search failed: ") + u_errorName(status));
  return out;
}

}  // namespace pb::text
