#include "engine/pipelines/karlo_stages.h"


#include "engine/core/error.h"
#include "engine/diffusion/guidance.h"
#include "engine/nn/common/image_resize.h"
#include "engine/pipelines/clip_rank.h"
#include "engine/pipelines/image_convert.h"
#include "engine/pipelines/window.h"

namespace pb::pipelines {

namespace {
// Every Karlo stage uses the 1000-step cosine schedule (unclip/README.md section 3.6).
constexpr const char* kKarloSchedule = "squaredcos_cap_v2";

torch::Tensor repeat_rows(const torch::Tensor& x, int64_t first, int64_t k) {
  std::vector<int64_t> shape = x.sizes().vec();
  shape[0] = k;
  return x.slice(0, first, first + 1).expand(shape);
}
}  // namespace

torch::Device device_of(const torch::nn::Module& m) {
  for (const auto& p : m.parameters()) return p.device();
  return torch::kCPU;
}

diffusion::Schedule karlo_schedule(const std::string& respacing) {
  return diffusion::respaced_schedule(diffusion::named_betas(kKarloSchedule), respacing);
}

void require_karlo(const KarloModels& m, bool prior, bool super_res) {
  if (!m.clip) throw Error(ErrorCode::internal, "CLIP is not loaded");
  if (!m.decoder) throw Error(ErrorCode::internal, "the Karlo decoder is not loaded");
  if (prior && !m.prior) throw Error(ErrorCode::internal, "the Karlo prior is not loaded");
  if (super_res && !m.super_res)
    throw Error(ErrorCode::internal, "the Karlo super-resolution model is not loaded");
  const int E = m.clip->config().embed_dim, D = m.decoder->config().clip_dim;
  if (E != D)
    throw Error(ErrorCode::invalid_argument, "CLIP's embedding width " + std::to_string(E) +
                                                 " does not match the decoder's clip_dim " +
                                                 std::to_string(D) +
                                                 ": these files do not belong together");
  if (m.clip->config().transformer_width != D)
    throw Error(ErrorCode::invalid_argument,
                "CLIP's text width " + std::to_string(m.clip->config().transformer_width) +
                    " does not match the decoder's clip_dim " + std::to_string(D));
  if (prior && m.prior->config().clip_dim != D)
    throw Error(ErrorCode::invalid_argument,
                "the prior's clip_dim " + std::to_string(m.prior->config().clip_dim) +
                    " does not match the decoder's " + std::to_string(D));
}

TextFeatures TextFeatures::rows(int64_t k) const {
  const int64_t n = pooled.size(0) / 2;
  auto both = [&](const torch::Tensor& x) {
    return torch::cat({repeat_rows(x, 0, k), repeat_rows(x, n, k)}).contiguous();
  };
  return {both(pooled), both(sequence), both(mask)};
}

TextFeatures encode_texts(const KarloModels& m, const text::ClipTokenizer& tok,
                          const std::string& prompt, int n, RunState& run) {
  run.report(Phase::encoding, "encoding the prompt",
             m.clip_name.empty() ? kClipDisplayName : m.clip_name);
  const int ctx = m.decoder->config().text_ctx;
  const torch::Device dev = device_of(*m.clip);
  // Two distinct rows are enough: CLIP runs once per distinct text, rows are then repeated.
  const ClipTokens t = clip_tokens(tok, {prompt, ""}, ctx, dev);
  nn::clip::Clip clip = m.clip;
  const nn::clip::TextEncoding enc = clip->encode_text(t.tokens);
  TextFeatures two{enc.pooled.to(torch::kFloat), enc.sequence.to(torch::kFloat), t.mask};
  return two.rows(n);
}

torch::Tensor cached_image_embedding(const KarloModels& m, const Image& image,
                                     EmbeddingCache* embeddings, RunState& run) {
  const std::string key = EmbeddingCache::key(image, m.clip_hash + "|" + m.device_label);
  if (auto hit = embeddings ? embeddings->find(key) : std::nullopt) return *hit;
  run.report(Phase::encoding, "encoding the image",
             m.clip_name.empty() ? kClipDisplayName : m.clip_name);
  torch::Tensor e = clip_image_embeddings(m.clip, {image}).to(torch::kFloat);  // raw, no L2 norm
  if (embeddings) embeddings->put(key, e);
  return e;
}

torch::Tensor decode(const KarloModels& m, const KarloSettings& s, const TextFeatures& text,
                     const torch::Tensor& image_embeds, torch::Tensor x_T, CandidateNoise& noise,
                     RunState& run, int stage_index, const diffusion::Schedule& schedule,
                     const DecodeOptions& options) {
  const int n = int(image_embeds.size(0));
  const torch::Device dev = device_of(*m.decoder);
  const torch::Tensor cf = m.decoder->cf_param().to(dev, torch::kFloat).reshape({1, -1});
  const torch::Tensor y =
      torch::cat({image_embeds.to(dev, torch::kFloat), cf.expand({n, cf.size(1)})});
  nn::unclip::Decoder decoder = m.decoder;
  const nn::unclip::DecoderCondition cond =
      decoder->condition(text.pooled.to(dev), text.sequence.to(dev), text.mask.to(dev), y);
  diffusion::ModelFn network = [decoder, cond](const torch::Tensor& x,
                                               const torch::Tensor& t) mutable {
    return decoder->forward(x, t, cond);
  };
  StageSpec st;
  st.name = options.invert ? "inversion" : "decoder";
  st.model_name = m.decoder_name;
  st.index = stage_index;
  st.schedule = schedule;
  // Guidance on eps only; each half keeps its own variance channels (README 3.4).
  st.model = diffusion::classifier_free_guidance(network, double(s.decoder_guidance_scale));
  st.options.sampler = options.sampler;
  st.options.mean_type = diffusion::MeanType::eps;
  st.options.variance_type = diffusion::VarianceType::learned_range;
  st.options.clip_denoised = true;
  st.direction = options.invert ? StageSpec::Direction::invert : StageSpec::Direction::sample;
  st.refinements = options.refinements;
  st.candidates = n;
  const int out = options.preview_256 && s.super_resolve ? 256 : 0;
  st.preview = [out](const torch::Tensor& x0, int) {
    Image im = tensor_to_image(x0.clamp(-1, 1));
    return out ? resize_image(im, out, out) : im;
  };
  st.unconditional_noise = CandidateNoise::Unconditional::draw;
  return run_stage(st, std::move(x_T).to(dev), noise, run);
}

torch::Tensor super_resolve(const KarloModels& m, const torch::Tensor& samples64,
                            CandidateNoise& noise, RunState& run, int stage_index,
                            const diffusion::Schedule& schedule) {
  const int n = int(samples64.size(0));
  const torch::Device dev = device_of(*m.super_res);
  const int64_t size = samples64.size(2) * 4;
  const torch::Tensor low_res =
      nn::resize_bicubic_antialias(samples64.clamp(-1, 1).to(torch::kFloat), size, size).to(dev);
  nn::unclip::SuperRes sr = m.super_res;
  const int64_t last_t = schedule.timestep_map.front();
  diffusion::ModelFn network = [sr, low_res, last_t](const torch::Tensor& x,
                                                     const torch::Tensor& t) mutable {
    const bool last = t.numel() > 0 && t[0].item<int64_t>() == last_t;
    return sr->forward(x, t, low_res, last);
  };
  StageSpec st;
  st.name = "super-resolution";
  st.model_name = m.super_res_name;
  st.index = stage_index;
  st.schedule = schedule;
  st.model = network;
  st.options.sampler = diffusion::Sampler::ddpm;
  st.options.mean_type = diffusion::MeanType::eps;
  st.options.variance_type = diffusion::VarianceType::fixed_small;
  st.options.clip_denoised = true;
  st.candidates = n;
  st.preview = [](const torch::Tensor& x0, int) { return tensor_to_image(x0); };
  torch::Tensor x_T = noise.draw({3, size, size}, n, dev);
  return run_stage(st, std::move(x_T), noise, run);
}

std::vector<Image> to_images(const torch::Tensor& x) {
  std::vector<Image> out;
  for (int64_t i = 0; i < x.size(0); ++i) out.push_back(tensor_to_image(x[i].clamp(-1, 1)));
  return out;
}

void fill_model_parameters(RunResult& r, const KarloModels& m, const KarloSettings& s) {
  auto& p = r.parameters;
  p["model"] = m.decoder_name;
  p["model_hash"] = m.decoder_hash;
  p["clip_model"] = m.clip_name;
  if (!m.clip_hash.empty()) p["clip_hash"] = m.clip_hash;
  p["base_resolution"] = std::to_string(m.decoder->config().image_size);
  if (s.super_resolve) {
    p["model"] += " + " + m.super_res_name;
    if (!m.super_res_hash.empty()) p["upsampler_hash"] = m.super_res_hash;
    p["upsample_respacing"] = kKarloSuperResRespacing;
  }
  if (!m.device_label.empty()) p["device"] = m.device_label;
  if (!r.images.empty())
    p["size"] = std::to_string(r.images[0].width) + "x" + std::to_string(r.images[0].height);
}

}  // namespace pb::pipelines
