#include "engine/nn/unclip/prior_config.h"

#include <nlohmann/json.hpp>

#include "engine/core/error.h"

namespace pb::nn::unclip {

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw Error(ErrorCode::invalid_argument, "unCLIP prior config: field '" + field + "' " + why);
}

int get_int(const std::string& k, const nlohmann::json& v) {
  if (!v.is_number_integer()) bad(k, "must be an integer, found " + v.dump());
  return v.get<int>();
}

bool get_bool(const std::string& k, const nlohmann::json& v) {
  if (!v.is_boolean()) bad(k, "must be true or false, found " + v.dump());
  return v.get<bool>();
}

// Descends through the wrappers the fixtures and Karlo's YAML put around the hparams.
const nlohmann::json& hparams_of(const nlohmann::json& doc) {
  const nlohmann::json* d = &doc;
  if (d->contains("prior") && (*d)["prior"].is_object()) d = &(*d)["prior"];
  if (d->contains("config") && (*d)["config"].is_object()) d = &(*d)["config"];
  if (d->contains("model") && (*d)["model"].is_object()) d = &(*d)["model"];
  if (d->contains("hparams")) {
    if (d->contains("type") && (*d)["type"] != "prior")
      bad("type", "must be \"prior\", found " + (*d)["type"].dump());
    d = &(*d)["hparams"];
    if (!d->is_object()) bad("hparams", "must be an object");
  }
  return *d;
}

}  // namespace

PriorConfig PriorConfig::karlo() { return PriorConfig{}; }

void PriorConfig::validate() const {
  if (text_ctx <= 0) bad("text_ctx", "must be positive, found " + std::to_string(text_ctx));
  if (xf_width <= 0) bad("xf_width", "must be positive, found " + std::to_string(xf_width));
  if (xf_layers < 0) bad("xf_layers", "must not be negative, found " + std::to_string(xf_layers));
  if (xf_heads <= 0 || xf_width % xf_heads != 0)
    bad("xf_heads", "must divide xf_width (" + std::to_string(xf_width) + "), found " +
                        std::to_string(xf_heads));
  if (clip_dim <= 0) bad("clip_dim", "must be positive, found " + std::to_string(clip_dim));
}

PriorConfig prior_config_from_json(const std::string& json_text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json_text);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::invalid_argument,
                std::string("unCLIP prior config: not valid JSON: ") + e.what());
  }
  if (!doc.is_object())
    throw Error(ErrorCode::invalid_argument, "unCLIP prior config: expected a JSON object");
  const nlohmann::json& h = hparams_of(doc);
  PriorConfig c;
  int clip_xf_width = -1;
  for (const auto& [k, v] : h.items()) {
    if (k == "text_ctx")
      c.text_ctx = get_int(k, v);
    else if (k == "xf_width")
      c.xf_width = get_int(k, v);
    else if (k == "xf_layers")
      c.xf_layers = get_int(k, v);
    else if (k == "xf_heads")
      c.xf_heads = get_int(k, v);
    else if (k == "xf_final_ln")
      c.xf_final_ln = get_bool(k, v);
    else if (k == "clip_dim")
      c.clip_dim = get_int(k, v);
    else if (k == "text_drop")
      continue;  // classifier-free dropout: training only
    else if (k == "xf_padding") {
      // Karlo's prior is built without padding embeddings (no such key in its checkpoint).
      if (get_bool(k, v)) bad(k, "true is not supported (Karlo's prior has no padding_embedding)");
    } else if (k == "clip_xf_width") {
      clip_xf_width = get_int(k, v);  // Karlo feeds the CLIP text sequence at clip_dim width
    } else {
      bad(k, "is not a prior hparam");
    }
  }
  if (clip_xf_width != -1 && clip_xf_width != c.clip_dim)
    bad("clip_xf_width", "must equal clip_dim (" + std::to_string(c.clip_dim) + "), found " +
                             std::to_string(clip_xf_width));
  c.validate();
  return c;
}

}  // namespace pb::nn::unclip
