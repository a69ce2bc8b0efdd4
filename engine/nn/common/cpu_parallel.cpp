#include "engine/nn/common/cpu_parallel.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

namespace pb::nn {

namespace {

bool split_on_cpu(const torch::Tensor& x) {
  return x.device().is_cpu() && x.scalar_type() == torch::kFloat && at::get_num_threads() > 1;
}

// Runs fn(begin, end) over [0, n) on the intra-op threads with the caller's
// thread-local state (inference mode, grad mode) on each of them.
template <class Fn>
void parallel_range(int64_t n, Fn fn) {
  const at::ThreadLocalState state;
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    const at::ThreadLocalStateGuard guard(state);
    fn(begin, end);
  });
}

}  // namespace

torch::Tensor batched_linear(const torch::Tensor& x, const torch::Tensor& weight,
                             const torch::Tensor& bias) {
  TORCH_CHECK(x.dim() == 3 && weight.dim() == 2 && x.size(1) == weight.size(1),
              "batched_linear: expected x [B, ", weight.size(1), ", T], got ", x.sizes());
  const int64_t B = x.size(0), O = weight.size(0);
  torch::Tensor out = torch::empty({B, O, x.size(2)}, x.options());
  const torch::Tensor b = bias.unsqueeze(-1);
  if (!split_on_cpu(x)) {
    // One GEMM per batch row straight into the output: no expanded-weight copy.
    for (int64_t i = 0; i < B; ++i) {
      torch::Tensor row = out[i];
      at::addmm_out(row, b, weight, x[i]);
    }
    return out;
  }
  // Rows of all batch items as one range, so that batch 1 splits as well as batch 2.
  parallel_range(B * O, [&](int64_t begin, int64_t end) {
    while (begin < end) {
      const int64_t i = begin / O, r0 = begin % O, r1 = std::min(O, r0 + (end - begin));
      torch::Tensor rows = out[i].narrow(0, r0, r1 - r0);
      at::addmm_out(rows, b.narrow(0, r0, r1 - r0), weight.narrow(0, r0, r1 - r0), x[i]);
      begin += r1 - r0;
    }
  });
  return out;
}

torch::Tensor attention_heads(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v) {
  auto softmax = [](const torch::Tensor& w) {
    return w.scalar_type() == torch::kFloat ? at::softmax(w, -1)
                                            : at::softmax(w, -1, torch::kFloat).to(w.scalar_type());
  };
  if (!split_on_cpu(q)) {
    torch::Tensor w = softmax(at::bmm(q.transpose(1, 2), k));  // [BH, T, S]
    return at::bmm(v, w.transpose(1, 2));
  }
  torch::Tensor out = torch::empty_like(q, at::MemoryFormat::Contiguous);
  // Whole heads per thread: the [T, S] weights stay in that core's cache between the
  // two products.
  parallel_range(q.size(0), [&](int64_t begin, int64_t end) {
    for (int64_t h = begin; h < end; ++h) {
      torch::Tensor w = softmax(at::mm(q[h].t(), k[h]));  // [T, S]
      torch::Tensor o = out[h];
      at::mm_out(o, v[h], w.t());
    }
  });
  return out;
}

torch::Tensor attention_heads(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v, const torch::Tensor& bias) {
  TORCH_CHECK(bias.dim() == 3 && (bias.size(0) == q.size(0) || bias.size(0) == 1),
              "attention_heads: bias must be [BH or 1, T or 1, S], got ", bias.sizes());
  // logits [.., T, S] + bias, softmax in float32, back to the input dtype.
  auto biased_softmax = [](const torch::Tensor& logits, const torch::Tensor& b) {
    if (logits.scalar_type() == torch::kFloat) return at::softmax(logits.add_(b), -1);
    return at::softmax(logits.to(torch::kFloat).add_(b), -1).to(logits.scalar_type());
  };
  const torch::Tensor b = bias.to(torch::kFloat);
  if (!split_on_cpu(q)) {
    torch::Tensor w = biased_softmax(at::bmm(q.transpose(1, 2), k), b);  // [BH, T, S]
    return at::bmm(v, w.transpose(1, 2));
  }
  torch::Tensor out = torch::empty_like(q, at::MemoryFormat::Contiguous);
  const bool per_head = b.size(0) != 1;
  parallel_range(q.size(0), [&](int64_t begin, int64_t end) {
    for (int64_t h = begin; h < end; ++h) {
      torch::Tensor w = biased_softmax(at::mm(q[h].t(), k[h]), b[per_head ? h : 0]);  // [T, S]
      torch::Tensor o = out[h];
      at::mm_out(o, v[h], w.t());
    }
  });
  return out;
}

}  // namespace pb::nn
