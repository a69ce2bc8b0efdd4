#include <c10/core/InferenceMode.h>
#include <torch/nn/functional/upsampling.h>

#include <chrono>

#include "engine/core/error.h"
#include "engine/pipelines/glide_pipeline.h"
#include "engine/pipelines/glide_stages.h"
#include "engine/pipelines/image_convert.h"

namespace pb::pipelines {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

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
  RunState run(callbacks, glide_stage_steps(req.settings));
  StagesOut st = run_stages(job, base_in, up_inputs_for, preview, run);

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

}  // namespace pb::pipelines
