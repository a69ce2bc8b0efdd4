// Image and mask loading through OpenCV's decoders (PNG, JPEG, WebP, TIFF, BMP, ...):
// read_image_rgb and read_mask. OpenCV itself is not instrumented (coverage is ours only),
// but ASan still sees its heap through the interceptors. Corpus: corpus/image.
#include <cstddef>
#include <cstdint>

#include "engine/core/error.h"
#include "engine/pipelines/image_convert.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = pb::fuzz::input_file().write(data, size);
  try {
    pb::Image rgb = pb::pipelines::read_image_rgb(path);
    pb::Image mask = pb::pipelines::read_mask(path);
    // Both must describe their pixel buffers exactly.
    if (rgb.pixels.size() != std::size_t(rgb.width) * rgb.height * 3 ||
        mask.pixels.size() != std::size_t(mask.width) * mask.height || rgb.width != mask.width ||
        rgb.height != mask.height)
      __builtin_trap();
  } catch (const pb::Error&) {
  }
  return 0;
}
