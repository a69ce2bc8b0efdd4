#include <c10/core/InferenceMode.h>

#include <chrono>

#include "engine/core/error.h"
#include "engine/pipelines/glide_pipeline.h"
#include "engine/pipelines/glide_stages.h"
#include "engine/pipelines/image_convert.h"

namespace pb::pipelines {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

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
  RunState run(callbacks, glide_stage_steps(req.settings));
  StagesOut st = run_stages(
      job, {}, [](int) { return StageInputs{}; }, preview, run);

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
