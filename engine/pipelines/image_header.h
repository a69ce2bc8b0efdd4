#pragma once
// The size an image file declares, read from its header before anything is decoded, so
// that a small file declaring a huge image (a 783 KB PNG of 2.5 GB pixels) is refused
// with a message instead of exhausting memory. OpenCV 4.6 has no header-only API, hence
// this probe of the five formats we open (PNG, JPEG, WebP, TIFF, BMP).
#include <cstdint>
#include <string>

namespace pb::pipelines {

// The largest image opened: 64 megapixels (8192 x 8192; 256 MiB as RGBA), each side at
// most 32768. The GUI applies the same limit (ui/document/image_limits.h).
constexpr std::int64_t kMaxImagePixels = std::int64_t{1} << 26;
constexpr std::int64_t kMaxImageSide = 32768;

// A decoder's working buffer (TIFF strips or tiles) may be at most this: 64 megapixels
// at 8 bytes (16-bit RGBA).
constexpr std::int64_t kMaxDecodeBytes = 8 * kMaxImagePixels;

struct ImageHeader {
  std::string format;  // "PNG", "JPEG", "WebP", "TIFF", "BMP"
  std::int64_t width = 0, height = 0;
  std::int64_t buffer_bytes = 0;  // TIFF: the strip or tile buffer its tags ask for
};

// Throws pb::Error: file_not_found; bad_file naming the file when it is none of the five
// formats or its header gives no size; invalid_argument when the declared size is above
// the limits (the message says the size and the limit).
ImageHeader check_image_header(const std::string& path);

}  // namespace pb::pipelines
