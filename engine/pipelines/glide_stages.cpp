#include "engine/pipelines/glide_stages.h"

#include "engine/core/error.h"
#include "engine/diffusion/guidance.h"
#include "engine/diffusion/noise.h"
#include "engine/diffusion/sampler.h"
#include "engine/pipelines/presets.h"

namespace pb::pipelines {

namespace {

using Clock = std::chrono::steady_clock;
using nn::glide::GlideUNet;

struct TextBatch {
  torch::Tensor tokens;  // [rows, ctx] int64
  torch::Tensor mask;    // [rows, ctx] bool
};

TextBatch tokenize(const text::GlideTokenizer& tok, const std::string& prompt, int ctx, int rows) {
  const auto padded = tok.padded_tokens_and_mask(tok.encode(prompt), ctx);
  auto tokens = torch::tensor(padded.tokens, torch::kInt64).unsqueeze(0);
  auto mask = torch::zeros({1, ctx}, torch::kBool);
  for (int i = 0; i < ctx; ++i)
    if (padded.mask[size_t(i)]) mask[0][i] = true;
  return {tokens.expand({rows, ctx}).contiguous(), mask.expand({rows, ctx}).contiguous()};
}

TextBatch cat_rows(const TextBatch& a, const TextBatch& b) {
  return {torch::cat({a.tokens, b.tokens}), torch::cat({a.mask, b.mask})};
}

torch::Device device_of(const GlideUNet& model) {
  for (const auto& p : model->parameters()) return p.device();
  return torch::kCPU;
}

// GLIDE's network over a stage's batch: the text is encoded once, then every step runs the
// UNet (under classifier-free guidance when the stage has it).
diffusion::ModelFn glide_model_fn(GlideUNet model, const TextBatch& text,
                                  const nn::glide::UNetInputs& inputs,
                                  const std::optional<double>& guidance) {
  const nn::glide::TextCondition cond = model->encode_text(text.tokens, text.mask);
  diffusion::ModelFn network = [model, cond, inputs](const torch::Tensor& x,
                                                     const torch::Tensor& t) mutable {
    return model->forward(x, t, cond, inputs);
  };
  return guidance ? diffusion::classifier_free_guidance(network, *guidance) : network;
}

diffusion::Sampler to_diffusion(SamplerKind k) {
  switch (k) {
    case SamplerKind::ddim:
      return diffusion::Sampler::ddim;
    case SamplerKind::dpmpp_2m:
      return diffusion::Sampler::dpmpp_2m;
    case SamplerKind::ddpm:
      break;
  }
  return diffusion::Sampler::ddpm;
}

torch::Tensor repeat_rows(const torch::Tensor& t, int64_t rows) {
  return t.expand({rows, t.size(1), t.size(2), t.size(3)}).contiguous();
}

}  // namespace

std::vector<int> glide_stage_steps(const GlideSettings& s, bool finishing, int windows) {
  std::vector<int> one;
  if (!finishing)
    one.push_back(
        diffusion::respaced_schedule(diffusion::named_betas(kBaseSchedule), s.base_respacing)
            .size());
  if (s.upsample)
    one.push_back(diffusion::respaced_schedule(diffusion::named_betas(kUpsampleSchedule),
                                               s.upsample_respacing)
                      .size());
  std::vector<int> steps;
  for (int w = 0; w < windows; ++w) steps.insert(steps.end(), one.begin(), one.end());
  return steps;
}

void require_class(const GlideUNet& model, bool inpaint, bool super_res, const std::string& role) {
  if (!model) throw Error(ErrorCode::internal, role + " model is not loaded");
  const auto& c = model->config();
  if (c.inpaint != inpaint || c.super_res != super_res)
    throw Error(ErrorCode::invalid_argument,
                role + " needs a " + std::string(inpaint ? "inpainting " : "") +
                    (super_res ? "upsampler" : "base model") + ", got " + c.class_name());
}

void fill_parameters(RunResult& r, const GlideJob& job, const std::string& mode,
                     const diffusion::Schedule& base, const diffusion::Schedule* up) {
  const GlideSettings& s = job.settings;
  auto& p = r.parameters;
  p["mode"] = mode;
  p["prompt"] = job.prompt;
  p["steps"] = std::to_string(base.size());
  p["sampler"] = sampler_label(s.sampler);
  p["cfg_scale"] = format_number(s.guidance_scale);
  p["seed"] = std::to_string(job.seeds.front());
  std::string seeds;
  for (auto v : job.seeds) seeds += (seeds.empty() ? "" : ",") + std::to_string(v);
  p["seeds"] = seeds;
  p["base_respacing"] = s.base_respacing;
  // Restoring a run from its PNG shows its preset again (see match_glide_preset).
  const GlideMode preset_mode = mode == "text2im" ? GlideMode::text2im : GlideMode::inpaint;
  if (const GlidePreset* preset = match_glide_preset(s, preset_mode)) p["preset"] = preset->name;
  p["eta"] = format_number(s.eta);
  p["candidates"] = std::to_string(s.candidates);
  p["model"] = job.models.base_name;
  p["model_hash"] = job.models.base_hash;
  p["base_resolution"] = std::to_string(job.models.base->config().image_size);
  if (up) {
    p["model"] += " + " + job.models.upsampler_name;
    if (!job.models.upsampler_hash.empty()) p["upsampler_hash"] = job.models.upsampler_hash;
    p["upsample_respacing"] = s.upsample_respacing;
    p["upsample_steps"] = std::to_string(up->size());
    p["upsample_sampler"] = sampler_label(s.upsample_sampler);
    p["upsample_temperature"] = format_number(s.upsample_temperature);
    p["upsample_resolution"] = std::to_string(job.models.upsampler->config().image_size);
  }
  if (!job.models.device_label.empty()) p["device"] = job.models.device_label;
}

StagesOut run_stages(const GlideJob& job, const StageInputs& base_in,
                     const std::function<StageInputs(int size)>& up_inputs_for,
                     const PreviewFn& preview, RunState& run, int first_index,
                     const torch::Tensor& finish_base) {
  const GlideSettings& s = job.settings;
  const int n = s.candidates;
  const auto& bcfg = job.models.base->config();
  const torch::Device device = device_of(job.models.base);

  StagesOut out;
  out.base_schedule =
      diffusion::respaced_schedule(diffusion::named_betas(kBaseSchedule), s.base_respacing);
  if (s.upsample)
    out.up_schedule = diffusion::respaced_schedule(diffusion::named_betas(kUpsampleSchedule),
                                                   s.upsample_respacing);
  CandidateNoise noise(job.seeds);

  // Base stage: [n conditional rows; n unconditional rows].
  StageSpec base;
  base.name = "base";
  base.model_name = job.models.base_name;
  base.index = first_index;
  base.schedule = out.base_schedule;
  base.options.sampler = to_diffusion(s.sampler);
  base.options.eta = s.eta;
  base.candidates = n;
  base.preview = preview;
  TextBatch base_text = cat_rows(tokenize(job.tokenizer, job.prompt, bcfg.text_ctx, n),
                                 tokenize(job.tokenizer, "", bcfg.text_ctx, n));
  base_text.tokens = base_text.tokens.to(device);
  base_text.mask = base_text.mask.to(device);
  nn::glide::UNetInputs base_inputs;
  if (base_in.known_image.defined()) {
    base_inputs.inpaint_image = repeat_rows(base_in.known_image, 2 * n).to(device);
    base_inputs.inpaint_mask = repeat_rows(base_in.known_mask, 2 * n).to(device);
    base.options.denoised_fn =
        diffusion::known_region_forcing(base_inputs.inpaint_image, base_inputs.inpaint_mask);
  }
  const int bs = bcfg.image_size;
  torch::Tensor x_T = noise.draw({3, bs, bs}, 2 * n, device);
  run.check_cancel();
  torch::Tensor sample;
  if (finish_base.defined()) {
    // The draws of x_T (above) and of every base step (run_stage draws one per step, the
    // last included), in the same order and shapes: the generators end where a whole run's do.
    for (int k = 0; k < out.base_schedule.size(); ++k) noise.draw({3, bs, bs}, 2 * n, device);
    sample = finish_base.to(device);
  } else {
    base.model = glide_model_fn(job.models.base, base_text, base_inputs, double(s.guidance_scale));
    sample = run_stage(base, x_T, noise, run);
  }
  out.base = sample;
  if (!s.upsample) {
    out.images = sample;
    return out;
  }

  const auto& ucfg = job.models.upsampler->config();
  const int us = ucfg.image_size;
  StageSpec up;
  up.name = "upsample";
  up.model_name = job.models.upsampler_name;
  up.index = finish_base.defined() ? first_index : first_index + 1;
  up.schedule = out.up_schedule;
  // The text2im notebook samples its upsampler with DDIM (eta 0), the inpainting one with DDPM.
  up.options.sampler = to_diffusion(s.upsample_sampler);
  up.candidates = n;
  up.preview = preview;
  TextBatch up_text = tokenize(job.tokenizer, job.prompt, ucfg.text_ctx, n);
  up_text.tokens = up_text.tokens.to(device);
  up_text.mask = up_text.mask.to(device);
  nn::glide::UNetInputs up_inputs;
  // The upsampler sees the base result as 8-bit values (notebook: round half to even).
  up_inputs.low_res = ((sample + 1) * 127.5).round() / 127.5 - 1;
  const StageInputs up_in = up_inputs_for(us);
  if (up_in.known_image.defined()) {
    up_inputs.inpaint_image = repeat_rows(up_in.known_image, n).to(device);
    up_inputs.inpaint_mask = repeat_rows(up_in.known_mask, n).to(device);
    up.options.denoised_fn =
        diffusion::known_region_forcing(up_inputs.inpaint_image, up_inputs.inpaint_mask);
  }
  torch::Tensor up_T = noise.draw({3, us, us}, n, device) * double(s.upsample_temperature);
  run.check_cancel();
  up.model = glide_model_fn(job.models.upsampler, up_text, up_inputs, std::nullopt);
  out.images = run_stage(up, up_T, noise, run);
  return out;
}

}  // namespace pb::pipelines
