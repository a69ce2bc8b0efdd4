// The legacy (pre-1.6) torch.save reader, called directly (after load_checkpoint's own sniff,
// which the reader relies on: it starts reading after the magic number), so that its
// exceptions other than pb::Error, which load_checkpoint maps to pb::Error, are accepted.
// Inputs without the magic are rejected (-1: not kept in the corpus).
// Corpus: corpus/checkpoint_legacy.
#include <cstddef>
#include <cstdint>
#include <exception>

#include "engine/core/error.h"
#include "engine/io/readers.h"
#include "fuzz/fuzz_checkpoint.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!pb::io::detail::looks_like_torch_legacy(pb::io::ByteSpan{data, size})) return -1;
  const std::string& path = pb::fuzz::input_file().write(data, size);
  try {
    pb::io::Checkpoint ck = pb::io::detail::read_torch_legacy(pb::io::MappedFile::open(path));
    pb::fuzz::touch_tensors(ck);
  } catch (const pb::Error&) {
  } catch (const std::bad_alloc&) {
    throw;  // out of memory on a small input is a bug
  } catch (const std::exception&) {
    // c10::Error & co.: load_checkpoint turns these into pb::Error(bad_file).
  }
  return 0;
}
