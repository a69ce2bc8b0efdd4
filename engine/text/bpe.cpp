#include "engine/text/bpe.h"

#include <limits>

#include "engine/core/error.h"
#include "engine/text/unicode.h"

namespace pb::text {

Bpe::Bpe(const std::vector<std::string>& alphabet,
         const std::vector<std::pair<std::string, std::string>>& merges,
         std::string word_end_suffix)
    : suffix_(std::move(word_end_suffix)), cache_(std::make_unique<Cache>()) {
  index_.reserve(alphabet.size() + merges.size() + 16);
  symbols_.reserve(alphabet.size() + merges.size() + 16);
  for (const auto& s : alphabet) is_output_[size_t(intern(s))] = true;
  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [l, r] = merges[rank];
    const int32_t a = intern(l), b = intern(r), ab = intern(l + r);
    is_output_[size_t(ab)] = true;
    merges_[key(a, b)] = Merge{int32_t(rank), ab};
  }
  for (int b = 0; b < 256; ++b) {
    byte_index_[b] = find_symbol(byte_symbols()[size_t(b)]);
    byte_end_index_[b] = find_symbol(byte_symbols()[size_t(b)] + suffix_);
    if (byte_index_[b] < 0 || byte_end_index_[b] < 0)
      throw Error(ErrorCode::internal, "BPE alphabet lacks byte symbols");
  }
}

int32_t Bpe::intern(const std::string& s) {
  auto [it, inserted] = index_.try_emplace(s, int32_t(symbols_.size()));
  if (inserted) {
    symbols_.push_back(s);
    is_output_.push_back(false);
  }
  return it->second;
}

int32_t Bpe::find_symbol(std::string_view text) const {
  auto it = index_.find(std::string(text));
  return it == index_.end() ? -1 : it->second;
}

std::vector<int32_t> Bpe::merge(std::vector<int32_t> word) const {
  // Each round: the adjacent pair of lowest rank, then every non-overlapping occurrence of
  // it merged left to right. Words are short; a linear scan per round beats a heap here.
  std::vector<int32_t> next;
  next.reserve(word.size());
  while (word.size() > 1) {
    int32_t best_rank = std::numeric_limits<int32_t>::max();
    uint64_t best_key = 0;
    const Merge* best = nullptr;
    for (size_t i = 0; i + 1 < word.size(); ++i) {
      auto it = merges_.find(key(word[i], word[i + 1]));
      if (it != merges_.end() && it->second.rank < best_rank) {
        best_rank = it->second.rank;
        best_key = it->first;
        best = &it->second;
      }
    }
    if (!best) break;
    next.clear();
    for (size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && key(word[i], word[i + 1]) == best_key) {
        next.push_back(best->result);
        i += 2;
      } else {
        next.push_back(word[i]);
        i += 1;
      }
    }
    word.swap(next);
  }
  return word;
}

std::vector<int32_t> Bpe::encode_word(std::string_view bytes) const {
  if (bytes.empty()) return {};
  std::string key_str(bytes);
  {
    std::lock_guard lock(cache_->mutex);
    auto it = cache_->words.find(key_str);
    if (it != cache_->words.end()) return it->second;
  }
  std::vector<int32_t> symbols(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) symbols[i] = byte_index_[uint8_t(bytes[i])];
  symbols.back() = byte_end_index_[uint8_t(bytes.back())];
  std::vector<int32_t> result = merge(std::move(symbols));
  {
    std::lock_guard lock(cache_->mutex);
    if (cache_->words.size() >= kMaxCacheEntries) cache_->words.clear();
    cache_->words.emplace(std::move(key_str), result);
  }
  return result;
}

}  // namespace pb::text
