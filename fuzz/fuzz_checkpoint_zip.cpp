// load_checkpoint on torch.save zip files: state_dicts, Lightning-style containers
// ({'state_dict': ..., 'epoch': ...}), tuples and crafted objects (corpus: corpus/checkpoint_zip).
// Any pb::Error is an accepted outcome; anything else (another exception, a crash, a
// sanitizer report, a hang) is a bug.
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
    // The prefix filter of Lightning checkpoints ("model." holds the network).
    pb::io::Checkpoint model = pb::io::load_checkpoint(path, {"model."});
    pb::fuzz::touch_tensors(model);
  } catch (const pb::Error&) {
  }
  return 0;
}
