#include "engine/pipelines/embedding_slerp.h"

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"

namespace pb::pipelines {

namespace {

struct Slerp {
  double wa = 0, wb = 0;  // weights of a and b (of the unit vectors)
  bool degenerate = false;
};

void check(const torch::Tensor& a, const torch::Tensor& b) {
  if (!a.defined() || !b.defined() || a.numel() != b.numel() || a.numel() == 0)
    throw Error(ErrorCode::invalid_argument, "slerp needs two tensors of the same size");
}

Slerp weights(const torch::Tensor& u, const torch::Tensor& w, double t) {
  const double dot = std::clamp((u * w).sum().item<double>(), -1.0, 1.0);
  const double omega = std::acos(dot);
  const double so = std::sin(omega);
  if (so < 1e-7) return {1 - t, t, true};
  return {std::sin((1 - t) * omega) / so, std::sin(t * omega) / so, false};
}

torch::Tensor unit(const torch::Tensor& x) { return x / x.norm(); }

}  // namespace

torch::Tensor slerp_unit(const torch::Tensor& a, const torch::Tensor& b, double t) {
  check(a, b);
  const torch::Tensor u = unit(a.to(torch::kDouble).flatten());
  const torch::Tensor w = unit(b.to(torch::kDouble).flatten());
  const Slerp s = weights(u, w, t);
  torch::Tensor r = u * s.wa + w * s.wb;
  if (s.degenerate) r = unit(r);
  return r.reshape(a.sizes()).to(a.scalar_type());
}

torch::Tensor slerp_raw(const torch::Tensor& a, const torch::Tensor& b, double t) {
  check(a, b);
  const torch::Tensor a64 = a.to(torch::kDouble).flatten(), b64 = b.to(torch::kDouble).flatten();
  const Slerp s = weights(unit(a64), unit(b64), t);
  return (a64 * s.wa + b64 * s.wb).reshape(a.sizes()).to(a.scalar_type());
}

torch::Tensor interpolated_embedding(const torch::Tensor& a, const torch::Tensor& b, double t) {
  check(a, b);
  const double na = a.to(torch::kDouble).norm().item<double>();
  const double nb = b.to(torch::kDouble).norm().item<double>();
  return (slerp_unit(a, b, t).to(torch::kDouble) * ((1 - t) * na + t * nb)).to(a.scalar_type());
}

torch::Tensor text_diff_direction(const torch::Tensor& base, const torch::Tensor& target) {
  check(base, target);
  const torch::Tensor d = target.to(torch::kDouble) - base.to(torch::kDouble);
  const double n = d.norm().item<double>();
  if (!(n > 0))
    throw Error(ErrorCode::invalid_argument,
                "the two captions have the same CLIP embedding: there is no direction to move in");
  return (d / n).to(base.scalar_type());
}

torch::Tensor text_diff_embedding(const torch::Tensor& image, const torch::Tensor& direction,
                                  double theta) {
  const double n = image.to(torch::kDouble).norm().item<double>();
  return (slerp_unit(image, direction, theta).to(torch::kDouble) * n).to(image.scalar_type());
}

}  // namespace pb::pipelines
