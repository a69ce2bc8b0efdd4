#include "engine/pipelines/karlo_loader.h"

#include <filesystem>

#include "engine/io/checkpoint.h"
#include "engine/nn/clip/config.h"
#include "engine/nn/clip/loader.h"
#include "engine/nn/clip/model.h"
#include "engine/nn/unclip/clip_stats.h"
#include "engine/nn/unclip/decoder.h"
#include "engine/nn/unclip/prior.h"
#include "engine/nn/unclip/prior_config.h"
#include "engine/nn/unclip/super_res.h"
#include "engine/nn/unclip/unet_config.h"
#include "engine/pipelines/glide_loader.h"

namespace pb::pipelines {

namespace {

namespace fs = std::filesystem;

// The side-car config parsed by `parse`, or `published` when there is none; parse errors
// name the side-car file.
template <class Config, class Parse>
Config config_for(const std::string& weights, const Config& published, Parse parse) {
  const std::string json = sidecar_config(weights);
  if (json.empty()) return published;
  try {
    return parse(json);
  } catch (const Error& e) {
    throw Error(e.code(), fs::path(weights).replace_extension(".json").string() + ": " + e.what());
  }
}

template <class Holder>
void load_weights(Holder& model, const std::string& path) {
  const io::Checkpoint ck = io::load_checkpoint(path);
  io::load_state_dict(*model, ck.tensors, {}, path);
}

// Moves to the device, then converts the body where the placement asks for it.
template <class Holder>
LoadedModel placed(Holder model, const Placement& placement) {
  model->eval();
  model->to(placement.device);
  if (placement.body_dtype != torch::kFloat) model->convert_body_to(placement.body_dtype);
  LoadedModel m;
  m.module = model.ptr();
  m.bytes = module_bytes(*model);
  return m;
}

}  // namespace

LoadedModel load_clip_model(const std::string& path, const Placement& placement) {
  std::optional<nn::clip::Config> cfg;
  if (const std::string json = sidecar_config(path); !json.empty())
    cfg = config_for(path, nn::clip::Config::vit_l_14(), nn::clip::config_from_json);
  return placed(nn::clip::load_clip(path, cfg), placement);
}

LoadedModel load_prior_model(const std::string& path, const std::string& stats_path,
                             const Placement& placement) {
  const auto cfg =
      config_for(path, nn::unclip::PriorConfig::karlo(), nn::unclip::prior_config_from_json);
  nn::unclip::Prior model(cfg, /*init_weights=*/false);  // the checkpoint follows
  load_weights(model, path);
  const nn::unclip::ClipStats stats = nn::unclip::load_clip_stats(stats_path, cfg.clip_dim);
  model->set_clip_stats(stats.mean, stats.std);
  return placed(model, placement);
}

LoadedModel load_decoder_model(const std::string& path, const Placement& placement) {
  const auto cfg =
      config_for(path, nn::unclip::DecoderConfig::karlo(), nn::unclip::decoder_config_from_json);
  nn::unclip::Decoder model(cfg);
  load_weights(model, path);
  return placed(model, placement);
}

LoadedModel load_super_res_model(const std::string& path, const Placement& placement) {
  const auto cfg =
      config_for(path, nn::unclip::SuperResConfig::karlo(), nn::unclip::super_res_config_from_json);
  nn::unclip::SuperRes model(cfg);
  load_weights(model, path);
  return placed(model, placement);
}

}  // namespace pb::pipelines
