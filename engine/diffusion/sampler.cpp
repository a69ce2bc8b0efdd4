#include "engine/diffusion/sampler.h"

#include <torch/utils.h>

#include <cmath>
#include <sstream>

#include "engine/core/error.h"

namespace pb::diffusion {
namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorCode::invalid_argument, message);
}

std::string shape_of(torch::IntArrayRef sizes) {
  std::ostringstream s;
  s << sizes;
  return s.str();
}
std::string shape_of(const torch::Tensor& t) { return shape_of(t.sizes()); }

// A float64 schedule value cast to float32, the precision the reference uses it in. Tensor *
// Scalar multiplies in the tensor's dtype, so a float32 tensor sees exactly this float.
double f32(double v) { return static_cast<double>(static_cast<float>(v)); }

// A divisor as a 0-dim tensor on x's device: CUDA turns division by a host scalar into
// multiplication by its reciprocal, which the reference (dividing by a tensor) does not.
torch::Tensor divisor(const torch::Tensor& x, double v) {
  return torch::scalar_tensor(static_cast<float>(v), x.options());
}

void check_step(const Schedule& s, int64_t i, const torch::Tensor& x,
                const torch::Tensor& model_out, const SampleOptions& o,
                const torch::Tensor& noise) {
  if (i < 0 || i >= s.size())
    invalid("sampler step index " + std::to_string(i) + " is outside the schedule's " +
            std::to_string(s.size()) + " steps");
  if (!x.defined() || x.dim() < 2 || !x.is_floating_point())
    invalid("sampler state must be a floating-point [B, C, ...] tensor, found " +
            (x.defined() ? shape_of(x) : std::string("none")));
  const int64_t channels =
      o.variance_type == VarianceType::learned_range ? 2 * x.size(1) : x.size(1);
  std::vector<int64_t> expected = x.sizes().vec();
  expected[1] = channels;
  if (!model_out.defined() || model_out.sizes() != torch::IntArrayRef(expected))
    invalid("model output has shape " +
            (model_out.defined() ? shape_of(model_out) : std::string("none")) + ", expected " +
            shape_of(expected) + " for a sample of shape " + shape_of(x));
  if (!noise.defined() || noise.sizes() != x.sizes())
    invalid("sampler noise has shape " + (noise.defined() ? shape_of(noise) : "none") +
            ", expected the sample's shape " + shape_of(x));
}

// x0 from the network's prediction, then denoised_fn, then the clamp (in that order).
torch::Tensor predict_xstart(const Schedule& s, int64_t i, const torch::Tensor& x,
                             const torch::Tensor& out, const SampleOptions& o) {
  const torch::Tensor pred = out.narrow(1, 0, x.size(1));
  torch::Tensor x0 = o.mean_type == MeanType::eps ? x * f32(s.sqrt_recip_alphas_cumprod[i]) -
                                                        pred * f32(s.sqrt_recipm1_alphas_cumprod[i])
                                                  : pred;
  if (o.denoised_fn) x0 = o.denoised_fn(x0);
  if (o.clip_denoised) x0 = x0.clamp(-1, 1);
  return x0;
}

torch::Tensor log_variance(const Schedule& s, int64_t i, const torch::Tensor& x,
                           const torch::Tensor& out, const SampleOptions& o) {
  const double min_log = f32(s.posterior_log_variance_clipped[i]);
  if (o.variance_type == VarianceType::fixed_small) return torch::full_like(x, min_log);
  const double max_log = f32(std::log(s.betas[i]));
  const torch::Tensor frac = (out.narrow(1, x.size(1), x.size(1)) + 1) / 2;
  return frac * max_log + (1 - frac) * min_log;
}

}  // namespace

StepOutput p_sample_step(const Schedule& s, int64_t i, const torch::Tensor& x,
                         const torch::Tensor& model_out, const SampleOptions& o,
                         const torch::Tensor& noise) {
  check_step(s, i, x, model_out, o, noise);
  const torch::Tensor out = model_out.to(x.scalar_type());
  StepOutput r;
  r.pred_xstart = predict_xstart(s, i, x, out, o);
  const torch::Tensor mean =
      r.pred_xstart * f32(s.posterior_mean_coef1[i]) + x * f32(s.posterior_mean_coef2[i]);
  // The last step adds no noise (the reference multiplies it by 0; skipping it keeps a
  // non-finite variance out of the result).
  r.x_next = i == 0 ? mean
                    : mean + torch::exp(0.5 * log_variance(s, i, x, out, o)) *
                                 noise.to(x.device(), x.scalar_type());
  return r;
}

StepOutput ddim_step(const Schedule& s, int64_t i, const torch::Tensor& x,
                     const torch::Tensor& model_out, const SampleOptions& o,
                     const torch::Tensor& noise) {
  check_step(s, i, x, model_out, o, noise);
  const torch::Tensor out = model_out.to(x.scalar_type());
  StepOutput r;
  r.pred_xstart = predict_xstart(s, i, x, out, o);
  // eps re-derived from the final (forced, clamped) x0.
  const torch::Tensor eps = (x * f32(s.sqrt_recip_alphas_cumprod[i]) - r.pred_xstart) /
                            divisor(x, s.sqrt_recipm1_alphas_cumprod[i]);
  // The reference computes these on float32 tensors; float arithmetic here is the same IEEE
  // single-precision arithmetic element for element.
  const float ab = static_cast<float>(s.alphas_cumprod[i]);
  const float abp = static_cast<float>(s.alphas_cumprod_prev[i]);
  const float sigma = static_cast<float>(o.eta) * std::sqrt((1.0f - abp) / (1.0f - ab)) *
                      std::sqrt(1.0f - ab / abp);
  const float eps_coef = std::sqrt(1.0f - abp - sigma * sigma);
  const torch::Tensor mean =
      r.pred_xstart * static_cast<double>(std::sqrt(abp)) + eps * static_cast<double>(eps_coef);
  r.x_next = (i == 0 || sigma == 0.0f)
                 ? mean
                 : mean + noise.to(x.device(), x.scalar_type()) * static_cast<double>(sigma);
  return r;
}

StepOutput dpmpp_2m_step(const Schedule& s, int64_t i, const torch::Tensor& x,
                         const torch::Tensor& model_out, const SampleOptions& o,
                         MultistepState& state) {
  check_step(s, i, x, model_out, o, x);
  StepOutput r;
  r.pred_xstart = predict_xstart(s, i, x, model_out.to(x.scalar_type()), o);
  const double ab = s.alphas_cumprod[i];
  const double abp = s.alphas_cumprod_prev[i];
  if (abp >= 1.0) {
    // The clean end: sigma_next = 0, lambda_next = inf, and the update is x0 itself.
    r.x_next = r.pred_xstart;
    state = {};
    return r;
  }
  const double lambda = 0.5 * (std::log(ab) - std::log1p(-ab));
  const double lambda_next = 0.5 * (std::log(abp) - std::log1p(-abp));
  const double h = lambda_next - lambda;
  const double c_x = std::sqrt((1.0 - abp) / (1.0 - ab));
  const double c_d = -std::sqrt(abp) * std::expm1(-h);
  torch::Tensor d = r.pred_xstart;
  if (state.x0.defined() && state.h > 0.0 && h > 0.0) {
    const double half_inv_r = 0.5 * h / state.h;
    d = r.pred_xstart * (1.0 + half_inv_r) - state.x0 * half_inv_r;
  }
  r.x_next = x * c_x + d * c_d;
  state.x0 = r.pred_xstart;
  state.h = h;
  return r;
}

torch::Tensor sample_loop(const Schedule& s, const ModelFn& model, torch::Tensor x,
                          const SampleOptions& o) {
  if (!model) invalid("sample_loop needs a model function");
  if (!o.noise) invalid("sample_loop needs a noise source (SampleOptions::noise)");
  if (!x.defined() || x.dim() < 2 || !x.is_floating_point())
    invalid("initial noise must be a floating-point [B, C, ...] tensor");
  torch::NoGradGuard no_grad;
  const int n = s.size();
  MultistepState multistep;
  const auto step = [&](int64_t i, const torch::Tensor& out, const torch::Tensor& noise) {
    switch (o.sampler) {
      case Sampler::ddpm:
        return p_sample_step(s, i, x, out, o, noise);
      case Sampler::ddim:
        return ddim_step(s, i, x, out, o, noise);
      case Sampler::dpmpp_2m:
        return dpmpp_2m_step(s, i, x, out, o, multistep);
    }
    invalid("unknown sampler");
  };
  for (int k = 0; k < n; ++k) {
    const int64_t i = n - 1 - k;
    const int64_t t_model = s.timestep_map[i];
    const torch::Tensor t =
        torch::full({x.size(0)}, t_model, torch::TensorOptions(torch::kLong).device(x.device()));
    const torch::Tensor out = model(x, t);
    // Drawn after the network, at every step, as the reference does (also where the sampler
    // adds none: a run's generators then end in the same state whatever the sampler).
    const torch::Tensor noise = o.noise(x, k);
    StepOutput r = step(i, out, noise);
    if (o.on_step) o.on_step(StepInfo{k, n, i, t_model, r.x_next, r.pred_xstart});
    x = std::move(r.x_next);
  }
  return x;
}

StepOutput ddim_reverse_step(const Schedule& s, int64_t i, const torch::Tensor& x,
                             const torch::Tensor& model_out, const SampleOptions& o) {
  if (o.mean_type != MeanType::eps) invalid("DDIM inversion needs an eps-predicting model");
  check_step(s, i, x, model_out, o, x);
  const torch::Tensor eps = model_out.to(x.scalar_type()).narrow(1, 0, x.size(1));
  const float abp = static_cast<float>(s.alphas_cumprod_prev[i]);
  const float ab = static_cast<float>(s.alphas_cumprod[i]);
  StepOutput r;
  r.pred_xstart =
      (x - eps * static_cast<double>(std::sqrt(1.0f - abp))) / divisor(x, std::sqrt(double(abp)));
  r.x_next = r.pred_xstart * static_cast<double>(std::sqrt(ab)) +
             eps * static_cast<double>(std::sqrt(1.0f - ab));
  return r;
}

torch::Tensor ddim_invert_loop(const Schedule& s, const ModelFn& model, torch::Tensor x,
                               const SampleOptions& o, int refinements) {
  if (!model) invalid("ddim_invert_loop needs a model function");
  if (!x.defined() || x.dim() < 2 || !x.is_floating_point())
    invalid("the sample to invert must be a floating-point [B, C, ...] tensor");
  torch::NoGradGuard no_grad;
  const int n = s.size();
  for (int k = 0; k < n; ++k) {
    const int64_t i = k;
    const int64_t t_model = s.timestep_map[i];
    const torch::Tensor t =
        torch::full({x.size(0)}, t_model, torch::TensorOptions(torch::kLong).device(x.device()));
    StepOutput r = ddim_reverse_step(s, i, x, model(x, t), o);
    for (int k2 = 0; k2 < refinements; ++k2) {
      // The eps at the new point, applied from the old one: x_i = f(x_{i-1}, eps(x_i)).
      const torch::Tensor out = model(r.x_next, t);
      r = ddim_reverse_step(s, i, x, out, o);
    }
    if (o.on_step) o.on_step(StepInfo{k, n, i, t_model, r.x_next, r.pred_xstart});
    x = std::move(r.x_next);
  }
  return x;
}

}  // namespace pb::diffusion
