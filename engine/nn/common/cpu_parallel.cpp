#include "engine/nn/common/cpu_parallel.h"

#include <algorithm>

namespace pb::nn {

bool split_on_cpu(const torch::Tensor& x) {
  return x.device().is_cpu() && x.scalar_type() == torch::kFloat && at::get_num_threads() > 1;
}

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  std::vector<int64_t> sizes = x.sizes().vec();
  const int64_t in = sizes.back(), rows = x.numel() / std::max<int64_t>(in, 1),
                out_features = w.size(0);
  sizes.back() = out_features;
  const torch::Tensor x2 = x.reshape({rows, in});
  if (!split_on_cpu(x2) || rows * out_features < 2) return at::addmm(b, x2, w.t()).view(sizes);
  torch::Tensor out = torch::empty({rows, out_features}, x2.options());
  // Many rows (token sequences): each thread takes rows. Few (a diffusion prior's three
  // positions): each takes output features.
  if (rows >= 8 * at::get_num_threads()) {
    const torch::Tensor wt = w.t();
    parallel_range(rows, [&](int64_t begin, int64_t end) {
      torch::Tensor part = out.narrow(0, begin, end - begin);
      at::addmm_out(part, b, x2.narrow(0, begin, end - begin), wt);
    });
  } else {
    parallel_range(
        out_features,
        [&](int64_t begin, int64_t end) {
          torch::Tensor cols = out.narrow(1, begin, end - begin);
          at::addmm_out(cols, b.narrow(0, begin, end - begin), x2,
                        w.narrow(0, begin, end - begin).t());
        },
        16);
  }
  return out.view(sizes);
}

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
