#pragma once
// PNG output with text chunks (libpng): the A1111-style "parameters" tEXt chunk that other
// tools read, and a "promptbrush" iTXt chunk with everything as JSON (UTF-8).
#include <string>
#include <vector>

#include "engine/core/image.h"

namespace pb::pipelines {

struct PngText {
  std::string key;    // 1..79 Latin-1 characters
  std::string value;  // UTF-8; written as iTXt when not plain ASCII or when utf8 is set
  bool utf8 = false;
};

// Writes an 8-bit RGB / grey / RGBA PNG. Throws pb::Error(io_error) naming the file.
void write_png(const std::string& path, const Image& image, const std::vector<PngText>& texts);
// Every tEXt/iTXt/zTXt chunk of a PNG file. Throws pb::Error(file_not_found / bad_file).
std::vector<PngText> read_png_text(const std::string& path);

}  // namespace pb::pipelines
