#include "engine/text/vocab_files.h"

#include "engine/core/error.h"
#include "engine/text/gzip_file.h"
#include "engine/text/unicode.h"

namespace pb::text {

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::string read_gzip_text(const std::string& path) {
  std::string text = read_gzip_file(path);
  if (!is_valid_utf8(text)) throw Error(ErrorCode::bad_file, path + ": not UTF-8 text");
  return text;
}

std::vector<std::pair<std::string, std::string>> parse_merges(const std::string& text,
                                                              const std::string& path, size_t first,
                                                              long count) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0;;) {
    const size_t nl = text.find('\n', pos);
    lines.emplace_back(std::string_view(text).substr(pos, nl == std::string::npos ? nl : nl - pos));
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  const size_t end = count < 0 ? (lines.empty() ? 0 : lines.size() - 1) : first + size_t(count);
  if (end > lines.size() || first > end)
    throw Error(ErrorCode::bad_file,
                path + ": expected " + std::to_string(end > first ? end - first : 0) +
                    " merge lines, the file has only " +
                    std::to_string(lines.size() > first ? lines.size() - first : 0));
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(end - first);
  const auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  for (size_t i = first; i < end; ++i) {
    std::vector<std::string> parts;
    const std::string_view line = lines[i];
    for (size_t p = 0; p < line.size();) {
      while (p < line.size() && is_space(line[p])) ++p;
      size_t q = p;
      while (q < line.size() && !is_space(line[q])) ++q;
      if (q > p) parts.emplace_back(line.substr(p, q - p));
      p = q;
    }
    if (parts.size() != 2)
      throw Error(ErrorCode::bad_file,
                  path + ": line " + std::to_string(i + 1) + " is not a merge \"left right\"");
    merges.emplace_back(std::move(parts[0]), std::move(parts[1]));
  }
  return merges;
}

}  // namespace pb::text
