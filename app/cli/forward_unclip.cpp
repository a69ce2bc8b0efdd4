#include "app/cli/forward_unclip.h"

#include <c10/core/InferenceMode.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <fstream>

#include "engine/core/error.h"
#include "engine/io/checkpoint.h"
#include "engine/nn/clip/config.h"
#include "engine/nn/clip/loader.h"
#include "engine/nn/clip/model.h"
#include "engine/nn/unclip/decoder.h"
#include "engine/nn/unclip/prior.h"
#include "engine/nn/unclip/prior_config.h"
#include "engine/nn/unclip/super_res.h"
#include "engine/nn/unclip/unet_config.h"

namespace pbcli {

namespace {

template <class Parse>
auto parse_config(const UnclipForward& job, Parse parse) {
  try {
    return parse(job.config_json);
  } catch (const pb::Error& e) {
    throw pb::Error(e.code(), job.config_path + ": " + e.what());
  }
}

template <class Holder>
void load_and_place(Holder& model, const UnclipForward& job) {
  pb::io::load_state_dict(*model, pb::io::load_checkpoint(job.weights).tensors, {}, job.weights);
  model->eval();
  model->to(job.device);
  if (job.device.is_cuda()) model->convert_body_to(torch::kHalf);
}

torch::Tensor out(const torch::Tensor& t) { return t.to(torch::kCPU, torch::kFloat).contiguous(); }

}  // namespace

TensorDict forward_unclip(const UnclipForward& job) {
  c10::InferenceMode inference;
  auto has = [&](const char* key) { return job.inputs.count(key) > 0; };
  auto need = [&](const char* key) {
    auto it = job.inputs.find(key);
    if (it == job.inputs.end())
      throw pb::Error(
          pb::ErrorCode::invalid_argument,
          job.inputs_path + ": has no tensor '" + key + "' (needed by --model " + job.model + ")");
    return it->second.to(job.device);
  };
  TensorDict result;
  if (job.model == "clip") {
    const auto cfg = parse_config(job, pb::nn::clip::config_from_json);
    pb::nn::clip::Clip clip = pb::nn::clip::load_clip(job.weights, cfg);
    clip->eval();
    clip->to(job.device);
    if (job.device.is_cuda()) clip->convert_body_to(torch::kHalf);
    if (!has("pixel_values") && !has("tokens"))
      throw pb::Error(pb::ErrorCode::invalid_argument,
                      job.inputs_path + ": has neither 'pixel_values' nor 'tokens'");
    if (has("pixel_values")) result["image_embeds"] = out(clip->encode_image(need("pixel_values")));
    if (has("tokens")) {
      const auto enc = clip->encode_text(need("tokens"));
      result["text_embeds"] = out(enc.pooled);
      result["text_seq"] = out(enc.sequence);
    }
  } else if (job.model == "prior") {
    pb::nn::unclip::Prior prior(parse_config(job, pb::nn::unclip::prior_config_from_json));
    load_and_place(prior, job);
    if (has("clip_mean") && has("clip_std"))
      prior->set_clip_stats(need("clip_mean").reshape({-1}), need("clip_std").reshape({-1}));
    const auto cond = prior->condition(need("text_emb"), need("text_enc"), need("mask"));
    result["out"] = out(prior->forward(need("x_t"), need("timesteps"), cond));
  } else if (job.model == "decoder") {
    pb::nn::unclip::Decoder decoder(parse_config(job, pb::nn::unclip::decoder_config_from_json));
    load_and_place(decoder, job);
    const auto cond =
        decoder->condition(need("txt_feat"), need("txt_feat_seq"), need("mask"), need("y"));
    result["out"] = out(decoder->forward(need("x_t"), need("timesteps"), cond));
  } else if (job.model == "sr") {
    pb::nn::unclip::SuperRes sr(parse_config(job, pb::nn::unclip::super_res_config_from_json));
    load_and_place(sr, job);
    const auto x = need("x_t"), t = need("timesteps"), low = need("low_res");
    result["out_first_steps"] = out(sr->forward(x, t, low, false));
    result["out_last_step"] = out(sr->forward(x, t, low, true));
  } else {
    throw pb::Error(pb::ErrorCode::invalid_argument, "unknown model '" + job.model + "'");
  }
  return result;
}

void write_tensor_dict(const TensorDict& tensors, const std::string& path) {
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& [k, v] : tensors) dict.insert(k, v.to(torch::kCPU, torch::kFloat).contiguous());
  const std::vector<char> bytes = torch::jit::pickle_save(torch::IValue(dict));
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f.good()) throw pb::Error(pb::ErrorCode::io_error, "cannot write " + path);
}

}  // namespace pbcli
