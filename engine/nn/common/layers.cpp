#include "engine/nn/common/layers.h"

#include "engine/core/cpu_features.h"

#include <cmath>

#include "engine/nn/common/cpu_parallel.h"

namespace pb::nn {

int64_t default_cpu_channels_last_min_pixels() { return cpu_has_avx512() ? 64 * 64 : 0; }

GroupNorm32Impl::GroupNorm32Impl(int64_t channels, int64_t groups, double eps)
    : groups_(groups), eps_(eps) {
  weight = register_parameter("weight", torch::ones({channels}));
  bias = register_parameter("bias", torch::zeros({channels}));
}

torch::Tensor GroupNorm32Impl::forward(const torch::Tensor& x, bool silu) {
  const bool cast = x.scalar_type() != torch::kFloat;
  torch::Tensor y =
      at::group_norm(cast ? x.to(torch::kFloat) : x, groups_, weight.to(torch::kFloat),
                     bias.to(torch::kFloat), eps_, /*cudnn_enabled=*/true);
  if (silu) at::silu_(y);
  return cast ? y.to(x.scalar_type()) : y;
}

LayerNorm32Impl::LayerNorm32Impl(int64_t width, double eps) : width_(width), eps_(eps) {
  weight = register_parameter("weight", torch::ones({width}));
  bias = register_parameter("bias", torch::zeros({width}));
}

torch::Tensor LayerNorm32Impl::forward(const torch::Tensor& x) {
  const bool cast = x.scalar_type() != torch::kFloat;
  torch::Tensor y = at::layer_norm(cast ? x.to(torch::kFloat) : x, {width_},
                                   weight.to(torch::kFloat), bias.to(torch::kFloat), eps_);
  return cast ? y.to(x.scalar_type()) : y;
}

Conv1x1Impl::Conv1x1Impl(int64_t in_channels, int64_t out_channels) {
  // Same init as torch.nn.Conv1d (kaiming-uniform, a = sqrt(5)) so that unloaded models
  // behave like the reference's before training.
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_channels));
  weight = register_parameter("weight",
                              torch::empty({out_channels, in_channels, 1}).uniform_(-bound, bound));
  bias = register_parameter("bias", torch::empty({out_channels}).uniform_(-bound, bound));
}

torch::Tensor Conv1x1Impl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 3 && x.size(1) == weight.size(1), "Conv1x1: expected [B, ", weight.size(1),
              ", T] input, got ", x.sizes());
  return batched_linear(x, weight.squeeze(-1), bias);
}

torch::Tensor timestep_embedding(const torch::Tensor& t, int64_t dim, double max_period) {
  const int64_t half = dim / 2;
  auto opts = torch::TensorOptions().dtype(torch::kFloat).device(t.device());
  // Same operation order as the reference: multiply, divide, exp (float32).
  torch::Tensor freqs =
      torch::exp(-std::log(max_period) * torch::arange(0, half, opts) / static_cast<double>(half));
  torch::Tensor args = t.to(torch::kFloat).unsqueeze(1) * freqs.unsqueeze(0);
  torch::Tensor emb = torch::cat({torch::cos(args), torch::sin(args)}, -1);
  if (dim % 2) emb = torch::cat({emb, torch::zeros({emb.size(0), 1}, opts)}, -1);
  return emb;
}

}  // namespace pb::nn
