#pragma once
// Reading the tokenizers' vocabulary files (shared by GLIDE and CLIP).
#include <string>
#include <utility>
#include <vector>

namespace pb::text {

// <dir>/<name> (dir may be empty or end with '/').
std::string join_path(const std::string& dir, const std::string& name);

// A gzip-compressed UTF-8 text file, checked to be UTF-8 (bad_file otherwise).
std::string read_gzip_text(const std::string& path);

// Merge lines "left right" of a BPE merges file: the lines [first, first + count) after
// splitting `text` on '\n' (count < 0: up to, not including, the last line). Each must hold
// exactly two white-space separated symbols; bad_file naming `path` and the line otherwise.
std::vector<std::pair<std::string, std::string>> parse_merges(const std::string& text,
                                                              const std::string& path, size_t first,
                                                              long count);

}  // namespace pb::text
