#pragma once
// Tensor distances the nn suites bound, in float64 whatever the tensors' dtype.
#include <torch/types.h>

#include <algorithm>

namespace pbtest {

// Largest absolute difference relative to b's largest magnitude.
inline double rel_err(const torch::Tensor& a, const torch::Tensor& b) {
  const auto d = (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
  return d / std::max(b.to(torch::kDouble).abs().max().item<double>(), 1e-30);
}

}  // namespace pbtest
