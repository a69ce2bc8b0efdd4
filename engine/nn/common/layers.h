#pragma once
// Small layers shared by the diffusion UNets (GLIDE, unCLIP): norms that compute in
// float32 whatever the input dtype, 1x1 projections stored as Conv1d weights, and the
// sinusoidal timestep embedding.
#include <torch/nn/module.h>
#include <torch/types.h>

namespace pb::nn {

// GroupNorm with 32 groups (eps 1e-5, affine) normalising in float32; the result is
// cast back to the input dtype. Parameters: weight [C], bias [C].
class GroupNorm32Impl : public torch::nn::Module {
 public:
  explicit GroupNorm32Impl(int64_t channels, int64_t groups = 32, double eps = 1e-5);
  // silu: apply SiLU after the norm (fused in place, saves one pass over memory).
  torch::Tensor forward(const torch::Tensor& x, bool silu = false);

  torch::Tensor weight, bias;

 private:
  int64_t groups_;
  double eps_;
};
TORCH_MODULE(GroupNorm32);

// LayerNorm over the last dimension in float32, cast back. weight [W], bias [W].
class LayerNorm32Impl : public torch::nn::Module {
 public:
  explicit LayerNorm32Impl(int64_t width, double eps = 1e-5);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;

 private:
  int64_t width_;
  double eps_;
};
TORCH_MODULE(LayerNorm32);

// A kernel-size-1 Conv1d ([B, in, T] -> [B, out, T]) computed as a matrix product.
// weight [out, in, 1] (the published layout), bias [out].
class Conv1x1Impl : public torch::nn::Module {
 public:
  Conv1x1Impl(int64_t in_channels, int64_t out_channels);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;
};
TORCH_MODULE(Conv1x1);

// The CPU feature-map size from which the diffusion UNets run channels-last: 64 x 64 where
// the CPU has AVX-512 (measured on such a machine: -5% GLIDE base, -12% upsample CPU time),
// never elsewhere (cpu_features.h: up to 45% slower there).
int64_t default_cpu_channels_last_min_pixels();

// Sinusoidal embedding [B, dim] of timesteps t [B] (any numeric dtype, original scale):
// freqs = exp(-ln(max_period) * arange(half) / half), cat(cos(t f), sin(t f)), float32;
// an odd dim gets a zero column at the end.
torch::Tensor timestep_embedding(const torch::Tensor& t, int64_t dim, double max_period = 10000.0);

}  // namespace pb::nn
