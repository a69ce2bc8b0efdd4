#include "engine/runtime/model_cache.h"

#include <filesystem>

#include "engine/runtime/model_files.h"

namespace pb {

pipelines::LoadedModel ModelCache::get(const std::string& role, const std::string& path,
                                       const std::string& device_label, const Loader& load,
                                       const LoadingFn& on_loading, const Budget& budget) {
  unloaded_by_last_get_ = 0;
  const std::string key = role + "|" + path + "|" + device_label;
  if (auto it = models_.find(key); it != models_.end()) {
    it->second.last_used = ++clock_;
    return it->second.loaded;
  }
  const std::string name = std::filesystem::path(path).filename().string();
  if (budget.budget_mb > 0) {
    // Checked before loading: a model that does not fit must not be read at all (reading it
    // is what would run the machine out of memory).
    const std::size_t limit = budget.budget_mb << 20;
    const std::size_t kept = bytes_of(budget.keep);
    auto mib = [](std::size_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20); };
    if (kept + budget.estimate_bytes > limit) {
      std::string msg = "not enough memory budget to load " + name + ": it needs about " +
                        mib(budget.estimate_bytes) + " MiB";
      if (kept > 0) msg += ", plus " + mib(kept) + " MiB of models this job already uses";
      msg += ", but the memory budget is " + std::to_string(budget.budget_mb) +
             " MiB. Raise the budget in Settings (Engine > Memory budget) to at least " +
             mib(kept + budget.estimate_bytes) + " MiB, or set it to 0 (no limit).";
      throw Error(ErrorCode::out_of_memory, msg);
    }
    while (loaded_bytes() + budget.estimate_bytes > limit && unload_one(budget.keep))
      ++unloaded_by_last_get_;
  }
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

std::size_t ModelCache::estimate_bytes(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::size_t>(size);
}

std::size_t ModelCache::bytes_of(const std::vector<std::string>& files) const {
  std::size_t total = 0;
  for (const auto& [k, e] : models_)
    for (const auto& f : files)
      if (e.loaded.path == f) {
        total += e.loaded.bytes;
        break;
      }
  return total;
}

bool ModelCache::unload_one(const std::vector<std::string>& keep) {
  auto victim = models_.end();
  for (auto it = models_.begin(); it != models_.end(); ++it) {
    bool kept = false;
    for (const auto& k : keep) kept = kept || it->second.loaded.path == k;
    if (kept) continue;
    if (victim == models_.end() || it->second.last_used < victim->second.last_used) victim = it;
  }
  if (victim == models_.end()) return false;  // everything left is in use
  models_.erase(victim);
  return true;
}

std::size_t ModelCache::trim(std::size_t budget_mb, const std::vector<std::string>& keep) {
  std::size_t unloaded = 0;
  if (budget_mb == 0) return unloaded;
  const std::size_t budget = budget_mb << 20;
  while (loaded_bytes() > budget && unload_one(keep)) ++unloaded;
  return unloaded;
}

void ModelCache::clear() { models_.clear(); }

}  // namespace pb
