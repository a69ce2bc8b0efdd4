#pragma once
// Matrix products split over ATen's intra-op threads. LibTorch sends float32 products
// to the BLAS, which the engine pins to one thread (a second spinning pool fights
// ATen's on a small machine), so a plain at::bmm or at::addmm uses one core of many.
// These give each intra-op thread its own rows or heads instead; on other devices and
// dtypes they are the plain batched ops.
#include <torch/types.h>

namespace pb::nn {

// out[b] = bias + weight @ x[b]: x [B, in, T], weight [out, in], bias [out] -> [B, out, T].
torch::Tensor batched_linear(const torch::Tensor& x, const torch::Tensor& weight,
                             const torch::Tensor& bias);

// Per head softmax(q^T k) v^T: q [BH, d, T] (already scaled), k and v [BH, d, S]
// -> [BH, d, T]. The softmax runs in float32 whatever the input dtype.
torch::Tensor attention_heads(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v);
// The same with an additive bias on the logits before the softmax (e.g. 0 / -inf key
// masks): bias broadcastable to [BH, T, S] with a leading dimension of BH or 1. It is
// added in float32 whatever q's dtype.
torch::Tensor attention_heads(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v, const torch::Tensor& bias);

}  // namespace pb::nn
