// The engine's PNG text-chunk reader (libpng; tEXt, zTXt, iTXt). Corpus: corpus/png.
#include <cstddef>
#include <cstdint>

#include "engine/core/error.h"
#include "engine/pipelines/png_io.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = pb::fuzz::input_file().write(data, size);
  try {
    volatile std::size_t n = pb::pipelines::read_png_text(path).size();
    (void)n;
  } catch (const pb::Error&) {
  }
  return 0;
}
