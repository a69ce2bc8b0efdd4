#pragma once
// The image type of the engine API: 8-bit, interleaved, row-major, tightly packed.
// RGB images have 3 channels, masks 1 (255 = change / generate, 0 = keep).
#include <cstdint>
#include <vector>

namespace pb {

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<std::uint8_t> pixels;  // width * height * channels bytes

  Image() = default;
  Image(int w, int h, int c, std::uint8_t fill = 0)
      : width(w), height(h), channels(c), pixels(std::size_t(w) * h * c, fill) {}
  bool empty() const { return width <= 0 || height <= 0 || pixels.empty(); }
  std::uint8_t* row(int y) { return pixels.data() + std::size_t(y) * width * channels; }
  const std::uint8_t* row(int y) const { return pixels.data() + std::size_t(y) * width * channels; }
  std::uint8_t& at(int x, int y, int c = 0) { return row(y)[x * channels + c]; }
  std::uint8_t at(int x, int y, int c = 0) const { return row(y)[x * channels + c]; }
};

}  // namespace pb
