#include "engine/pipelines/embedding_cache.h"

#include <cstdio>

namespace pb::pipelines {

std::string EmbeddingCache::key(const Image& image, const std::string& model_fingerprint) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ULL;
    }
  };
  const int dims[3] = {image.width, image.height, image.channels};
  mix(dims, sizeof dims);
  mix(image.pixels.data(), image.pixels.size());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string(hex) + "|" + model_fingerprint;
}

std::optional<torch::Tensor> EmbeddingCache::find(const std::string& key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->first == key) {
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().second;
    }
  return std::nullopt;
}

void EmbeddingCache::put(const std::string& key, torch::Tensor embedding) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->first == key) {
      entries_.erase(it);
      break;
    }
  entries_.emplace_front(key, std::move(embedding));
  while (entries_.size() > capacity_) entries_.pop_back();
}

}  // namespace pb::pipelines
