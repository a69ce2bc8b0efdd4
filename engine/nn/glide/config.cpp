#include "engine/nn/glide/config.h"

#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

#include "engine/core/error.h"

namespace pb::nn::glide {

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw Error(ErrorCode::invalid_argument, "GLIDE options: field '" + field + "' " + why);
}

std::vector<int> parse_int_list(const std::string& field, const nlohmann::json& v) {
  std::vector<int> out;
  if (v.is_array()) {
    for (const auto& e : v) {
      if (!e.is_number_integer()) bad(field, "must hold integers");
      out.push_back(e.get<int>());
    }
    return out;
  }
  if (!v.is_string()) bad(field, "must be a comma-separated string or an array of integers");
  std::stringstream ss(v.get<std::string>());
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      int n = std::stoi(item, &used);
      if (item.find_first_not_of(" \t", used) != std::string::npos)
        throw std::invalid_argument(item);
      out.push_back(n);
    } catch (const std::exception&) {
      bad(field, "has a non-integer element '" + item + "'");
    }
  }
  return out;
}

}  // namespace

Config Config::base() { return Config{}; }

Config Config::base_inpaint() {
  Config c;
  c.inpaint = true;
  return c;
}

Config Config::upsample() {
  Config c;
  c.image_size = 256;
  c.num_res_blocks = 2;
  c.super_res = true;
  return c;
}

Config Config::upsample_inpaint() {
  Config c = upsample();
  c.inpaint = true;
  return c;
}

int Config::in_channels() const { return 3 + (inpaint ? 4 : 0) + (super_res ? 3 : 0); }

std::vector<int> Config::resolved_channel_mult() const {
  if (!channel_mult.empty()) {
    if ((1LL << (channel_mult.size() + 2)) != image_size)
      bad("channel_mult", "needs 2^(levels+2) == image_size (" + std::to_string(image_size) +
                              "), got " + std::to_string(channel_mult.size()) + " levels");
    for (int m : channel_mult)
      if (m <= 0) bad("channel_mult", "must be positive");
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
      bad("channel_mult", "is empty and image_size " + std::to_string(image_size) +
                              " has no default (64, 128, 256)");
  }
}

std::vector<int> Config::attention_downsample_factors() const {
  std::vector<int> ds;
  for (int r : attention_resolutions) {
    if (r <= 0) bad("attention_resolutions", "must be positive");
    ds.push_back(image_size / r);
  }
  return ds;
}

std::string Config::class_name() const {
  if (inpaint && super_res) return "SuperResInpaintText2ImUnet";
  if (inpaint) return "InpaintText2ImUNet";
  if (super_res) return "SuperResText2ImUNet";
  return "Text2ImUNet";
}

void Config::validate() const {
  if (image_size <= 0) bad("image_size", "must be positive");
  if (num_channels <= 0 || num_channels % 2 != 0) bad("num_channels", "must be positive and even");
  if (num_res_blocks <= 0) bad("num_res_blocks", "must be positive");
  const auto mult = resolved_channel_mult();
  for (int m : mult)
    if ((m * num_channels) % 32 != 0)
      bad("num_channels", "times every channel multiplier must be a multiple of 32 (GroupNorm32)");
  attention_downsample_factors();
  if (num_head_channels == -1) {
    if (num_heads <= 0) bad("num_heads", "must be positive when num_head_channels is -1");
  } else if (num_head_channels <= 0) {
    bad("num_head_channels", "must be positive or -1");
  }
  if (num_heads_upsample != -1 && num_heads_upsample <= 0)
    bad("num_heads_upsample", "must be positive or -1");
  if (text_ctx <= 0) bad("text_ctx", "must be positive");
  if (xf_width <= 0) bad("xf_width", "must be positive (GLIDE's UNets are text-conditioned)");
  if (xf_layers < 0) bad("xf_layers", "must not be negative");
  if (xf_heads <= 0 || xf_width % xf_heads != 0) bad("xf_heads", "must divide xf_width");
  if (n_vocab <= 0) bad("n_vocab", "must be positive");
}

Config config_from_json(const std::string& json_text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json_text);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::invalid_argument,
                std::string("GLIDE options: not valid JSON: ") + e.what());
  }
  if (doc.is_object() && doc.contains("options")) doc = doc["options"];
  if (!doc.is_object())
    throw Error(ErrorCode::invalid_argument, "GLIDE options: expected a JSON object");

  static const std::set<std::string> ignored = {"dropout",        "diffusion_steps",
                                                "noise_schedule", "timestep_respacing",
                                                "cache_text_emb", "use_checkpoint"};
  Config c;
  auto get_int = [](const std::string& k, const nlohmann::json& v) {
    if (!v.is_number_integer()) bad(k, "must be an integer");
    return v.get<int>();
  };
  auto get_bool = [](const std::string& k, const nlohmann::json& v) {
    if (!v.is_boolean()) bad(k, "must be true or false");
    return v.get<bool>();
  };
  for (const auto& [k, v] : doc.items()) {
    if (ignored.count(k)) continue;
    if (k == "image_size")
      c.image_size = get_int(k, v);
    else if (k == "num_channels")
      c.num_channels = get_int(k, v);
    else if (k == "num_res_blocks")
      c.num_res_blocks = get_int(k, v);
    else if (k == "channel_mult")
      c.channel_mult = parse_int_list(k, v);
    else if (k == "attention_resolutions")
      c.attention_resolutions = parse_int_list(k, v);
    else if (k == "num_heads")
      c.num_heads = get_int(k, v);
    else if (k == "num_head_channels")
      c.num_head_channels = get_int(k, v);
    else if (k == "num_heads_upsample")
      c.num_heads_upsample = get_int(k, v);
    else if (k == "use_scale_shift_norm")
      c.use_scale_shift_norm = get_bool(k, v);
    else if (k == "resblock_updown")
      c.resblock_updown = get_bool(k, v);
    else if (k == "text_ctx")
      c.text_ctx = get_int(k, v);
    else if (k == "xf_width")
      c.xf_width = get_int(k, v);
    else if (k == "xf_layers")
      c.xf_layers = get_int(k, v);
    else if (k == "xf_heads")
      c.xf_heads = get_int(k, v);
    else if (k == "xf_final_ln")
      c.xf_final_ln = get_bool(k, v);
    else if (k == "xf_padding")
      c.xf_padding = get_bool(k, v);
    else if (k == "n_vocab")
      c.n_vocab = get_int(k, v);
    else if (k == "inpaint")
      c.inpaint = get_bool(k, v);
    else if (k == "super_res")
      c.super_res = get_bool(k, v);
    else if (k == "use_fp16")
      c.use_fp16 = get_bool(k, v);
    else
      bad(k, "is not a GLIDE model option");
  }
  c.validate();
  return c;
}

}  // namespace pb::nn::glide
