#pragma once
// The guided-diffusion ("ADM") U-Net skeleton Karlo's decoder and super-resolution models
// share (unclip/README.md sections 3.4, 3.5). ResBlocks, Downsample and Upsample are
// GLIDE's (identical layers and names); the attention block is Karlo's, which adds a key
// bias over the context tokens (0 / -inf from the text mask). Child names follow Karlo's
// state_dict: input_blocks.N.M, middle_block.M, output_blocks.N.M, out.0 / out.2.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <memory>
#include <variant>
#include <vector>

#include "engine/nn/common/layers.h"
#include "engine/nn/glide/unet_blocks.h"

namespace pb::nn::unclip {

// Self-attention over the H*W positions with the context's keys and values first (one
// softmax over ctx + H*W keys); qkv packed per head [heads, q|k|v, dh].
class AttentionBlockImpl : public torch::nn::Module {
 public:
  // encoder_channels 0: plain self-attention (no encoder_kv).
  AttentionBlockImpl(int64_t channels, int64_t heads, int64_t encoder_channels);
  // x [B, C, H, W]; context [B, encoder_channels, ctx] (or undefined without encoder_kv);
  // context_bias [B, ctx] float (0 / -inf), added to the context keys' logits; the
  // spatial keys get 0. Undefined = no bias.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context,
                        const torch::Tensor& context_bias);

 private:
  pb::nn::GroupNorm32 norm{nullptr};
  pb::nn::Conv1x1 qkv{nullptr}, encoder_kv{nullptr}, proj_out{nullptr};
  int64_t heads_;
};
TORCH_MODULE(AttentionBlock);

// One entry of input_blocks / middle_block / output_blocks: layers "0", "1", ... in order,
// each given what it needs.
class TimestepBlockImpl : public torch::nn::Module {
 public:
  void add(torch::nn::Conv2d conv);
  void add(pb::nn::glide::ResBlock block);
  void add(AttentionBlock block);
  void add(pb::nn::glide::Downsample block);
  void add(pb::nn::glide::Upsample block);
  torch::Tensor forward(torch::Tensor h, const torch::Tensor& emb, const torch::Tensor& context,
                        const torch::Tensor& context_bias);

 private:
  using Layer = std::variant<
      std::shared_ptr<torch::nn::Conv2dImpl>, std::shared_ptr<pb::nn::glide::ResBlockImpl>,
      std::shared_ptr<AttentionBlockImpl>, std::shared_ptr<pb::nn::glide::DownsampleImpl>,
      std::shared_ptr<pb::nn::glide::UpsampleImpl>>;
  std::vector<Layer> layers_;
  template <class M>
  void push(M module);
};
TORCH_MODULE(TimestepBlock);

// karlo.modules.unet.UNetModel's constructor arguments.
struct UNetSpec {
  int in_channels = 3, model_channels = 320, out_channels = 6, num_res_blocks = 3;
  std::vector<int> channel_mult{1, 2, 3, 4};
  std::vector<int> attention_ds;  // downsample factors with attention
  int num_heads = 1, num_head_channels = -1, num_heads_upsample = -1;
  bool use_scale_shift_norm = false, resblock_updown = false, use_middle_attention = true;
  int encoder_channels = 0;  // the attention context's width; 0 = none
  int clip_dim = 0;          // > 0: a clip_emb Linear(clip_dim, 4C) after time_embed
};

// UNetModel: time_embed, [clip_emb], input_blocks, middle_block, output_blocks, out.
// Subclasses add their own parameters (registered after these, as in the reference).
class AdmUNetImpl : public torch::nn::Module {
 public:
  explicit AdmUNetImpl(const UNetSpec& spec);

  // time_embed(timestep_embedding(t, C)) [B, 4C] float32; t [B] original scale.
  torch::Tensor time_embedding(const torch::Tensor& timesteps);
  // clip_emb(y) [B, 4C] float32 (clip_dim > 0 only).
  torch::Tensor clip_embedding(const torch::Tensor& y);
  // The body: x [B, in_channels, H, W] (any float dtype) -> [B, out_channels, H, W]
  // float32, given emb [B, 4C] float32 and the attention context (see AttentionBlock).
  // input_last / middle (optional) receive the activations after the last input block
  // and after the middle block.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& emb,
                        const torch::Tensor& context, const torch::Tensor& context_bias,
                        torch::Tensor* input_last = nullptr, torch::Tensor* middle = nullptr);

  const UNetSpec& spec() const { return spec_; }
  // The size H, W must be a multiple of (2^(levels-1)).
  int64_t size_multiple() const { return int64_t(1) << (spec_.channel_mult.size() - 1); }
  // Convolutions and 1x1 projections of input/middle/output blocks to dtype (bf16/fp16 for
  // speed, kFloat to undo); norms, time_embed, emb_layers and out stay float32.
  void convert_body_to(torch::Dtype dtype);
  torch::Dtype body_dtype() const;

  // On the CPU, feature maps of at least this many pixels run channels-last (oneDNN's
  // fastest layout for large maps), smaller ones contiguous; 0 = always contiguous (the
  // reference's layout). Other devices: unchanged. Same default as GLIDE's UNet
  // (pb::nn::default_cpu_channels_last_min_pixels: 64 x 64 with AVX-512, else never).
  void set_cpu_channels_last_min_pixels(int64_t pixels) { cpu_channels_last_min_pixels_ = pixels; }

 private:
  torch::Tensor cpu_layout(const torch::Tensor& h) const;

  UNetSpec spec_;
  int64_t cpu_channels_last_min_pixels_ = pb::nn::default_cpu_channels_last_min_pixels();
  torch::nn::Sequential time_embed{nullptr};  // Linear(C, 4C), SiLU, Linear(4C, 4C)
  torch::nn::Linear clip_emb{nullptr};
  torch::nn::ModuleList input_blocks{nullptr}, output_blocks{nullptr};
  TimestepBlock middle_block{nullptr};
  pb::nn::GroupNorm32 out_norm{nullptr};
  torch::nn::Conv2d out_conv{nullptr};
};
TORCH_MODULE(AdmUNet);

}  // namespace pb::nn::unclip
