#pragma once
// GLIDE's text-conditioned UNet, all four published classes in one module (the class
// follows from Config::inpaint / super_res and only changes the input assembly).
// Parameter names and shapes equal the published checkpoints' state_dict keys.
//
//   auto model = GlideUNet(Config::base_inpaint());
//   pb::io::load_state_dict(*model, pb::io::load_checkpoint("base_inpaint.pt").tensors);
//   TextCondition text = model->encode_text(tokens, mask);      // once per prompt
//   for (...) out = model->forward(x, t, text, {image, mask});   // every step
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include "engine/nn/common/layers.h"
#include "engine/nn/glide/config.h"
#include "engine/nn/glide/text_transformer.h"
#include "engine/nn/glide/unet_blocks.h"

namespace pb::nn::glide {

// The text encoding of a batch of prompts; computed once and reused at every step.
struct TextCondition {
  torch::Tensor xf_proj;  // [B, 4 mc], in the float32 embedding path
  torch::Tensor xf_out;   // [B, W, ctx] (permuted), in the body dtype
};

// Extra inputs of the inpainting / super-resolution classes (undefined = absent).
struct UNetInputs {
  torch::Tensor inpaint_image;  // [B, 3, H, W]; multiplied by the mask inside; absent = zeros
  torch::Tensor inpaint_mask;   // [B, 1, H, W], 1 = keep; absent = zeros
  torch::Tensor low_res;        // [B, 3, h, w], bilinearly resized to H x W (super-res: required)
};

// Intermediate tensors of one forward pass (the fixtures' names), for parity tests.
struct ForwardTrace {
  torch::Tensor t_emb_sinusoid, time_embed_out;
  torch::Tensor xf_in, xf_transformer_out, xf_out, xf_proj;  // xf_out as [B, ctx, W]
  torch::Tensor emb, unet_input, h_input_blocks_last, h_middle;
};

class GlideUNetImpl : public torch::nn::Module {
 public:
  explicit GlideUNetImpl(const Config& config);  // throws pb::Error(invalid_argument)

  // tokens [B, ctx] int64, mask [B, ctx] bool (true = real token).
  TextCondition encode_text(const torch::Tensor& tokens, const torch::Tensor& mask,
                            ForwardTrace* trace = nullptr);
  // x [B, 3, H, W] float32, timesteps [B] int64 on the original 1000-step scale
  // -> [B, 6, H, W] float32 (eps | variance interpolation).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& timesteps,
                        const TextCondition& text, const UNetInputs& in = {},
                        ForwardTrace* trace = nullptr);
  // Convenience: encode_text + forward.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& timesteps,
                        const torch::Tensor& tokens, const torch::Tensor& mask,
                        const UNetInputs& in = {}, ForwardTrace* trace = nullptr);

  const Config& config() const { return config_; }

  // The reference's convert_to_fp16 (README 4.7): UNet-body convolutions, the text
  // transformer's linears, transformer_proj and token_embedding become half; norms,
  // time_embed, emb_layers, out and the two embedding tables stay float32.
  void convert_to_fp16() { convert_body_to(torch::kHalf); }
  // The same set converted to any floating dtype (kBFloat16 for a faster CPU mode,
  // kFloat to undo).
  void convert_body_to(torch::Dtype dtype);
  torch::Dtype body_dtype() const;

  // On the CPU, feature maps of at least this many pixels are kept channels-last, the
  // layout oneDNN convolves fastest at large sizes; smaller ones stay contiguous, where
  // attention and group norm are faster. Measured on 2 cores (f32, CPU time per step):
  // 64x64 and up -5% base-inpaint, -12% upsample-inpaint; everything channels-last +10%
  // on base; on CPUs without AVX-512 it is slower, so the default there is 0 (see
  // default_cpu_channels_last_min_pixels). 0 = always contiguous (the reference's layout).
  // Other devices: unchanged.
  void set_cpu_channels_last_min_pixels(int64_t pixels) { cpu_channels_last_min_pixels_ = pixels; }

 private:
  torch::Tensor assemble_input(const torch::Tensor& x, const UNetInputs& in) const;
  torch::Tensor cpu_layout(const torch::Tensor& h) const;

  Config config_;
  int64_t cpu_channels_last_min_pixels_ = pb::nn::default_cpu_channels_last_min_pixels();
  torch::Tensor positional_embedding, padding_embedding;  // [ctx, W]; padding: xf_padding only
  torch::nn::Sequential time_embed{nullptr};              // Linear(mc,4mc), SiLU, Linear
  torch::nn::ModuleList input_blocks{nullptr}, output_blocks{nullptr};
  TimestepBlock middle_block{nullptr};
  pb::nn::GroupNorm32 out_norm{nullptr};
  torch::nn::Conv2d out_conv{nullptr};
  TextTransformer transformer{nullptr};
  pb::nn::LayerNorm32 final_ln{nullptr};
  torch::nn::Embedding token_embedding{nullptr};
  torch::nn::Linear transformer_proj{nullptr};
};
TORCH_MODULE(GlideUNet);

// Moves a model to the device it will run on and picks the reference's precision
// there: half on CUDA, float32 elsewhere.
void place_for_inference(GlideUNetImpl& model, const torch::Device& device);

}  // namespace pb::nn::glide
