#include "engine/nn/glide/text_transformer.h"

#include <cmath>

namespace pb::nn::glide {

TextAttentionImpl::TextAttentionImpl(int64_t width, int64_t heads) : heads_(heads) {
  c_qkv = register_module("c_qkv", torch::nn::Linear(width, 3 * width));
  c_proj = register_module("c_proj", torch::nn::Linear(width, width));
}

torch::Tensor TextAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), n = x.size(1), W = x.size(2), dh = W / heads_;
  // [B, n, 3W] -> [B, heads, n, 3dh]; per head the features are q | k | v.
  torch::Tensor qkv = c_qkv(x).view({B, n, heads_, 3 * dh}).permute({0, 2, 1, 3});
  const double scale = 1.0 / std::sqrt(std::sqrt(static_cast<double>(dh)));
  torch::Tensor q = qkv.narrow(-1, 0, dh) * scale;
  torch::Tensor k = qkv.narrow(-1, dh, dh) * scale;
  torch::Tensor v = qkv.narrow(-1, 2 * dh, dh);
  torch::Tensor w = at::matmul(q, k.transpose(-1, -2));  // [B, heads, n, n]; no mask
  w = at::softmax(w, -1, torch::kFloat).to(x.scalar_type());
  torch::Tensor a = at::matmul(w, v);  // [B, heads, n, dh]
  return c_proj(a.permute({0, 2, 1, 3}).reshape({B, n, W}));
}

TextMlpImpl::TextMlpImpl(int64_t width) {
  c_fc = register_module("c_fc", torch::nn::Linear(width, 4 * width));
  c_proj = register_module("c_proj", torch::nn::Linear(4 * width, width));
}

torch::Tensor TextMlpImpl::forward(const torch::Tensor& x) { return c_proj(at::gelu(c_fc(x))); }

TextResBlockImpl::TextResBlockImpl(int64_t width, int64_t heads) {
  attn = register_module("attn", TextAttention(width, heads));
  ln_1 = register_module("ln_1", pb::nn::LayerNorm32(width));
  mlp = register_module("mlp", TextMlp(width));
  ln_2 = register_module("ln_2", pb::nn::LayerNorm32(width));
}

torch::Tensor TextResBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = x + attn(ln_1(x));
  return h + mlp(ln_2(h));
}

TextTransformerImpl::TextTransformerImpl(int64_t width, int64_t layers, int64_t heads) {
  resblocks = register_module("resblocks", torch::nn::ModuleList());
  for (int64_t l = 0; l < layers; ++l) resblocks->push_back(TextResBlock(width, heads));
}

torch::Tensor TextTransformerImpl::forward(torch::Tensor x) {
  for (const auto& block : *resblocks) x = block->as<TextResBlock>()->forward(x);
  return x;
}

}  // namespace pb::nn::glide
