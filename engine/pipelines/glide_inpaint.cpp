#include <c10/core/InferenceMode.h>
#include <torch/nn/functional/upsampling.h>

#include <chrono>
#include <cstdlib>

#include "engine/core/error.h"
#include "engine/pipelines/compositor.h"
#include "engine/pipelines/glide_pipeline.h"
#include "engine/pipelines/glide_stages.h"
#include "engine/pipelines/image_convert.h"

namespace pb::pipelines {

namespace {

using Clock = std::chrono::steady_clock;

std::string rect_text(const Rect& r) {
  return std::to_string(r.x) + "," + std::to_string(r.y) + "," + std::to_string(r.width) + "," +
         std::to_string(r.height);
}

// The explored base outputs of one candidate, one per window, as the base stage's tensor.
torch::Tensor finish_tensor(const std::vector<Image>& from, size_t window, int size) {
  const Image& b = from[window];
  if (b.channels != 3 || b.width != size || b.height != size)
    throw Error(ErrorCode::invalid_argument,
                "finishing needs the base stage's " + std::to_string(size) + "x" +
                    std::to_string(size) + " RGB output of window " + std::to_string(window + 1) +
                    ", got " + std::to_string(b.width) + "x" + std::to_string(b.height) + "x" +
                    std::to_string(b.channels));
  return image_to_tensor(b);
}

void validate(const InpaintRequest& req, const GlideModels& models) {
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
  if (!req.finish_from.empty()) {
    if (!req.settings.upsample)
      throw Error(ErrorCode::invalid_argument, "finishing a candidate needs the upsampler");
    if (req.settings.candidates != 1)
      throw Error(ErrorCode::invalid_argument, "finishing works on one candidate at a time");
    if (!req.settings.seed)
      throw Error(ErrorCode::invalid_argument, "finishing needs the candidate's seed");
  }
}

}  // namespace

RunResult run_glide_inpaint(const GlideModels& models, const text::GlideTokenizer& tokenizer,
                            const InpaintRequest& req, const RunCallbacks& callbacks,
                            const InpaintOptions& options) {
  c10::InferenceMode inference;
  const auto t0 = Clock::now();
  validate(req, models);
  const Image& src = req.image;
  const CompositePlan plan = plan_composite(req.mask, req.mask_settings, options.window);
  if (plan.windows.empty())
    throw Error(ErrorCode::invalid_argument,
                "nothing is left to change after shrinking the mask by " +
                    std::to_string(std::abs(req.mask_settings.grow_px.value_or(0))) +
                    " px: shrink it less or paint more");
  const bool finishing = !req.finish_from.empty();
  if (finishing && req.finish_from.size() != plan.windows.size())
    throw Error(ErrorCode::invalid_argument,
                "finishing needs one base image per window: the mask gives " +
                    std::to_string(plan.windows.size()) + ", got " +
                    std::to_string(req.finish_from.size()));
  const int bs = models.base->config().image_size;
  const int n = req.settings.candidates;

  GlideJob job{models, tokenizer, req.prompt, req.settings, candidate_seeds(req.settings.seed, n)};
  const std::vector<int> one_window = glide_stage_steps(req.settings, finishing);
  RunState run(callbacks, glide_stage_steps(req.settings, finishing, int(plan.windows.size())));

  // Windows never overlap, so each one sees only source pixels; the results accumulate.
  std::vector<Image> out(size_t(n), src);
  RunResult r;
  r.base_images.resize(size_t(n));
  StagesOut st;
  for (size_t wi = 0; wi < plan.windows.size(); ++wi) {
    const CompositeWindow& cw = plan.windows[wi];
    const Image win_img = crop_window(src, cw.window);
    const Image win_gen = window_generate_mask(cw);

    // Model convention: 1 = keep. The generate mask is conservative and slightly dilated.
    const Image gen_b = model_generate_mask(win_gen, bs, options.base_mask_dilate_cells);
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
    PreviewFn preview = [&](const torch::Tensor& x0_row, int c) {
      return paste_window(cw, src, out[size_t(c)], tensor_to_image(x0_row), plan.colour_match);
    };
    const torch::Tensor finish_base =
        finishing ? finish_tensor(req.finish_from, wi, bs) : torch::Tensor();
    st = run_stages(job, base_in, up_inputs_for, preview, run, 1 + int(wi * one_window.size()),
                    finish_base);
    for (int c = 0; c < n; ++c) {
      out[size_t(c)] =
          paste_window(cw, src, out[size_t(c)], tensor_to_image(st.images[c]), plan.colour_match);
      r.base_images[size_t(c)].push_back(tensor_to_image(st.base[c]));
    }
    r.windows.push_back(cw.window);
  }

  r.images = std::move(out);
  r.seeds = job.seeds;
  r.window = r.windows.front();
  fill_parameters(r, job, "inpaint", st.base_schedule,
                  req.settings.upsample ? &st.up_schedule : nullptr);
  auto& p = r.parameters;
  p["size"] = std::to_string(src.width) + "x" + std::to_string(src.height);
  p["window"] = rect_text(r.window);
  std::string windows;
  for (const Rect& w : r.windows) windows += (windows.empty() ? "" : ";") + rect_text(w);
  p["windows"] = windows;
  const MaskSettings& ms = req.mask_settings;
  p["mask_grow"] = ms.grow_px ? std::to_string(*ms.grow_px) : "auto";
  p["mask_feather"] = ms.feather_px ? std::to_string(*ms.feather_px) : "auto";
  p["colour_match"] = ms.colour_match ? "on" : "off";
  if (finishing) p["finished_from_base"] = "yes";
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

}  // namespace pb::pipelines
