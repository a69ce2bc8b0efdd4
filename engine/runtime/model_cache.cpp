#include "engine/runtime/model_cache.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/core/error.h"
#include "engine/io/checkpoint.h"
#include "engine/runtime/model_files.h"

namespace pb {

namespace {

namespace fs = std::filesystem;

nn::glide::Config published_config(const std::string& role) {
  using nn::glide::Config;
  if (role == "base") return Config::base();
  if (role == "base-inpaint") return Config::base_inpaint();
  if (role == "upsample") return Config::upsample();
  if (role == "upsample-inpaint") return Config::upsample_inpaint();
  throw Error(ErrorCode::internal, "unknown GLIDE model role " + role);
}

nn::glide::Config config_for(const std::string& role, const std::string& path) {
  fs::path side = fs::path(path).replace_extension(".json");
  std::error_code ec;
  if (!fs::is_regular_file(side, ec)) return published_config(role);
  std::ifstream in(side);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nn::glide::config_from_json(ss.str());
  } catch (const Error& e) {
    throw Error(e.code(), side.string() + ": " + e.what());
  }
}

}  // namespace

ModelCache::Loaded ModelCache::glide(const std::string& role, const std::string& path,
                                     const DeviceChoice& device, const LoadingFn& on_loading) {
  const std::string key = role + "|" + path + "|" + device.label;
  if (auto it = models_.find(key); it != models_.end()) {
    it->second.last_used = ++clock_;
    return it->second.loaded;
  }
  const std::string name = fs::path(path).filename().string();
  if (on_loading) on_loading(name, false);
  const nn::glide::Config cfg = config_for(role, path);
  nn::glide::GlideUNet model(cfg);
  {
    const io::Checkpoint ck = io::load_checkpoint(path);
    io::load_state_dict(*model, ck.tensors, {}, path);
  }
  model->eval();
  nn::glide::place_for_inference(*model, device.device);
  if (device.bf16) model->convert_body_to(torch::kBFloat16);
  Entry e;
  e.loaded.model = model;
  e.loaded.path = path;
  e.loaded.fingerprint = quick_file_fingerprint(path);
  for (const auto& p : model->parameters()) e.loaded.bytes += p.numel() * p.element_size();
  e.device_label = device.label;
  e.last_used = ++clock_;
  models_[key] = e;
  if (on_loading) on_loading(name, true);
  return e.loaded;
}

const text::GlideTokenizer& ModelCache::glide_tokenizer(const std::string& vocab_dir) {
  if (!tokenizer_ || tokenizer_dir_ != vocab_dir) {
    tokenizer_ = text::GlideTokenizer::load(vocab_dir);
    tokenizer_dir_ = vocab_dir;
  }
  return *tokenizer_;
}

std::size_t ModelCache::loaded_bytes() const {
  std::size_t total = 0;
  for (const auto& [k, e] : models_) total += e.loaded.bytes;
  return total;
}

void ModelCache::trim(std::size_t budget_mb, const std::vector<std::string>& keep) {
  if (budget_mb == 0) return;
  const std::size_t budget = budget_mb << 20;
  while (loaded_bytes() > budget) {
    auto victim = models_.end();
    for (auto it = models_.begin(); it != models_.end(); ++it) {
      bool kept = false;
      for (const auto& k : keep) kept = kept || it->second.loaded.path == k;
      if (kept) continue;
      if (victim == models_.end() || it->second.last_used < victim->second.last_used) victim = it;
    }
    if (victim == models_.end()) return;  // everything left is in use
    models_.erase(victim);
  }
}

void ModelCache::clear() { models_.clear(); }

}  // namespace pb
