#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <opencv2/core.hpp>

#include "engine/core/error.h"
#include "engine/pipelines/glide_pipeline.h"
#include "engine/pipelines/glide_stages.h"
#include "engine/pipelines/image_convert.h"

namespace pb::pipelines {

namespace {

using Clock = std::chrono::steady_clock;

// The centre of a square image cropped to width:height, then resized to width x height: the
// square is never stretched.
Image crop_to(const Image& square, int width, int height) {
  const int s = square.width;
  int cw = s, ch = s;
  if (width > height)
    ch = std::max(1, int(std::lround(double(s) * height / width)));
  else if (height > width)
    cw = std::max(1, int(std::lround(double(s) * width / height)));
  const cv::Rect centre((s - cw) / 2, (s - ch) / 2, cw, ch);
  return resize_image(from_mat(as_mat(square)(centre)), width, height);
}

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
  const bool finishing = !req.finish_from.empty();
  const int bs = models.base->config().image_size;
  torch::Tensor finish_base;
  if (finishing) {
    if (!req.settings.upsample || req.settings.candidates != 1 || !req.settings.seed)
      throw Error(ErrorCode::invalid_argument,
                  "finishing needs the upsampler, one candidate and the candidate's seed");
    const Image& b = req.finish_from.front();
    if (req.finish_from.size() != 1 || b.channels != 3 || b.width != bs || b.height != bs)
      throw Error(ErrorCode::invalid_argument, "finishing needs one " + std::to_string(bs) + "x" +
                                                   std::to_string(bs) + " RGB base-stage image");
    finish_base = image_to_tensor(b);
  }

  PreviewFn preview = [&req](const torch::Tensor& x0_row, int) {
    return crop_to(tensor_to_image(x0_row), req.width, req.height);
  };
  GlideJob job{models, tokenizer, req.prompt, req.settings,
               candidate_seeds(req.settings.seed, req.settings.candidates)};
  RunState run(callbacks, glide_stage_steps(req.settings, finishing));
  StagesOut st = run_stages(
      job, {}, [](int) { return StageInputs{}; }, preview, run, 1, finish_base);

  RunResult r;
  for (int c = 0; c < req.settings.candidates; ++c) {
    r.images.push_back(crop_to(tensor_to_image(st.images[c]), req.width, req.height));
    r.base_images.push_back({tensor_to_image(st.base[c])});
  }
  r.seeds = job.seeds;
  r.window = {0, 0, req.width, req.height};
  r.windows = {r.window};
  fill_parameters(r, job, "text2im", st.base_schedule,
                  req.settings.upsample ? &st.up_schedule : nullptr);
  r.parameters["size"] = std::to_string(req.width) + "x" + std::to_string(req.height);
  if (finishing) r.parameters["finished_from_base"] = "yes";
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

}  // namespace pb::pipelines
