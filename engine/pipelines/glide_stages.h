#pragma once
// What GLIDE inpainting and text-to-image share once the base stage's inputs are known:
// tokenising, the guided network function, the base (+ upsample) stages and the generation
// parameters. Internal to the pipelines (glide_inpaint.cpp, glide_text2im.cpp).
#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/core/requests.h"
#include "engine/diffusion/schedule.h"
#include "engine/pipelines/glide_pipeline.h"
#include "engine/pipelines/stage_runner.h"

namespace pb::pipelines {

// GLIDE's noise schedules: cosine for the 64x64 models, linear for the upsamplers.
inline constexpr const char* kBaseSchedule = "squaredcos_cap_v2";
inline constexpr const char* kUpsampleSchedule = "linear";

struct GlideJob {
  const GlideModels& models;
  const text::GlideTokenizer& tokenizer;
  const std::string& prompt;
  const GlideSettings& settings;
  std::vector<std::uint64_t> seeds;
};

// Per-row model inputs of the inpainting classes at one resolution (undefined for text2im).
struct StageInputs {
  torch::Tensor known_image;  // [1, 3, S, S] masked source (inpaint), undefined otherwise
  torch::Tensor known_mask;   // [1, 1, S, S], 1 = keep
};

struct StagesOut {
  torch::Tensor images;  // [n, 3, S, S] in [-1, 1] of the last stage run
  torch::Tensor base;    // [n, 3, B, B] in [-1, 1]: the base stage's output
  diffusion::Schedule base_schedule, up_schedule;
};

// The step counts of the stages a job samples, for RunState (base, then upsample if asked;
// only the upsample when finishing), repeated for each of `windows` inpainting windows.
std::vector<int> glide_stage_steps(const GlideSettings& settings, bool finishing = false,
                                   int windows = 1);

// Runs base (+ upsample) for a job of settings.candidates candidates. up_inputs_for gives
// the upsampler's inpainting inputs at its resolution; preview turns an x0 row of either
// stage into the image a person sees. Progress is counted on `run`, which may span several
// calls (one per inpainting window; first_index numbers this call's first stage).
//
// finish_base ([n, 3, B, B], 8-bit values in [-1, 1]; undefined for a whole run) finishes
// an explored run: the base stage is not sampled, its noise draws are replayed (no network
// call) so that the upsampler's noise, and so its pixels, equal those of a whole run.
StagesOut run_stages(const GlideJob& job, const StageInputs& base_in,
                     const std::function<StageInputs(int size)>& up_inputs_for,
                     const PreviewFn& preview, RunState& run, int first_index = 1,
                     const torch::Tensor& finish_base = {});

// The generation parameters every GLIDE run reports (RunResult::parameters).
void fill_parameters(RunResult& r, const GlideJob& job, const std::string& mode,
                     const diffusion::Schedule& base, const diffusion::Schedule* up);

void require_class(const nn::glide::GlideUNet& model, bool inpaint, bool super_res,
                   const std::string& role);

}  // namespace pb::pipelines
