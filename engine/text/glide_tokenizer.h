#pragma once
// GLIDE's tokenizer: GPT-2's byte-level BPE (glide_text2im/tokenizer/bpe.py), reading
// encoder.json.gz and vocab.bpe.gz from a folder. Immutable and thread-safe once loaded;
// copies share the loaded tables.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pb::text {

class GlideTokenizer {
 public:
  static constexpr const char* kEncoderFile = "encoder.json.gz";
  static constexpr const char* kMergesFile = "vocab.bpe.gz";
  static constexpr int64_t kEndToken = 50256;  // <|endoftext|>, also the padding token
  static constexpr int kContext = 128;         // GLIDE's text_ctx

  // Reads <vocab_dir>/encoder.json.gz and <vocab_dir>/vocab.bpe.gz. Throws pb::Error:
  // file_not_found naming the missing file, bad_file naming a corrupt or inconsistent one.
  static GlideTokenizer load(const std::string& vocab_dir);

  // Every step of encode(), for tests and debugging.
  struct Trace {
    std::string lowercased;           // after str.lower()
    std::vector<std::string> chunks;  // pre-tokenizer matches (UTF-8 text)
    std::vector<std::string> pieces;  // BPE symbols, in the byte-to-code-point alphabet
    std::vector<int64_t> ids;
  };
  // Token ids of UTF-8 text; no start or end token. Throws pb::Error(invalid_argument) if
  // `utf8` is not well-formed UTF-8.
  std::vector<int64_t> encode(std::string_view utf8) const;
  Trace trace(std::string_view utf8) const;

  // Text of `ids` (invalid UTF-8 from partial tokens becomes U+FFFD). Throws
  // pb::Error(invalid_argument) for an id outside the vocabulary.
  std::string decode(const std::vector<int64_t>& ids) const;

  struct Padded {
    std::vector<int64_t> tokens;  // context ids
    std::vector<bool> mask;       // true for real tokens, false for padding
  };
  // The first `context` ids, padded with kEndToken; no end token is added. context >= 1.
  Padded padded_tokens_and_mask(const std::vector<int64_t>& ids, int context = kContext) const;

  int64_t vocab_size() const;

 private:
  struct Impl;
  explicit GlideTokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace pb::text
