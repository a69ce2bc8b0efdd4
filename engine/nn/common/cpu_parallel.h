#pragma once
// Matrix products split over ATen's intra-op threads. LibTorch sends float32 products
// to the BLAS, which the engine pins to one thread (a second spinning pool fights
// ATen's on a small machine), so a plain at::bmm or at::addmm uses one core of many.
// These give each intra-op thread its own rows or heads instead; on other devices and
// dtypes they are the plain batched ops.
#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>
#include <torch/types.h>

namespace pb::nn {

// Whether a product on x is worth splitting: float32 on the CPU with several threads.
bool split_on_cpu(const torch::Tensor& x);

// Runs fn(begin, end) over [0, n) on the intra-op threads with the caller's thread-local
// state (inference mode, grad mode) on each of them.
template <class Fn>
void parallel_range(int64_t n, Fn fn, int64_t grain = 1) {
  const at::ThreadLocalState state;
  at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    const at::ThreadLocalStateGuard guard(state);
    fn(begin, end);
  });
}

// x [..., in] @ weight^T + bias, weight [out, in] -> [..., out] (nn.Linear). Split by rows
// when there are many, else by output features, one GEMM per thread.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias);

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
