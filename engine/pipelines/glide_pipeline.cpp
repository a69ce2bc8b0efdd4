#include "engine/pipelines/glide_pipeline.h"

#include <ATen/core/Generator.h>
#include <c10/core/InferenceMode.h>

#include <chrono>
#include <functional>
#include <optional>
#include <sstream>

#include "engine/core/error.h"
#include "engine/diffusion/guidance.h"
#include "engine/diffusion/noise.h"
#include "engine/diffusion/sampler.h"
#include "engine/diffusion/schedule.h"
#include "engine/pipelines/image_convert.h"
#include "engine/pipelines/presets.h"
#include "engine/pipelines/stage_runner.h"

namespace pb::pipelines {

namespace {

using Clock = std::chrono::steady_clock;
using nn::glide::GlideUNet;

constexpr int kMaxCandidates = 16;
// GLIDE's noise schedules: cosine for the 64x64 models, linear for the upsamplers.
constexpr const char* kBaseSchedule = "squaredcos_cap_v2";
constexpr const char* kUpsampleSchedule = "linear";

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
  return k == SamplerKind::ddim ? diffusion::Sampler::ddim : diffusion::Sampler::ddpm;
}

std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

void require_class(const GlideUNet& model, bool inpaint, bool super_res, const std::string& role) {
  if (!model) throw Error(ErrorCode::internal, role + " model is not loaded");
  const auto& c = model->config();
  if (c.inpaint != inpaint || c.super_res != super_res)
    throw Error(ErrorCode::invalid_argument,
                role + " needs a " + std::string(inpaint ? "inpainting " : "") +
                    (super_res ? "upsampler" : "base model") + ", got " + c.class_name());
}

// Everything shared by inpaint and text2im once the base-stage inputs are known.
struct GlideJob {
  const GlideModels& models;
  const text::GlideTokenizer& tokenizer;
  const std::string& prompt;
  const GlideSettings& settings;
  std::vector<std::uint64_t> seeds;
};

void fill_parameters(RunResult& r, const GlideJob& job, const std::string& mode,
                     const diffusion::Schedule& base, const diffusion::Schedule* up) {
  const GlideSettings& s = job.settings;
  auto& p = r.parameters;
  p["mode"] = mode;
  p["prompt"] = job.prompt;
  p["steps"] = std::to_string(base.size());
  p["sampler"] = s.sampler == SamplerKind::ddim ? "DDIM" : "DDPM";
  p["cfg_scale"] = fmt(s.guidance_scale);
  p["seed"] = std::to_string(job.seeds.front());
  std::string seeds;
  for (auto v : job.seeds) seeds += (seeds.empty() ? "" : ",") + std::to_string(v);
  p["seeds"] = seeds;
  p["base_respacing"] = s.base_respacing;
  p["eta"] = fmt(s.eta);
  p["candidates"] = std::to_string(s.candidates);
  p["model"] = job.models.base_name;
  p["model_hash"] = job.models.base_hash;
  p["base_resolution"] = std::to_string(job.models.base->config().image_size);
  if (up) {
    p["model"] += " + " + job.models.upsampler_name;
    if (!job.models.upsampler_hash.empty()) p["upsampler_hash"] = job.models.upsampler_hash;
    p["upsample_respacing"] = s.upsample_respacing;
    p["upsample_steps"] = std::to_string(up->size());
    p["upsample_temperature"] = fmt(s.upsample_temperature);
    p["upsample_resolution"] = std::to_string(job.models.upsampler->config().image_size);
  }
  if (!job.models.device_label.empty()) p["device"] = job.models.device_label;
}

// Runs base (+ upsample) for a job. base_inputs / up_inputs: per-row model inputs for n
// candidates (inpaint fields set for the inpainting classes); make_preview turns an x0 row
// of either stage into the preview image.
struct StageInputs {
  torch::Tensor known_image;  // [1, 3, S, S] masked source (inpaint), undefined otherwise
  torch::Tensor known_mask;   // [1, 1, S, S], 1 = keep
};

torch::Tensor repeat_rows(const torch::Tensor& t, int64_t rows) {
  return t.expand({rows, t.size(1), t.size(2), t.size(3)}).contiguous();
}

struct StagesOut {
  torch::Tensor images;  // [n, 3, S, S] in [-1, 1] of the last stage run
  diffusion::Schedule base_schedule, up_schedule;
};

StagesOut run_stages(const GlideJob& job, const StageInputs& base_in,
                     const std::function<StageInputs(int size)>& up_inputs_for,
                     const PreviewFn& preview, const RunCallbacks& callbacks) {
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
  std::vector<int> stage_steps{out.base_schedule.size()};
  if (s.upsample) stage_steps.push_back(out.up_schedule.size());
  RunState run(callbacks, stage_steps);
  CandidateNoise noise(job.seeds);

  // Base stage: [n conditional rows; n unconditional rows].
  StageSpec base;
  base.name = "base";
  base.model_name = job.models.base_name;
  base.index = 1;
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
  base.model = glide_model_fn(job.models.base, base_text, base_inputs, double(s.guidance_scale));
  torch::Tensor sample = run_stage(base, x_T, noise, run);
  if (!s.upsample) {
    out.images = sample;
    return out;
  }

  const auto& ucfg = job.models.upsampler->config();
  const int us = ucfg.image_size;
  StageSpec up;
  up.name = "upsample";
  up.model_name = job.models.upsampler_name;
  up.index = 2;
  up.schedule = out.up_schedule;
  up.options.sampler = diffusion::Sampler::ddpm;
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

}  // namespace

void validate_glide_settings(const GlideSettings& s) {
  if (s.candidates < 1 || s.candidates > kMaxCandidates)
    throw Error(ErrorCode::invalid_argument, "candidates must be between 1 and " +
                                                 std::to_string(kMaxCandidates) + ", got " +
                                                 std::to_string(s.candidates));
  if (!(s.guidance_scale >= 0 && s.guidance_scale <= 100))
    throw Error(ErrorCode::invalid_argument,
                "guidance scale must be between 0 and 100, got " + fmt(s.guidance_scale));
  if (!(s.upsample_temperature > 0 && s.upsample_temperature <= 2))
    throw Error(ErrorCode::invalid_argument,
                "upsample temperature must be in (0, 2], got " + fmt(s.upsample_temperature));
  if (!(s.eta >= 0 && s.eta <= 1))
    throw Error(ErrorCode::invalid_argument, "eta must be in [0, 1], got " + fmt(s.eta));
  // Malformed respacings throw invalid_argument naming the spec.
  diffusion::space_timesteps(1000, s.base_respacing);
  if (s.upsample) diffusion::space_timesteps(1000, s.upsample_respacing);
}

RunResult run_glide_inpaint(const GlideModels& models, const text::GlideTokenizer& tokenizer,
                            const InpaintRequest& req, const RunCallbacks& callbacks,
                            const InpaintOptions& options) {
  c10::InferenceMode inference;
  const auto t0 = Clock::now();
  validate_glide_settings(req.settings);
  require_class(models.base, true, false, "inpainting (base stage)");
  if (req.settings.upsample) require_class(models.upsampler, true, true, "inpainting (upsample)");
  const Image& src = req.image;
  if (src.empty() || src.channels != 3)
    throw Error(ErrorCode::invalid_argument, "inpainting needs an RGB image");
  if (req.mask.channels != 1 || req.mask.width != src.width || req.mask.height != src.height)
    throw Error(ErrorCode::invalid_argument,
                "the mask must be 1-channel and the same size as the image");
  if (mask_bbox(req.mask).width == 0)
    throw Error(ErrorCode::invalid_argument, "the mask is empty: paint what should change");

  const Rect window = choose_window(src.width, src.height, req.mask, options.window);
  const Image win_img = crop_window(src, window);
  const Image win_mask = crop_window(req.mask, window);
  const int bs = models.base->config().image_size;

  // Model convention: 1 = keep. The generate mask is conservative and slightly dilated.
  const Image gen_b = model_generate_mask(win_mask, bs, options.base_mask_dilate_cells);
  auto mask_tensor = [](const Image& gen) {
    auto t = torch::from_blob(const_cast<std::uint8_t*>(gen.pixels.data()),
                              {1, 1, gen.height, gen.width}, torch::kUInt8);
    return 1.0 - t.to(torch::kFloat32) / 255.0;
  };
  StageInputs base_in;
  base_in.known_mask = mask_tensor(gen_b);
  base_in.known_image = image_to_tensor(resize_image(win_img, bs, bs)) * base_in.known_mask;
  auto up_inputs_for = [&](int us) {
    StageInputs in;
    // Nearest resize of the base mask (notebook), so both stages generate the same region.
    in.known_mask = torch::nn::functional::interpolate(
        base_in.known_mask, torch::nn::functional::InterpolateFuncOptions()
                                .size(std::vector<int64_t>{us, us})
                                .mode(torch::kNearest));
    in.known_image = image_to_tensor(resize_image(win_img, us, us)) * in.known_mask;
    return in;
  };

  const Paster paster(src, req.mask, window, options.paste);
  PreviewFn preview = [&paster](const torch::Tensor& x0_row) {
    return paster.paste(tensor_to_image(x0_row));
  };

  GlideJob job{models, tokenizer, req.prompt, req.settings,
               candidate_seeds(req.settings.seed, req.settings.candidates)};
  StagesOut st = run_stages(job, base_in, up_inputs_for, preview, callbacks);

  RunResult r;
  for (int c = 0; c < req.settings.candidates; ++c)
    r.images.push_back(paster.paste(tensor_to_image(st.images[c])));
  r.seeds = job.seeds;
  r.window = window;
  fill_parameters(r, job, "inpaint", st.base_schedule,
                  req.settings.upsample ? &st.up_schedule : nullptr);
  r.parameters["size"] = std::to_string(src.width) + "x" + std::to_string(src.height);
  r.parameters["window"] = std::to_string(window.x) + "," + std::to_string(window.y) + "," +
                           std::to_string(window.width) + "," + std::to_string(window.height);
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

RunResult run_glide_text2im(const GlideModels& models, const text::GlideTokenizer& tokenizer,
                            const Text2ImRequest& req, const RunCallbacks& callbacks) {
  c10::InferenceMode inference;
  const auto t0 = Clock::now();
  validate_glide_settings(req.settings);
  require_class(models.base, false, false, "text-to-image (base stage)");
  if (req.settings.upsample)
    require_class(models.upsampler, false, true, "text-to-image (upsample)");
  if (req.width < 1 || req.height < 1 || req.width > 8192 || req.height > 8192)
    throw Error(ErrorCode::invalid_argument, "output size must be between 1 and 8192 pixels");

  PreviewFn preview = [&req](const torch::Tensor& x0_row) {
    return resize_image(tensor_to_image(x0_row), req.width, req.height);
  };
  GlideJob job{models, tokenizer, req.prompt, req.settings,
               candidate_seeds(req.settings.seed, req.settings.candidates)};
  StagesOut st = run_stages(
      job, {}, [](int) { return StageInputs{}; }, preview, callbacks);

  RunResult r;
  for (int c = 0; c < req.settings.candidates; ++c)
    r.images.push_back(resize_image(tensor_to_image(st.images[c]), req.width, req.height));
  r.seeds = job.seeds;
  r.window = {0, 0, req.width, req.height};
  fill_parameters(r, job, "text2im", st.base_schedule,
                  req.settings.upsample ? &st.up_schedule : nullptr);
  r.parameters["size"] = std::to_string(req.width) + "x" + std::to_string(req.height);
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

}  // namespace pb::pipelines
