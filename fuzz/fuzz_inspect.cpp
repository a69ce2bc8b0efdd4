// What `promptbrush-cli inspect` does with any file: load_checkpoint (every format), then
// summarize (sums every tensor) and both report formats. Corpus: corpus/inspect (all formats).
#include <cstddef>
#include <cstdint>

#include "engine/core/error.h"
#include "engine/io/inspect.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = pb::fuzz::input_file().write(data, size);
  try {
    pb::io::CheckpointSummary s = pb::io::summarize(pb::io::load_checkpoint(path));
    volatile std::size_t n = pb::io::format_text(s).size() + pb::io::format_json(s).size();
    (void)n;
  } catch (const pb::Error&) {
  }
  return 0;
}
