#pragma once
// The one loop every diffusion stage of every pipeline runs through (GLIDE base and
// upsample, Karlo prior, decoder and super-resolution): progress with its phase and stage
// number, per-step previews, cancellation within one step, per-candidate seeds and noise.
// The pipelines build the network function (guidance included) and the sampler options;
// the runner owns everything a person sees while it runs.
//
// Usage:
//   RunState run(callbacks, {base_steps, upsample_steps});
//   CandidateNoise noise(candidate_seeds(settings.seed, n));
//   StageSpec st{.name = "base", .model_name = "base.pt", .index = 1, ...};
//   torch::Tensor x = run_stage(st, noise.draw({3, 64, 64}, 2 * n, device), noise, run);
#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/cancel.h"
#include "engine/diffusion/sampler.h"
#include "engine/diffusion/schedule.h"

namespace pb::pipelines {

// Progress bookkeeping of one run over all its stages.
class RunState {
 public:
  // stage_steps: the step count of each diffusion stage the run will sample, in order.
  RunState(const RunCallbacks& callbacks, std::vector<int> stage_steps);

  // Throws pb::Error(cancelled) once the caller's token is set.
  void check_cancel() const;
  double elapsed() const;
  // A phase outside the diffusion loop (encoding, pasting), reported once when it begins.
  void report(Phase phase, const std::string& what, const std::string& model = {}) const;
  // Sampling progress: `step` of `total` done in stage `index` (1-based).
  void report_step(const std::string& stage, const std::string& model, int index, int step,
                   int total) const;
  void step_done() { ++overall_done_; }
  const RunCallbacks& callbacks() const { return cb_; }
  int stage_count() const { return int(stage_steps_.size()); }

 private:
  const RunCallbacks& cb_;
  std::chrono::steady_clock::time_point start_;
  std::vector<int> stage_steps_;
  int overall_done_ = 0;
  int overall_total_ = 0;
};

// The seeds of n candidates: seed, seed + 1, ... (a random 32-bit seed when none is given),
// so candidate i of a run reproduces alone with its own seed.
std::vector<std::uint64_t> candidate_seeds(const std::optional<std::uint64_t>& seed, int n);

// One CPU generator per candidate (noise.h: the same stream on every device).
class CandidateNoise {
 public:
  explicit CandidateNoise(const std::vector<std::uint64_t>& seeds);
  // How the unconditional half of a guidance batch (rows = 2n) gets its noise. Its state is
  // never fed to the network, so the values do not matter, but the draw order does:
  //   repeat: the conditional rows are copied (GLIDE's pipelines since their first version;
  //           kept so that saved seeds reproduce);
  //   draw:   candidate c's generator draws both its rows, [cond; uncond], as the reference
  //           does with one generator for a batch of one (Karlo: one seed, one image,
  //           reproduces I2ISampler's stream bit for bit).
  enum class Unconditional { repeat, draw };
  // N(0, 1) for `rows` rows of row_shape: candidate c fills row c (and n + c with rows = 2n).
  // Throws for other row counts.
  torch::Tensor draw(const std::vector<int64_t>& row_shape, int64_t rows,
                     const torch::Device& device,
                     Unconditional unconditional = Unconditional::repeat);
  int candidates() const { return int(generators_.size()); }

 private:
  std::vector<at::Generator> generators_;
};

// Turns the x0 prediction of candidate `candidate` ([1, ...] rows of the stage's state) into
// the image a person sees while the stage runs.
using PreviewFn = std::function<Image(const torch::Tensor& x0_row, int candidate)>;

struct StageSpec {
  std::string name;        // "base", "upsample", "prior", "decoder", "super-resolution"
  std::string model_name;  // shown with the progress (a file name)
  int index = 1;           // 1-based stage number within the run
  diffusion::Schedule schedule;
  diffusion::ModelFn model;          // guided already where the stage uses guidance
  diffusion::SampleOptions options;  // noise and on_step are set by the runner
  int candidates = 1;                // the first `candidates` rows are the result
  PreviewFn preview;                 // optional
  // sample: from x_T to a clean sample; invert: DDIM inversion from a clean sample to the
  // noise that deterministic DDIM decodes back to it (diffusion::ddim_invert_loop).
  enum class Direction { sample, invert };
  Direction direction = Direction::sample;
  int refinements = 0;  // invert: fixed-point refinements per step (ddim_invert_loop)
  // Per-step noise of a guidance batch's unconditional rows (see CandidateNoise).
  CandidateNoise::Unconditional unconditional_noise = CandidateNoise::Unconditional::repeat;
};

// Samples the stage from x_T (rows: candidates, or 2 x candidates for guidance), or inverts
// it from a clean sample; returns the first `candidates` rows of the final state. Throws
// pb::Error(cancelled) within one step of the token being set.
torch::Tensor run_stage(const StageSpec& stage, torch::Tensor x_T, CandidateNoise& noise,
                        RunState& run);

// A number as the run parameters and error messages write it (shortest round form).
std::string format_number(double v);

}  // namespace pb::pipelines
