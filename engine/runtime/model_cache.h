#pragma once
// Loaded models of the engine: loaded lazily on first use, kept for later jobs, unloaded
// least-recently-used beyond a memory budget. Only the engine's worker (or run_sync's
// caller, serialised by the engine) touches it.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "engine/nn/glide/model.h"
#include "engine/runtime/device.h"
#include "engine/text/glide_tokenizer.h"

namespace pb {

class ModelCache {
 public:
  struct Loaded {
    nn::glide::GlideUNet model{nullptr};
    std::string path;
    std::string fingerprint;  // quick_file_fingerprint
    std::size_t bytes = 0;    // parameter memory
  };
  using LoadingFn = std::function<void(const std::string& file_name, bool done)>;

  // The GLIDE model of `role` ("base", "base-inpaint", "upsample", "upsample-inpaint") from
  // `path`, placed on `device`. Its Config is the published one for the role, unless a JSON
  // options file with the weights' stem (base_inpaint.json beside base_inpaint.pt) exists:
  // then that (config_from_json; how small test models are used). Throws pb::Error.
  Loaded glide(const std::string& role, const std::string& path, const DeviceChoice& device,
               const LoadingFn& on_loading);
  // The GLIDE tokenizer from the folder holding encoder.json.gz. Throws pb::Error.
  const text::GlideTokenizer& glide_tokenizer(const std::string& vocab_dir);

  // Unloads least recently used models (never those named in keep) until the total is at
  // most budget_mb (0 = unlimited).
  void trim(std::size_t budget_mb, const std::vector<std::string>& keep = {});
  void clear();
  std::size_t loaded_bytes() const;
  std::size_t loaded_count() const { return models_.size(); }

 private:
  struct Entry {
    Loaded loaded;
    std::string device_label;
    std::uint64_t last_used = 0;
  };
  std::map<std::string, Entry> models_;  // key: role|path|device
  std::optional<text::GlideTokenizer> tokenizer_;
  std::string tokenizer_dir_;
  std::uint64_t clock_ = 0;
};

}  // namespace pb
