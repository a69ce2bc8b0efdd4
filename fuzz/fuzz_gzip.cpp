// The tokenizers' vocabulary readers: gzip decompression (multi-member, truncated, corrupt),
// the UTF-8 check and the BPE merges parser. Corpus: corpus/gzip.
#include <cstddef>
#include <cstdint>

#include "engine/core/error.h"
#include "engine/text/gzip_file.h"
#include "engine/text/unicode.h"
#include "engine/text/vocab_files.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = pb::fuzz::input_file().write(data, size);
  try {
    // read_gzip_text = read_gzip_file + the UTF-8 check; called once to keep the rate up.
    const std::string text = pb::text::read_gzip_text(path);
    // GLIDE's vocab.bpe skips a version line; CLIP's file skips one and reads a fixed count.
    pb::text::parse_merges(text, path, 1, -1);
    pb::text::parse_merges(text, path, 0, 3);
  } catch (const pb::Error&) {
  }
  return 0;
}
