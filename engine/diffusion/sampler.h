#pragma once
// DDPM (ancestral), DDIM and DPM-Solver++(2M) sampling steps of a Gaussian diffusion, as pure
// functions over a model function (glide/README.md section 7.3; also Karlo's diffusion,
// unclip/README.md 3.6). DDPM and DDIM are the references' samplers, kept bit-exact for parity;
// DPM-Solver++(2M) is the second-order solver of the same ODE that DDIM solves to first order.
// No progress, cancellation or RNG state in here: the caller passes the noise source and an
// on_step callback (which may throw to abort, e.g. the pipeline's cancel).
//
// Numerics: each schedule value is taken at index i in float64, cast to float32 and used in
// tensor arithmetic of x's dtype (float32 in every pipeline, also with an fp16 network: the
// model function casts), in the reference's order of operations, on x's device.
//
// Usage:
//   pb::diffusion::SampleOptions opts;
//   opts.noise = pb::diffusion::seeded_noise(generator);            // noise.h
//   opts.denoised_fn = pb::diffusion::known_region_forcing(image, mask);
//   torch::Tensor x0 = pb::diffusion::sample_loop(schedule, model_fn, x_T, opts);
#include <torch/types.h>

#include <cstdint>
#include <functional>

#include "engine/diffusion/schedule.h"

namespace pb::diffusion {

// The network: x [B, C, H, W] and t_model [B] int64 on the original 1000-step scale ->
// output [B, 2C, H, W] (learned_range: prediction, then variance values) or [B, C, H, W].
using ModelFn = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t_model)>;
// Applied to the predicted x0 before the clamp (inpainting: known-region forcing).
using DenoisedFn = std::function<torch::Tensor(const torch::Tensor& x0)>;
// One N(0, 1) tensor of like's shape, device and dtype for step k = 0 .. N-1.
using NoiseFn = std::function<torch::Tensor(const torch::Tensor& like, int k)>;

// dpmpp_2m: DPM-Solver++(2M) (Lu et al. 2022, arXiv:2211.01095, algorithm 2), the multistep
// data-prediction form: it steps with the predicted x0 after denoised_fn and the clamp, so the
// known-region forcing and classifier-free guidance (inside the model function) carry over as
// they are. Its first step and a step to the clean end are DDIM's (eta 0) exactly.
enum class Sampler { ddpm, ddim, dpmpp_2m };
// What the network's first C output channels predict.
enum class MeanType { eps, x0 };
// learned_range: channels C..2C-1 interpolate the log-variance between the clipped posterior
// variance and beta (GLIDE, Karlo's decoder); fixed_small: the clipped posterior variance
// (Karlo's prior and super-resolution), and the network outputs C channels only.
enum class VarianceType { learned_range, fixed_small };

struct StepInfo {
  int k;            // step number, 0 .. total-1
  int total;        // number of steps N
  int64_t index;    // respaced index i = total-1-k
  int64_t t_model;  // timestep_map[i], what the network was given
  const torch::Tensor& x_next;
  const torch::Tensor& pred_xstart;
};

struct SampleOptions {
  Sampler sampler = Sampler::ddpm;
  double eta = 0.0;  // DDIM only: 0 = deterministic (DPM-Solver++ is always deterministic)
  bool clip_denoised = true;
  MeanType mean_type = MeanType::eps;
  VarianceType variance_type = VarianceType::learned_range;
  DenoisedFn denoised_fn;  // optional
  NoiseFn noise;           // required: drawn at every step, also the last and for DDIM eta = 0
  std::function<void(const StepInfo&)> on_step;  // optional; may throw to abort
};

struct StepOutput {
  torch::Tensor x_next;       // sample after the step
  torch::Tensor pred_xstart;  // x0 after denoised_fn and clamp
};

// One step at respaced index i from x with the network output model_out (cast to x's dtype).
// Throws pb::Error(invalid_argument) for an index outside the schedule or mismatched shapes.
StepOutput p_sample_step(const Schedule& schedule, int64_t i, const torch::Tensor& x,
                         const torch::Tensor& model_out, const SampleOptions& options,
                         const torch::Tensor& noise);
StepOutput ddim_step(const Schedule& schedule, int64_t i, const torch::Tensor& x,
                     const torch::Tensor& model_out, const SampleOptions& options,
                     const torch::Tensor& noise);

// What DPM-Solver++(2M) carries from one step to the next.
struct MultistepState {
  torch::Tensor x0;  // the previous step's data prediction (undefined before the first)
  double h = 0.0;    // the previous step's log-SNR increment
};

// One DPM-Solver++(2M) step at respaced index i, from noise level alphas_cumprod[i] to
// alphas_cumprod_prev[i]; reads and updates `state`. In log-SNR lambda = log(alpha / sigma),
// with h = lambda_next - lambda and r = h_prev / h:
//   D = (1 + 1 / 2r) x0 - (1 / 2r) x0_prev     (x0 alone on the first step)
//   x_next = (sigma_next / sigma) x - alpha_next (exp(-h) - 1) D
// and x_next = x0 where alphas_cumprod_prev[i] == 1. Coefficients in float64, then cast.
StepOutput dpmpp_2m_step(const Schedule& schedule, int64_t i, const torch::Tensor& x,
                         const torch::Tensor& model_out, const SampleOptions& options,
                         MultistepState& state);

// x = x_T; for i = N-1 .. 0: x = step(x, i). Runs without autograd. Returns the last x.
torch::Tensor sample_loop(const Schedule& schedule, const ModelFn& model, torch::Tensor x_T,
                          const SampleOptions& options);

// DDIM inversion: the deterministic (eta 0) ODE run from the clean sample towards noise, so
// that sample_loop with Sampler::ddim, eta 0 and the same model starts from the returned x_T
// and comes back close to x0 (DALL-E 2 section 3; Song et al. 2021, section 4.3). Step i takes
// x from noise level alphas_cumprod_prev[i] to alphas_cumprod[i] with the eps the network
// predicts at (x, timestep_map[i]): the eps the decoding step at i will see, up to the
// discretisation. The x0 estimate is not clamped or forced (a clamp has no inverse); only
// mean_type eps is meaningful. on_step gets x_next and the x0 estimate.
StepOutput ddim_reverse_step(const Schedule& schedule, int64_t i, const torch::Tensor& x,
                             const torch::Tensor& model_out, const SampleOptions& options);
// x = x0; for i = 0 .. N-1: x = reverse_step(x, i). options.noise is not needed.
// refinements > 0: each step is then solved as a fixed point, x_i = reverse_step(x_{i-1}) with
// the eps of x_i itself (one more network call per refinement), so that the decoding step
// from x_i returns x_{i-1} more exactly.
torch::Tensor ddim_invert_loop(const Schedule& schedule, const ModelFn& model, torch::Tensor x0,
                               const SampleOptions& options, int refinements = 0);

}  // namespace pb::diffusion
