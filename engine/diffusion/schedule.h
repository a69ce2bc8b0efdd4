#pragma once
// Noise schedules of the Gaussian diffusion used by GLIDE and Karlo (unCLIP), and their
// respacing to fewer sampling steps. Every array is float64 and evaluated exactly as the
// reference does (glide/README.md section 7.1-7.2), so that each coefficient is bit-equal to
// the reference's before the sampler casts it to float32.
//
// Usage:
//   auto base = pb::diffusion::named_betas("squaredcos_cap_v2");       // 1000 betas
//   pb::diffusion::Schedule s = pb::diffusion::respaced_schedule(base, "100");
//   // s.size() == 100; the network is called with s.timestep_map[i] for i = 99 .. 0.
#include <cstdint>
#include <string>
#include <vector>

namespace pb::diffusion {

// "squaredcos_cap_v2" (base models) or "linear" (upsamplers), T steps.
// Throws pb::Error(invalid_argument) for another name or T < 1 ("linear" needs T >= 2).
std::vector<double> named_betas(const std::string& name, int T = 1000);

// The original timesteps kept by a respacing, ascending:
//   ""              all T steps
//   "100", "10,10,3,2,2"   per-section counts over T split into equal sections
//   "ddim25"        stride k >= 1 with ceil(T / k) == 25: {0, k, 2k, ...}
//   "fast27"        "10,10,3,2,2" with T-1 replaced by T-3
//   "lsnr15"        15 steps from T-1 to 0 uniform in log-SNR (the overload below only: the
//                   spacing depends on the betas)
// Throws pb::Error(invalid_argument) for a malformed spec, a section smaller than its
// count, an impossible ddimN or a spec that keeps no step.
std::vector<int64_t> space_timesteps(int T, const std::string& spec);
std::vector<int64_t> space_timesteps(const std::vector<double>& base_betas,
                                     const std::string& spec);

// N distinct timesteps, ascending, from 0 to T-1, whose log-SNR lambda = log(alpha / sigma)
// is as close to N uniformly spaced values from lambda(T-1) to lambda(0) as distinct
// integers allow. Why: DPM-Solver++ is a solver in lambda, and its multistep correction is
// exact only for steps of similar size in lambda; uniform time strides give steps that
// differ by orders of magnitude at both ends (Lu et al. 2022 use this spacing for pixel
// models). Throws pb::Error(invalid_argument) unless 1 <= N <= T.
std::vector<int64_t> log_snr_timesteps(const std::vector<double>& base_betas, int64_t n);

// A (possibly respaced) process of N steps. Index i = 0 .. N-1 is the sampler's own index;
// the network is given timestep_map[i] (the original timestep). All arrays have N entries.
struct Schedule {
  std::vector<int64_t> timestep_map;
  std::vector<double> betas, alphas_cumprod, alphas_cumprod_prev, sqrt_recip_alphas_cumprod,
      sqrt_recipm1_alphas_cumprod, posterior_variance, posterior_log_variance_clipped,
      posterior_mean_coef1, posterior_mean_coef2;

  int size() const { return static_cast<int>(betas.size()); }
};

// The process of these betas (timestep_map = 0 .. N-1). Throws pb::Error(invalid_argument)
// for no betas or a beta outside (0, 1].
Schedule make_schedule(const std::vector<double>& betas);

// The process over the timesteps that space_timesteps(base_betas, spec) keeps.
Schedule respaced_schedule(const std::vector<double>& base_betas, const std::string& spec);

// The first n steps of a process (the n least noisy): exact, as every entry depends only on
// the betas before it. Throws pb::Error(invalid_argument) unless 1 <= n <= s.size().
Schedule first_steps(const Schedule& s, int n);

}  // namespace pb::diffusion
