#pragma once
// Byte-level byte-pair encoding shared by the GLIDE (GPT-2) and CLIP tokenizers: a word's
// bytes become GPT-2 byte symbols, then ranked merges; a symbol table and a per-word cache.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pb::text {

class Bpe {
 public:
  // `alphabet`: the initial symbols, which must include the 256 byte symbols (with
  // `word_end_suffix` appended too, if there is one). `merges`: pairs in rank order (rank = index);
  // when the same pair appears twice the later rank wins, as a Python dict built from the list.
  // `word_end_suffix` is glued to a word's last symbol before merging ("</w>" for CLIP).
  Bpe(const std::vector<std::string>& alphabet,
      const std::vector<std::pair<std::string, std::string>>& merges, std::string word_end_suffix);

  // BPE of one word given as its raw bytes (each becomes its byte symbol). Returns symbol
  // indices (see symbol()). Thread-safe; results are cached.
  std::vector<int32_t> encode_word(std::string_view bytes) const;

  size_t num_symbols() const { return symbols_.size(); }
  const std::string& symbol(int32_t index) const { return symbols_[size_t(index)]; }
  // -1 if `text` is not a symbol of this model.
  int32_t find_symbol(std::string_view text) const;
  // Whether encode_word can return this symbol: an alphabet symbol or a merge result.
  bool is_output(int32_t index) const { return is_output_[size_t(index)]; }

 private:
  int32_t intern(const std::string& s);
  std::vector<int32_t> merge(std::vector<int32_t> word) const;

  struct Merge {
    int32_t rank;
    int32_t result;
  };
  static uint64_t key(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }

  std::vector<std::string> symbols_;
  std::vector<bool> is_output_;
  int32_t byte_index_[256];      // byte -> its symbol
  int32_t byte_end_index_[256];  // byte -> its symbol + word_end_suffix
  std::unordered_map<std::string, int32_t> index_;
  std::unordered_map<uint64_t, Merge> merges_;
  std::string suffix_;

  // Word -> symbols. Bounded: cleared when it grows past kMaxCacheEntries.
  static constexpr size_t kMaxCacheEntries = 100000;
  struct Cache {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<int32_t>> words;
  };
  std::unique_ptr<Cache> cache_;
};

}  // namespace pb::text
