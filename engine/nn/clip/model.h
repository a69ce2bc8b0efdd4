#pragma once
// OpenAI's CLIP with a ViT image tower (clip/model.py) as Kakao Brain's Karlo uses it
// (CustomizedCLIP: encode_text also returns the unprojected ln_final sequence). Module and
// parameter names equal OpenAI's state_dict keys, in state_dict order.
//
//   pb::nn::clip::Clip clip = pb::nn::clip::load_clip("ViT-L-14.pt");   // loader.h
//   torch::Tensor img = clip->encode_image(preprocess_image(rgb, w, h, 224));
//   pb::nn::clip::TextEncoding txt = clip->encode_text(tokens);
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include "engine/nn/clip/config.h"
#include "engine/nn/common/layers.h"

namespace pb::nn::clip {

// nn.MultiheadAttention's parameters (in_proj_weight [3W, W] stacked [Q; K; V], each split
// into heads as consecutive W / heads slices; out_proj) and its maths: logits scaled by
// 1/sqrt(head_dim), an optional additive mask, softmax in float32.
class MultiheadAttentionImpl : public torch::nn::Module {
 public:
  MultiheadAttentionImpl(int64_t width, int64_t heads);
  // x [B, T, W] in the weights' dtype; mask [T, T] additive float or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);

  torch::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr};

 private:
  int64_t heads_;
};
TORCH_MODULE(MultiheadAttention);

// c_fc -> QuickGELU (x * sigmoid(1.702 x)) -> c_proj; hidden 4W.
class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(int64_t width);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(Mlp);

// x += attn(ln_1(x)); x += mlp(ln_2(x)). The residual stream stays float32; the attention
// and MLP run in the weights' dtype (what Karlo's autocast does on a GPU).
class ResidualAttentionBlockImpl : public torch::nn::Module {
 public:
  ResidualAttentionBlockImpl(int64_t width, int64_t heads);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);

  MultiheadAttention attn{nullptr};
  pb::nn::LayerNorm32 ln_1{nullptr};
  Mlp mlp{nullptr};
  pb::nn::LayerNorm32 ln_2{nullptr};
};
TORCH_MODULE(ResidualAttentionBlock);

class TransformerImpl : public torch::nn::Module {
 public:
  TransformerImpl(int64_t width, int64_t layers, int64_t heads);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& mask);  // [B, T, W] float32

  torch::nn::ModuleList resblocks{nullptr};
};
TORCH_MODULE(Transformer);

// Intermediates of encode_image / encode_text (the fixtures' names), for parity tests.
struct ImageTrace {
  torch::Tensor ln_pre_out;   // [B, tokens, vision_width]
  torch::Tensor ln_post_out;  // [B, vision_width], class token before proj
};
struct TextTrace {
  torch::Tensor embed_in;  // [B, ctx, W] token + positional embedding
};

class VisionTransformerImpl : public torch::nn::Module {
 public:
  explicit VisionTransformerImpl(const Config& config);
  torch::Tensor forward(const torch::Tensor& pixels, ImageTrace* trace = nullptr);

  torch::Tensor class_embedding, positional_embedding, proj;
  torch::nn::Conv2d conv1{nullptr};
  pb::nn::LayerNorm32 ln_pre{nullptr};
  Transformer transformer{nullptr};
  pb::nn::LayerNorm32 ln_post{nullptr};
};
TORCH_MODULE(VisionTransformer);

struct TextEncoding {
  torch::Tensor pooled;    // [B, embed_dim] = ln_final(seq)[argmax token] @ text_projection
  torch::Tensor sequence;  // [B, ctx, transformer_width], ln_final output, unprojected
};

class ClipImpl : public torch::nn::Module {
 public:
  explicit ClipImpl(const Config& config);  // throws pb::Error(invalid_argument)

  // pixels [B, 3, R, R] normalised float32 -> [B, embed_dim] float32, raw (no L2 norm).
  // Throws pb::Error(invalid_argument) on another shape.
  torch::Tensor encode_image(const torch::Tensor& pixels, ImageTrace* trace = nullptr);
  // tokens [B, ctx] int32 or int64 (zero padded; padding is not masked, as in CLIP).
  // Throws pb::Error(invalid_argument) on another shape, dtype or out-of-range ids.
  TextEncoding encode_text(const torch::Tensor& tokens, TextTrace* trace = nullptr);

  const Config& config() const { return config_; }

  // OpenAI's convert_weights set (Linear and conv weights and biases, attention in_proj_*,
  // visual.proj, text_projection) to dtype: kHalf on CUDA, kBFloat16 for a faster CPU
  // mode, kFloat to undo (the dtype: the weights keep their rounding, reload for exact
  // float32). LayerNorms compute in float32, embeddings stay float32, the outputs are
  // float32 whatever the dtype. Throws pb::Error(invalid_argument) on other dtypes.
  void convert_body_to(torch::Dtype dtype);
  torch::Dtype body_dtype() const { return text_projection.scalar_type(); }

  // Own parameters first: their position in OpenAI's state_dict.
  torch::Tensor positional_embedding, text_projection, logit_scale;
  VisionTransformer visual{nullptr};
  Transformer transformer{nullptr};
  torch::nn::Embedding token_embedding{nullptr};
  pb::nn::LayerNorm32 ln_final{nullptr};

 private:
  Config config_;
};
TORCH_MODULE(Clip);

}  // namespace pb::nn::clip
