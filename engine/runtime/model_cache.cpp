#include "engine/runtime/model_cache.h"

#include <filesystem>

#include "engine/runtime/model_files.h"

namespace pb {

pipelines::LoadedModel ModelCache::get(const std::string& role, const std::string& path,
                                       const std::string& device_label, const Loader& load,
                                       const LoadingFn& on_loading) {
  const std::string key = role + "|" + path + "|" + device_label;
  if (auto it = models_.find(key); it != models_.end()) {
    it->second.last_used = ++clock_;
    return it->second.loaded;
  }
  const std::string name = std::filesystem::path(path).filename().string();
  if (on_loading) on_loading(name, false);
  Entry e;
  e.loaded = load();
  e.loaded.path = path;
  e.loaded.name = name;
  e.loaded.fingerprint = quick_file_fingerprint(path);
  e.last_used = ++clock_;
  models_[key] = e;
  if (on_loading) on_loading(name, true);
  return e.loaded;
}

const text::GlideTokenizer& ModelCache::glide_tokenizer(const std::string& vocab_dir) {
  if (!glide_tokenizer_ || glide_tokenizer_dir_ != vocab_dir) {
    glide_tokenizer_ = text::GlideTokenizer::load(vocab_dir);
    glide_tokenizer_dir_ = vocab_dir;
  }
  return *glide_tokenizer_;
}

const text::ClipTokenizer& ModelCache::clip_tokenizer(const std::string& vocab_dir) {
  if (!clip_tokenizer_ || clip_tokenizer_dir_ != vocab_dir) {
    clip_tokenizer_ = text::ClipTokenizer::load(vocab_dir);
    clip_tokenizer_dir_ = vocab_dir;
  }
  return *clip_tokenizer_;
}

std::size_t ModelCache::loaded_bytes() const {
  std::size_t total = 0;
  for (const auto& [k, e] : models_) total += e.loaded.bytes;
  return total;
}

std::size_t ModelCache::trim(std::size_t budget_mb, const std::vector<std::string>& keep) {
  std::size_t unloaded = 0;
  if (budget_mb == 0) return unloaded;
  const std::size_t budget = budget_mb << 20;
  while (loaded_bytes() > budget) {
    auto victim = models_.end();
    for (auto it = models_.begin(); it != models_.end(); ++it) {
      bool kept = false;
      for (const auto& k : keep) kept = kept || it->second.loaded.path == k;
      if (kept) continue;
      if (victim == models_.end() || it->second.last_used < victim->second.last_used) victim = it;
    }
    if (victim == models_.end()) return unloaded;  // everything left is in use
    models_.erase(victim);
    ++unloaded;
  }
  return unloaded;
}

void ModelCache::clear() { models_.clear(); }

}  // namespace pb
