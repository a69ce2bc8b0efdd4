#include "engine/pipelines/glide_loader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/io/checkpoint.h"
#include "engine/nn/glide/model.h"

namespace pb::pipelines {

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

}  // namespace

std::string sidecar_config(const std::string& path) {
  const fs::path side = fs::path(path).replace_extension(".json");
  std::error_code ec;
  if (!fs::is_regular_file(side, ec)) return {};
  std::ifstream in(side);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t module_bytes(const torch::nn::Module& module) {
  std::size_t bytes = 0;
  for (const auto& p : module.parameters()) bytes += p.numel() * p.element_size();
  for (const auto& b : module.buffers()) bytes += b.numel() * b.element_size();
  return bytes;
}

LoadedModel load_glide_model(const std::string& role, const std::string& path,
                             const Placement& placement) {
  nn::glide::Config cfg = published_config(role);
  if (const std::string json = sidecar_config(path); !json.empty()) {
    try {
      cfg = nn::glide::config_from_json(json);
    } catch (const Error& e) {
      throw Error(e.code(), fs::path(path).replace_extension(".json").string() + ": " + e.what());
    }
  }
  nn::glide::GlideUNet model(cfg);
  {
    const io::Checkpoint ck = io::load_checkpoint(path);
    io::load_state_dict(*model, ck.tensors, {}, path);
  }
  model->eval();
  nn::glide::place_for_inference(*model, placement.device);
  if (placement.device.is_cpu() && placement.body_dtype != torch::kFloat)
    model->convert_body_to(placement.body_dtype);
  LoadedModel m;
  m.module = model.ptr();
  m.bytes = module_bytes(*model);
  return m;
}

}  // namespace pb::pipelines
