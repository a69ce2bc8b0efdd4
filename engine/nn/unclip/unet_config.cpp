#include "engine/nn/unclip/unet_config.h"

#include <nlohmann/json.hpp>

#include <sstream>

#include "engine/core/error.h"

namespace pb::nn::unclip {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& what, const std::string& field, const std::string& why) {
  throw Error(ErrorCode::invalid_argument, what + ": field '" + field + "' " + why);
}

std::vector<int> parse_int_list(const std::string& what, const std::string& field, const json& v) {
  std::vector<int> out;
  if (v.is_array()) {
    for (const auto& e : v) {
      if (!e.is_number_integer()) bad(what, field, "must hold integers");
      out.push_back(e.get<int>());
    }
    return out;
  }
  if (!v.is_string()) bad(what, field, "must be a comma-separated string or an array of integers");
  std::stringstream ss(v.get<std::string>());
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      const int n = std::stoi(item, &used);
      if (item.find_first_not_of(" \t", used) != std::string::npos)
        throw std::invalid_argument(item);
      out.push_back(n);
    } catch (const std::exception&) {
      bad(what, field, "has a non-integer element '" + item + "'");
    }
  }
  return out;
}

int get_int(const std::string& what, const std::string& k, const json& v) {
  if (!v.is_number_integer()) bad(what, k, "must be an integer");
  return v.get<int>();
}
bool get_bool(const std::string& what, const std::string& k, const json& v) {
  if (!v.is_boolean()) bad(what, k, "must be true or false");
  return v.get<bool>();
}
double get_number(const std::string& what, const std::string& k, const json& v) {
  if (!v.is_number()) bad(what, k, "must be a number");
  return v.get<double>();
}

// The hparams object of any accepted layout; entry = "decoder" or "sr" (small_configs.json).
json find_hparams(const std::string& what, const std::string& json_text, const char* entry) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::invalid_argument, what + ": not valid JSON: " + e.what());
  }
  if (!doc.is_object()) throw Error(ErrorCode::invalid_argument, what + ": expected a JSON object");
  if (doc.contains(entry) && doc[entry].is_object()) doc = doc[entry];
  if (doc.contains("config") && doc["config"].is_object()) doc = doc["config"];
  if (doc.contains("model") && doc["model"].is_object()) doc = doc["model"];
  if (doc.contains("hparams")) doc = doc["hparams"];
  if (!doc.is_object())
    throw Error(ErrorCode::invalid_argument, what + ": 'hparams' must be a JSON object");
  return doc;
}

const char* kDecoder = "Karlo decoder config";
const char* kSuperRes = "Karlo SR config";

}  // namespace

DecoderConfig DecoderConfig::karlo() { return DecoderConfig{}; }

std::vector<int> DecoderConfig::resolved_channel_mult() const {
  if (!channel_mult.empty()) {
    if ((1LL << (channel_mult.size() + 2)) != image_size)
      bad(kDecoder, "channel_mult",
          "needs 2^(levels+2) == image_size (" + std::to_string(image_size) + "), got " +
              std::to_string(channel_mult.size()) + " levels");
    for (int m : channel_mult)
      if (m <= 0) bad(kDecoder, "channel_mult", "must be positive");
    return channel_mult;
  }
  switch (image_size) {
    case 64:
      return {1, 2, 3, 4};
    case 128:
      return {1, 1, 2, 3, 4};
    case 256:
      return {1, 1, 2, 2, 4, 4};
    default:
      bad(kDecoder, "channel_mult",
          "is empty and image_size " + std::to_string(image_size) +
              " has no default (64, 128, 256)");
  }
}

std::vector<int> DecoderConfig::attention_downsample_factors() const {
  std::vector<int> ds;
  for (int r : attention_resolutions) {
    if (r <= 0 || r > image_size)
      bad(kDecoder, "attention_resolutions", "must lie in 1 .. image_size");
    ds.push_back(image_size / r);
  }
  return ds;
}

int DecoderConfig::heads_for(int channels, bool upsample) const {
  if (num_head_channels != -1) return channels / num_head_channels;
  return upsample && num_heads_upsample != -1 ? num_heads_upsample : num_heads;
}

void DecoderConfig::validate() const {
  if (image_size <= 0) bad(kDecoder, "image_size", "must be positive");
  if (num_channels <= 0 || num_channels % 2 != 0)
    bad(kDecoder, "num_channels", "must be positive and even");
  if (num_res_blocks <= 0) bad(kDecoder, "num_res_blocks", "must be positive");
  const auto mult = resolved_channel_mult();
  for (int m : mult)
    if ((m * num_channels) % 32 != 0)
      bad(kDecoder, "num_channels",
          "times every channel multiplier must be a multiple of 32 (GroupNorm32)");
  attention_downsample_factors();
  if (num_head_channels == -1) {
    if (num_heads <= 0) bad(kDecoder, "num_heads", "must be positive when num_head_channels is -1");
    if (num_heads_upsample != -1 && num_heads_upsample <= 0)
      bad(kDecoder, "num_heads_upsample", "must be positive or -1");
  } else if (num_head_channels <= 0) {
    bad(kDecoder, "num_head_channels", "must be positive or -1");
  } else {
    for (int m : mult)
      if ((m * num_channels) % num_head_channels != 0)
        bad(kDecoder, "num_head_channels", "must divide every level's channel count");
  }
  if (clip_dim <= 0) bad(kDecoder, "clip_dim", "must be positive");
  if (clip_emb_mult < 0) bad(kDecoder, "clip_emb_mult", "must not be negative");
  if (text_ctx <= 0) bad(kDecoder, "text_ctx", "must be positive");
  if (xf_width <= 0) bad(kDecoder, "xf_width", "must be positive (the decoder attends to text)");
  if (clip_emb_drop < 0 || clip_emb_drop >= 1) bad(kDecoder, "clip_emb_drop", "must lie in [0, 1)");
}

SuperResConfig SuperResConfig::karlo() { return SuperResConfig{}; }

void SuperResConfig::validate() const {
  if (channels <= 0) bad(kSuperRes, "channels", "must be positive");
  if (depth <= 0) bad(kSuperRes, "depth", "must be positive");
  if (channels_multiple.empty()) bad(kSuperRes, "channels_multiple", "must not be empty");
  for (int m : channels_multiple) {
    if (m <= 0) bad(kSuperRes, "channels_multiple", "must be positive");
    if ((m * channels) % 32 != 0)
      bad(kSuperRes, "channels",
          "times every channel multiplier must be a multiple of 32 (GroupNorm32)");
  }
}

DecoderConfig decoder_config_from_json(const std::string& json_text) {
  const std::string what = kDecoder;
  const json h = find_hparams(what, json_text, "decoder");
  DecoderConfig c;
  for (const auto& [k, v] : h.items()) {
    if (k == "image_size")
      c.image_size = get_int(what, k, v);
    else if (k == "num_channels")
      c.num_channels = get_int(what, k, v);
    else if (k == "num_res_blocks")
      c.num_res_blocks = get_int(what, k, v);
    else if (k == "channel_mult")
      c.channel_mult = parse_int_list(what, k, v);
    else if (k == "attention_resolutions")
      c.attention_resolutions = parse_int_list(what, k, v);
    else if (k == "num_heads")
      c.num_heads = get_int(what, k, v);
    else if (k == "num_head_channels")
      c.num_head_channels = get_int(what, k, v);
    else if (k == "num_heads_upsample")
      c.num_heads_upsample = get_int(what, k, v);
    else if (k == "use_scale_shift_norm")
      c.use_scale_shift_norm = get_bool(what, k, v);
    else if (k == "resblock_updown")
      c.resblock_updown = get_bool(what, k, v);
    else if (k == "clip_dim")
      c.clip_dim = get_int(what, k, v);
    else if (k == "clip_emb_mult")
      c.clip_emb_mult = v.is_null() ? 0 : get_int(what, k, v);  // None: no image tokens
    else if (k == "text_ctx")
      c.text_ctx = get_int(what, k, v);
    else if (k == "xf_width")
      c.xf_width = get_int(what, k, v);
    else if (k == "learn_sigma")
      c.learn_sigma = get_bool(what, k, v);
    else if (k == "clip_emb_drop")
      c.clip_emb_drop = get_number(what, k, v);
    else if (k == "dropout")
      c.dropout = get_number(what, k, v);
    else if (k == "xf_layers") {
      // PLMImUNet uses CLIP's text sequence; it has no text transformer of its own.
      if (get_int(what, k, v) != 0) bad(what, k, "must be 0 (the decoder has no text transformer)");
    } else if (k == "clip_emb_type") {
      if (!v.is_string() || v.get<std::string>() != "image") bad(what, k, "must be \"image\"");
    } else if (k == "use_plm") {
      if (!get_bool(what, k, v)) bad(what, k, "must be true (CLIP text features)");
    } else if (k == "text_drop") {
      get_number(what, k, v);  // training only
    } else if (k == "xf_heads") {
      get_int(what, k, v);  // unused without a text transformer
    } else if (k == "xf_final_ln") {
      get_bool(what, k, v);
    } else {
      bad(what, k, "is not a Karlo decoder hparam");
    }
  }
  c.validate();
  return c;
}

SuperResConfig super_res_config_from_json(const std::string& json_text) {
  const std::string what = kSuperRes;
  const json h = find_hparams(what, json_text, "sr");
  SuperResConfig c;
  for (const auto& [k, v] : h.items()) {
    if (k == "channels")
      c.channels = get_int(what, k, v);
    else if (k == "depth")
      c.depth = get_int(what, k, v);
    else if (k == "channels_multiple")
      c.channels_multiple = parse_int_list(what, k, v);
    else if (k == "dropout")
      c.dropout = get_number(what, k, v);
    else
      bad(what, k, "is not a Karlo SR hparam");
  }
  c.validate();
  return c;
}

}  // namespace pb::nn::unclip
