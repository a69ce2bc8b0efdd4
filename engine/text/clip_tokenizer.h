#pragma once
// CLIP's tokenizer (clip/simple_tokenizer.py) as Karlo uses it (CustomizedTokenizer):
// text clean-up, lower-casing, BPE with end-of-word "</w>" symbols, start/end tokens and a
// context of 77. Reads bpe_simple_vocab_16e6.txt.gz. Immutable and thread-safe once loaded;
// copies share the loaded tables.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pb::text {

class ClipTokenizer {
 public:
  static constexpr const char* kMergesFile = "bpe_simple_vocab_16e6.txt.gz";
  static constexpr int64_t kStartToken = 49406;  // <|startoftext|>
  static constexpr int64_t kEndToken = 49407;    // <|endoftext|>
  static constexpr int64_t kVocabSize = 49408;
  static constexpr int kContext = 77;

  struct Options {
    // Run the ftfy.fix_text emulation first (see text_clean.h), as the reference does with
    // ftfy installed. Off: the text goes straight to the HTML unescaping.
    bool fix_text = true;
  };

  // Reads <vocab_dir>/bpe_simple_vocab_16e6.txt.gz. Throws pb::Error: file_not_found naming
  // the missing file, bad_file naming a corrupt or short one.
  static ClipTokenizer load(const std::string& vocab_dir, Options options);
  static ClipTokenizer load(const std::string& vocab_dir) { return load(vocab_dir, Options{}); }

  struct Trace {
    std::string cleaned;              // after fix_text, unescaping, white space and lower()
    std::vector<std::string> chunks;  // pre-tokenizer matches (UTF-8 text)
    std::vector<std::string> pieces;  // vocabulary strings ("</w>" ends a word)
    std::vector<int64_t> ids;
  };
  // BPE ids of UTF-8 text, without start and end tokens (SimpleTokenizer.encode). The
  // literal strings "<|startoftext|>" / "<|endoftext|>" become the special ids. Throws
  // pb::Error(invalid_argument) if `utf8` is not well-formed UTF-8.
  std::vector<int64_t> encode(std::string_view utf8) const;
  Trace trace(std::string_view utf8) const;

  // Text of `ids` as SimpleTokenizer.decode: "</w>" becomes a space. Throws
  // pb::Error(invalid_argument) for an id outside the vocabulary.
  std::string decode(const std::vector<int64_t>& ids) const;

  struct Padded {
    // Karlo gives these as int32; they fit, and int64 is what torch::embedding prefers.
    std::vector<int64_t> tokens;
    std::vector<bool> mask;  // true on the real tokens (start and end included)
  };
  // Karlo's padded_tokens_and_mask: [start] + ids + [end]; if longer than `context` keep
  // the first `context` and make the last one the end token; zero padding;
  // mask[i] = i < min(context, ids.size() + 2). context >= 2.
  Padded padded_tokens_and_mask(const std::vector<int64_t>& ids, int context = kContext) const;

 private:
  struct Impl;
  explicit ClipTokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace pb::text
