#pragma once
// Reads a whole gzip-compressed file (the tokenizers' vocabularies ship as .gz).
#include <string>

namespace pb::text {

// Returns the decompressed bytes. Throws pb::Error: file_not_found if `path` does not exist,
// io_error if it cannot be read, bad_file (naming the file) if it is not gzip data or is
// truncated or corrupt.
std::string read_gzip_file(const std::string& path);

}  // namespace pb::text
