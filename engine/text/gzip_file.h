#pragma once
// Reads a whole gzip-compressed file (the tokenizers' vocabularies ship as .gz).
#include <cstddef>
#include <string>

namespace pb::text {

// Both the file and what it decompresses to (CLIP's BPE vocabulary: 1.3 MB in, 1.6 MB
// out): a small file must not inflate to gigabytes.
constexpr std::size_t kMaxGzipBytes = std::size_t{64} << 20;

// Returns the decompressed bytes. Throws pb::Error: file_not_found if `path` does not exist,
// io_error if it cannot be read, bad_file (naming the file) if it is not gzip data or is
// truncated or corrupt, or larger than kMaxGzipBytes before or after decompression.
std::string read_gzip_file(const std::string& path);

}  // namespace pb::text
