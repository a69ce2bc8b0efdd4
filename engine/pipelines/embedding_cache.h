#pragma once
// CLIP image embeddings of source images, keyed by pixel content and the CLIP model that
// made them: a second variation of the same picture (or an interpolation between pictures
// already seen) skips the encoder. Small LRU; per engine, not shared between threads.
#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <utility>

#include "engine/core/image.h"

namespace pb::pipelines {

class EmbeddingCache {
 public:
  explicit EmbeddingCache(std::size_t capacity = 32) : capacity_(capacity) {}

  // FNV-1a 64 over the image's size, channels and pixels, plus the model's fingerprint.
  static std::string key(const Image& image, const std::string& model_fingerprint);

  std::optional<torch::Tensor> find(const std::string& key);
  void put(const std::string& key, torch::Tensor embedding);
  std::size_t size() const { return entries_.size(); }
  void clear() { entries_.clear(); }

 private:
  std::size_t capacity_;
  std::list<std::pair<std::string, torch::Tensor>> entries_;  // most recent first
};

}  // namespace pb::pipelines
