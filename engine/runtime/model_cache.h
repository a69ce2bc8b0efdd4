#pragma once
// Loaded models of the engine, of any family: loaded lazily on first use, kept for later
// jobs, unloaded least-recently-used beyond a memory budget. One entry type keyed by role,
// file and device; each family's loader (engine/pipelines/*_loader.h) builds the entries.
// Only the engine's worker (or run_sync's caller, serialised by the engine) touches it.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/pipelines/loaded_model.h"
#include "engine/text/clip_tokenizer.h"
#include "engine/text/glide_tokenizer.h"

namespace pb {

// The memory budget a load must fit in, checked before the load starts.
struct LoadBudget {
  std::size_t budget_mb = 0;       // 0: unlimited
  std::size_t estimate_bytes = 0;  // what the model will take (ModelCache::estimate_bytes)
  std::vector<std::string> keep;   // files the job already holds: never unloaded
};

class ModelCache {
 public:
  using Loader = std::function<pipelines::LoadedModel()>;
  using LoadingFn = std::function<void(const std::string& file_name, bool done)>;

  using Budget = LoadBudget;

  // The model of `role` from `path` on the device labelled `device_label`: the cached one,
  // or what `load` returns (then cached, with path, name and fingerprint filled in).
  // on_loading is told before and after a load. Throws what `load` throws.
  // With a budget, a model that is not cached is only loaded once it fits: least recently
  // used models (not in budget.keep) are unloaded first; if it cannot fit even then, throws
  // Error(out_of_memory) saying how much it needs and what the budget is, and loads nothing.
  pipelines::LoadedModel get(const std::string& role, const std::string& path,
                             const std::string& device_label, const Loader& load,
                             const LoadingFn& on_loading, const Budget& budget = {});

  // What loading `path` will take, before loading it: the weights file's size (float32
  // checkpoints load at about their size; the actual bytes replace it once loaded).
  static std::size_t estimate_bytes(const std::string& path);
  // How many models the last get() unloaded to make room.
  std::size_t unloaded_by_last_get() const { return unloaded_by_last_get_; }

  // Tokenizers from the folder holding their vocabulary files. Throw pb::Error.
  const text::GlideTokenizer& glide_tokenizer(const std::string& vocab_dir);
  const text::ClipTokenizer& clip_tokenizer(const std::string& vocab_dir);

  // Unloads least recently used models (never those whose file is named in keep) until the
  // total is at most budget_mb (0 = unlimited).
  // Unloads least recently used models beyond the budget; returns how many it unloaded.
  std::size_t trim(std::size_t budget_mb, const std::vector<std::string>& keep = {});
  void clear();
  std::size_t loaded_bytes() const;
  std::size_t loaded_count() const { return models_.size(); }

 private:
  struct Entry {
    pipelines::LoadedModel loaded;
    std::uint64_t last_used = 0;
  };
  std::map<std::string, Entry> models_;  // key: role|path|device
  std::optional<text::GlideTokenizer> glide_tokenizer_;
  std::string glide_tokenizer_dir_;
  std::optional<text::ClipTokenizer> clip_tokenizer_;
  std::string clip_tokenizer_dir_;
  std::uint64_t clock_ = 0;
  std::size_t unloaded_by_last_get_ = 0;

  std::size_t bytes_of(const std::vector<std::string>& files) const;
  // Unloads the least recently used model not in keep; false if there is none.
  bool unload_one(const std::vector<std::string>& keep);
};

}  // namespace pb
