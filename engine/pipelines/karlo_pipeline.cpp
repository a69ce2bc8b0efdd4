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
#include "engine/pipelines/karlo_stages.h"
#include "engine/pipelines/stage_runner.h"
#include "engine/pipelines/window.h"

namespace pb::pipelines {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxCandidates = 16;

void fill_parameters(RunResult& r, const KarloModels& m, const KarloSettings& s,
                     const std::string& mode, const std::string& prompt,
                     const diffusion::Schedule& decoder, const std::vector<std::uint64_t>& seeds) {
  auto& p = r.parameters;
  p["mode"] = mode;
  p["prompt"] = prompt;
  p["steps"] = std::to_string(decoder.size());
  p["sampler"] = "DDPM";
  p["cfg_scale"] = format_number(s.decoder_guidance_scale);
  p["decoder_respacing"] = s.decoder_respacing;
  p["seed"] = std::to_string(seeds.front());
  std::string list;
  for (auto v : seeds) list += (list.empty() ? "" : ",") + std::to_string(v);
  p["seeds"] = list;
  p["candidates"] = std::to_string(s.candidates);
  if (mode == "unclip") {
    p["prior"] = m.prior_name;
    if (!m.prior_hash.empty()) p["prior_hash"] = m.prior_hash;
    p["prior_respacing"] = s.prior_respacing;
    p["prior_cfg_scale"] = format_number(s.prior_guidance_scale);
  }
  fill_model_parameters(r, m, s);
}

// Decoder (+ SR) for a run whose image embeddings and text features are known.
RunResult finish(const KarloModels& m, const KarloSettings& s, const TextFeatures& text,
                 const torch::Tensor& image_embeds, CandidateNoise& noise, RunState& run,
                 int first_stage, const diffusion::Schedule& dec, const diffusion::Schedule& sr) {
  const int n = int(image_embeds.size(0));
  const int size = m.decoder->config().image_size;
  torch::Tensor x_T =
      noise.draw({3, size, size}, 2 * n, torch::kCPU, CandidateNoise::Unconditional::draw);
  torch::Tensor x = decode(m, s, text, image_embeds, std::move(x_T), noise, run, first_stage, dec);
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
                  "guidance scale must be between 0 and 100, got " + format_number(g));
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
  require_karlo(m, false, s.super_resolve);
  if (req.image.empty() || req.image.channels != 3)
    throw Error(ErrorCode::invalid_argument, "variations need an RGB image");
  const int n = s.candidates;
  const diffusion::Schedule dec = karlo_schedule(s.decoder_respacing);
  const diffusion::Schedule sr = karlo_schedule(kKarloSuperResRespacing);
  std::vector<int> steps{dec.size()};
  if (s.super_resolve) steps.push_back(sr.size());
  RunState run(callbacks, steps);

  // The image embedding, once per image (and CLIP model, device and precision).
  const torch::Tensor img_feat = cached_image_embedding(m, req.image, embeddings, run);
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
  require_karlo(m, true, s.super_resolve);
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
