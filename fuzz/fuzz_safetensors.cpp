// The safetensors reader, called directly (load_checkpoint only routes files whose header
// length is plausible to it). Corpus: corpus/safetensors.
#include <cstddef>
#include <cstdint>
#include <exception>

#include "engine/core/error.h"
#include "engine/io/readers.h"
#include "fuzz/fuzz_checkpoint.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = pb::fuzz::input_file().write(data, size);
  try {
    pb::io::Checkpoint ck = pb::io::detail::read_safetensors(pb::io::MappedFile::open(path));
    pb::fuzz::touch_tensors(ck);
  } catch (const pb::Error&) {
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception&) {
    // c10::Error, nlohmann::json errors: load_checkpoint maps these to pb::Error(bad_file).
  }
  return 0;
}
