// load_checkpoint on TorchScript archives (torch.jit.save: data.pkl module tree, constants.pkl,
// deflated code/*.py declaring __parameters__/__buffers__). Corpus: corpus/torchscript.
#include <cstddef>
#include <cstdint>

#include "engine/core/error.h"
#include "fuzz/fuzz_checkpoint.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = pb::fuzz::input_file().write(data, size);
  try {
    pb::io::Checkpoint ck = pb::io::load_checkpoint(path);
    pb::fuzz::touch_tensors(ck);
  } catch (const pb::Error&) {
  }
  return 0;
}
