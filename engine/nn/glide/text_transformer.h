#pragma once
// GLIDE's text encoder body: pre-LN transformer blocks without any attention mask
// (state_dict: transformer.resblocks.{l}.{attn.c_qkv, attn.c_proj, ln_1, mlp.c_fc,
// mlp.c_proj, ln_2}.*).
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include "engine/nn/common/layers.h"

namespace pb::nn::glide {

// Multi-head self-attention whose c_qkv output is packed per head as [heads, q|k|v, dh]
// (not nn.MultiheadAttention's q-for-all-heads-then-k-then-v).
class TextAttentionImpl : public torch::nn::Module {
 public:
  TextAttentionImpl(int64_t width, int64_t heads);
  torch::Tensor forward(const torch::Tensor& x);  // [B, ctx, W] -> [B, ctx, W]

 private:
  torch::nn::Linear c_qkv{nullptr}, c_proj{nullptr};
  int64_t heads_;
};
TORCH_MODULE(TextAttention);

class TextMlpImpl : public torch::nn::Module {
 public:
  explicit TextMlpImpl(int64_t width);
  torch::Tensor forward(const torch::Tensor& x);  // W -> 4W -> GELU (erf) -> W

 private:
  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(TextMlp);

class TextResBlockImpl : public torch::nn::Module {
 public:
  TextResBlockImpl(int64_t width, int64_t heads);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  TextAttention attn{nullptr};
  pb::nn::LayerNorm32 ln_1{nullptr};
  TextMlp mlp{nullptr};
  pb::nn::LayerNorm32 ln_2{nullptr};
};
TORCH_MODULE(TextResBlock);

class TextTransformerImpl : public torch::nn::Module {
 public:
  TextTransformerImpl(int64_t width, int64_t layers, int64_t heads);
  torch::Tensor forward(torch::Tensor x);  // [B, ctx, W]

 private:
  torch::nn::ModuleList resblocks{nullptr};
};
TORCH_MODULE(TextTransformer);

}  // namespace pb::nn::glide
