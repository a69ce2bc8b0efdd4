#include "engine/pipelines/karlo_pipeline.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <sstream>

#include "engine/core/error.h"
#include "engine/diffusion/guidance.h"
#include "engine/diffusion/sampler.h"
#include "engine/diffusion/schedule.h"
#include "engine/nn/common/image_resize.h"
#include "engine/pipelines/clip_rank.h"
#include "engine/pipelines/image_convert.h"
#include "engine/pipelines/stage_runner.h"
#include "engine/pipelines/window.h"

namespace pb::pipelines {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxCandidates = 16;
// Every Karlo stage uses the 1000-step cosine schedule (unclip/README.md section 3.6).
constexpr const char* kKarloSchedule = "squaredcos_cap_v2";
constexpr const char* kClipName = "CLIP ViT-L/14";

torch::Device device_of(const torch::nn::Module& m) {
  for (const auto& p : m.parameters()) return p.device();
  return torch::kCPU;
}

std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

diffusion::Schedule karlo_schedule(const std::string& respacing) {
  return diffusion::respaced_schedule(diffusion::named_betas(kKarloSchedule), respacing);
}

// CLIP's text features of [cond rows; uncond rows], as Karlo's samplers feed them to the
// prior and the decoder.
struct TextFeatures {
  torch::Tensor pooled, sequence, mask;  // [2n, E], [2n, 77, W], [2n, 77] bool
};

TextFeatures encode_texts(const KarloModels& m, const text::ClipTokenizer& tok,
                          const std::string& prompt, int n, RunState& run) {
  run.report(Phase::encoding, "encoding the prompt", m.clip_name.empty() ? kClipName : m.clip_name);
  const int ctx = m.decoder->config().text_ctx;
  const torch::Device dev = device_of(*m.clip);
  // Two distinct rows are enough: CLIP runs once per distinct text, rows are then repeated.
  const ClipTokens t = clip_tokens(tok, {prompt, ""}, ctx, dev);
  nn::clip::Clip clip = m.clip;
  const nn::clip::TextEncoding enc = clip->encode_text(t.tokens);
  auto rows = [n](const torch::Tensor& x) {
    std::vector<int64_t> shape = x.sizes().vec();
    shape[0] = n;
    return torch::cat({x.slice(0, 0, 1).expand(shape), x.slice(0, 1, 2).expand(shape)})
        .contiguous();
  };
  TextFeatures f;
  f.pooled = rows(enc.pooled.to(torch::kFloat));
  f.sequence = rows(enc.sequence.to(torch::kFloat));
  f.mask = rows(t.mask);
  return f;
}

// The guided decoder stage: image embeddings [n, E] -> 64 px samples [n, 3, S, S] in [-1, 1].
torch::Tensor decode(const KarloModels& m, const KarloSettings& s, const TextFeatures& text,
                     const torch::Tensor& image_embeds, CandidateNoise& noise, RunState& run,
                     int stage_index, const diffusion::Schedule& schedule) {
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
  st.name = "decoder";
  st.model_name = m.decoder_name;
  st.index = stage_index;
  st.schedule = schedule;
  // Guidance on eps only; each half keeps its own variance channels (README 3.4).
  st.model = diffusion::classifier_free_guidance(network, double(s.decoder_guidance_scale));
  st.options.sampler = diffusion::Sampler::ddpm;
  st.options.mean_type = diffusion::MeanType::eps;
  st.options.variance_type = diffusion::VarianceType::learned_range;
  st.options.clip_denoised = true;
  st.candidates = n;
  const int out = s.super_resolve ? 256 : 0;
  st.preview = [out](const torch::Tensor& x0) {
    Image im = tensor_to_image(x0);
    return out ? resize_image(im, out, out) : im;
  };
  const int size = m.decoder->config().image_size;
  st.unconditional_noise = CandidateNoise::Unconditional::draw;
  torch::Tensor x_T = noise.draw({3, size, size}, 2 * n, dev, st.unconditional_noise);
  return run_stage(st, std::move(x_T), noise, run);
}

// Karlo's 64 -> 256 stage: antialiased bicubic of the clamped decoder output as low_res,
// model_first_steps for all but the last step, model_last_step for it, no guidance.
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
  st.preview = [](const torch::Tensor& x0) { return tensor_to_image(x0); };
  torch::Tensor x_T = noise.draw({3, size, size}, n, dev);
  return run_stage(st, std::move(x_T), noise, run);
}

void require(const KarloModels& m, bool prior, bool super_res) {
  if (!m.clip) throw Error(ErrorCode::internal, "CLIP is not loaded");
  if (!m.decoder) throw Error(ErrorCode::internal, "the Karlo decoder is not loaded");
  if (prior && !m.prior) throw Error(ErrorCode::internal, "the Karlo prior is not loaded");
  if (super_res && !m.super_res)
    throw Error(ErrorCode::internal, "the Karlo super-resolution model is not loaded");
  const int E = m.clip->config().embed_dim, D = m.decoder->config().clip_dim;
  if (E != D)
    throw Error(ErrorCode::invalid_argument, "CLIP's embedding width " + std::to_string(E) +
                                                 " does not match the decoder's "
                                                 "clip_dim " +
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

std::vector<Image> to_images(const torch::Tensor& x) {
  std::vector<Image> out;
  for (int64_t i = 0; i < x.size(0); ++i) out.push_back(tensor_to_image(x[i].clamp(-1, 1)));
  return out;
}

void fill_parameters(RunResult& r, const KarloModels& m, const KarloSettings& s,
                     const std::string& mode, const std::string& prompt,
                     const diffusion::Schedule& decoder, const std::vector<std::uint64_t>& seeds) {
  auto& p = r.parameters;
  p["mode"] = mode;
  p["prompt"] = prompt;
  p["steps"] = std::to_string(decoder.size());
  p["sampler"] = "DDPM";
  p["cfg_scale"] = fmt(s.decoder_guidance_scale);
  p["decoder_respacing"] = s.decoder_respacing;
  p["seed"] = std::to_string(seeds.front());
  std::string list;
  for (auto v : seeds) list += (list.empty() ? "" : ",") + std::to_string(v);
  p["seeds"] = list;
  p["candidates"] = std::to_string(s.candidates);
  p["model"] = m.decoder_name;
  p["model_hash"] = m.decoder_hash;
  p["clip_model"] = m.clip_name;
  if (!m.clip_hash.empty()) p["clip_hash"] = m.clip_hash;
  if (mode == "unclip") {
    p["prior"] = m.prior_name;
    if (!m.prior_hash.empty()) p["prior_hash"] = m.prior_hash;
    p["prior_respacing"] = s.prior_respacing;
    p["prior_cfg_scale"] = fmt(s.prior_guidance_scale);
  }
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

// Decoder (+ SR) for a run whose image embeddings and text features are known.
RunResult finish(const KarloModels& m, const KarloSettings& s, const TextFeatures& text,
                 const torch::Tensor& image_embeds, CandidateNoise& noise, RunState& run,
                 int first_stage, const diffusion::Schedule& dec, const diffusion::Schedule& sr) {
  torch::Tensor x = decode(m, s, text, image_embeds, noise, run, first_stage, dec);
  if (s.super_resolve) x = super_resolve(m, x, noise, run, first_stage + 1, sr);
  RunResult r;
  r.images = to_images(x);
  return r;
}

}  // namespace

void validate_karlo_settings(const KarloSettings& s) {
  if (s.candidates < 1 || s.candidates > kMaxCandidates)
    throw Error(ErrorCode::invalid_argument, "candidates must be between 1 and " +
                                                 std::to_string(kMaxCandidates) + ", got " +
                                                 std::to_string(s.candidates));
  for (float g : {s.decoder_guidance_scale, s.prior_guidance_scale})
    if (!(g >= 0 && g <= 100))
      throw Error(ErrorCode::invalid_argument,
                  "guidance scale must be between 0 and 100, got " + fmt(g));
  // Malformed respacings throw invalid_argument naming the spec.
  diffusion::space_timesteps(1000, s.decoder_respacing);
  diffusion::space_timesteps(1000, s.prior_respacing);
}

RunResult run_variations(const KarloModels& m, const text::ClipTokenizer& tok,
                         const VariationsRequest& req, const RunCallbacks& callbacks,
                         EmbeddingCache* embeddings) {
  c10::InferenceMode inference;
  const auto t0 = Clock::now();
  const KarloSettings& s = req.settings;
  validate_karlo_settings(s);
  require(m, false, s.super_resolve);
  if (req.image.empty() || req.image.channels != 3)
    throw Error(ErrorCode::invalid_argument, "variations need an RGB image");
  const int n = s.candidates;
  const diffusion::Schedule dec = karlo_schedule(s.decoder_respacing);
  const diffusion::Schedule sr = karlo_schedule(kKarloSuperResRespacing);
  std::vector<int> steps{dec.size()};
  if (s.super_resolve) steps.push_back(sr.size());
  RunState run(callbacks, steps);

  // The image embedding, once per image (and CLIP model, device and precision).
  const std::string key = EmbeddingCache::key(req.image, m.clip_hash + "|" + m.device_label);
  torch::Tensor img_feat;
  if (auto hit = embeddings ? embeddings->find(key) : std::nullopt) {
    img_feat = *hit;
  } else {
    run.report(Phase::encoding, "encoding the image",
               m.clip_name.empty() ? kClipName : m.clip_name);
    img_feat = clip_image_embeddings(m.clip, {req.image});  // [1, E], raw (no L2 norm)
    if (embeddings) embeddings->put(key, img_feat);
  }
  run.check_cancel();
  // I2ISampler's prompt is "" for both halves: they differ only in y (README 3.7).
  const TextFeatures text = encode_texts(m, tok, "", n, run);
  run.check_cancel();

  const auto seeds = candidate_seeds(s.seed, n);
  CandidateNoise noise(seeds);
  RunResult r = finish(m, s, text, img_feat.expand({n, img_feat.size(1)}), noise, run, 1, dec, sr);
  r.seeds = seeds;
  if (s.rank_with_clip) rank_by_embedding(r, m.clip, img_feat[0], callbacks);
  fill_parameters(r, m, s, "variations", "", dec, seeds);
  r.window = {0, 0, r.images[0].width, r.images[0].height};
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

RunResult run_unclip_text2im(const KarloModels& m, const text::ClipTokenizer& tok,
                             const UnclipRequest& req, const RunCallbacks& callbacks) {
  c10::InferenceMode inference;
  const auto t0 = Clock::now();
  const KarloSettings& s = req.settings;
  validate_karlo_settings(s);
  require(m, true, s.super_resolve);
  const int n = s.candidates;
  const diffusion::Schedule prior = karlo_schedule(s.prior_respacing);
  const diffusion::Schedule dec = karlo_schedule(s.decoder_respacing);
  const diffusion::Schedule sr = karlo_schedule(kKarloSuperResRespacing);
  std::vector<int> steps{prior.size(), dec.size()};
  if (s.super_resolve) steps.push_back(sr.size());
  RunState run(callbacks, steps);

  const TextFeatures text = encode_texts(m, tok, req.prompt, n, run);
  run.check_cancel();
  const auto seeds = candidate_seeds(s.seed, n);
  CandidateNoise noise(seeds);

  // Prior: x0-prediction, guidance on x0, clamp to +-10 and no [-1, 1] clip (README 3.3).
  const torch::Device dev = device_of(*m.prior);
  nn::unclip::Prior net = m.prior;
  const nn::unclip::PriorCondition cond =
      net->condition(text.pooled.to(dev), text.sequence.to(dev), text.mask.to(dev));
  diffusion::ModelFn network = [net, cond](const torch::Tensor& x, const torch::Tensor& t) mutable {
    return net->forward(x, t, cond);
  };
  StageSpec st;
  st.name = "prior";
  st.model_name = m.prior_name;
  st.index = 1;
  st.schedule = prior;
  st.model = diffusion::classifier_free_guidance(network, double(s.prior_guidance_scale));
  st.options.sampler = diffusion::Sampler::ddpm;
  st.options.mean_type = diffusion::MeanType::x0;
  st.options.variance_type = diffusion::VarianceType::fixed_small;
  st.options.clip_denoised = false;
  st.options.denoised_fn = [](const torch::Tensor& x0) { return x0.clamp(-10, 10); };
  st.candidates = n;
  st.unconditional_noise = CandidateNoise::Unconditional::draw;
  const int D = m.prior->config().clip_dim;
  torch::Tensor x0 = run_stage(st, noise.draw({D}, 2 * n, dev, st.unconditional_noise), noise, run);
  const torch::Tensor img_feat = m.prior->denormalize(x0);

  RunResult r = finish(m, s, text, img_feat, noise, run, 2, dec, sr);
  r.seeds = seeds;
  if (s.rank_with_clip) rank_by_embedding(r, m.clip, text.pooled[0], callbacks);
  fill_parameters(r, m, s, "unclip", req.prompt, dec, seeds);
  r.window = {0, 0, r.images[0].width, r.images[0].height};
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

}  // namespace pb::pipelines
