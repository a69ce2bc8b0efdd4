#pragma once
// Building blocks of GLIDE's UNet (README section 4.4-4.6). Child names follow the
// published checkpoints: a ResBlock's in_layers hold GroupNorm at .0 and the conv at .2
// (SiLU at .1 has no parameters), emb_layers the Linear at .1, out_layers GroupNorm at
// .0 and the conv at .3 (dropout at .2).
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <memory>
#include <variant>
#include <vector>

#include "engine/nn/common/conv2d.h"
#include "engine/nn/common/layers.h"

namespace pb::nn::glide {

class ResBlockImpl : public torch::nn::Module {
 public:
  // up / down: nearest x2 upsampling or 2x2 average pooling between the first
  // norm+SiLU and the first conv, applied to the skip path too.
  ResBlockImpl(int64_t in_channels, int64_t out_channels, int64_t emb_channels,
               bool use_scale_shift_norm, bool up, bool down);
  // x [B, Cin, H, W] (body dtype), emb [B, emb_channels] float32 -> [B, Cout, H', W']
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& emb);

 private:
  pb::nn::GroupNorm32 in_norm{nullptr}, out_norm{nullptr};
  pb::nn::Conv2d in_conv{nullptr}, out_conv{nullptr};
  torch::nn::Conv2d skip_conv{nullptr};
  torch::nn::Linear emb_linear{nullptr};
  bool scale_shift_, up_, down_;
};
TORCH_MODULE(ResBlock);

// Self-attention over the H*W positions with the text tokens' keys and values
// prepended (one softmax over ctx + H*W keys). qkv per head packed [heads, q|k|v, dh].
class AttentionBlockImpl : public torch::nn::Module {
 public:
  AttentionBlockImpl(int64_t channels, int64_t heads, int64_t encoder_channels);
  // x [B, C, H, W]; encoder_out [B, xf_width, ctx] (the permuted text features)
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& encoder_out);

 private:
  pb::nn::GroupNorm32 norm{nullptr};
  pb::nn::Conv1x1 qkv{nullptr}, encoder_kv{nullptr}, proj_out{nullptr};
  int64_t heads_;
};
TORCH_MODULE(AttentionBlock);

// resblock_updown = false: stride-2 conv ("op") / nearest x2 then conv ("conv").
class DownsampleImpl : public torch::nn::Module {
 public:
  explicit DownsampleImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  pb::nn::Conv2d op{nullptr};
};
TORCH_MODULE(Downsample);

class UpsampleImpl : public torch::nn::Module {
 public:
  explicit UpsampleImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  pb::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample);

// One entry of input_blocks / middle_block / output_blocks: layers named "0", "1", ...
// run in order, each receiving what it needs (emb for ResBlocks, the text for
// AttentionBlocks).
class TimestepBlockImpl : public torch::nn::Module {
 public:
  void add(torch::nn::Conv2d conv);
  void add(ResBlock block);
  void add(AttentionBlock block);
  void add(Downsample block);
  void add(Upsample block);
  torch::Tensor forward(torch::Tensor h, const torch::Tensor& emb,
                        const torch::Tensor& encoder_out);

 private:
  using Layer = std::variant<std::shared_ptr<torch::nn::Conv2dImpl>, std::shared_ptr<ResBlockImpl>,
                             std::shared_ptr<AttentionBlockImpl>, std::shared_ptr<DownsampleImpl>,
                             std::shared_ptr<UpsampleImpl>>;
  std::vector<Layer> layers_;
  template <class M>
  void push(M module);
};
TORCH_MODULE(TimestepBlock);

// nearest x2 upsampling (F.interpolate(scale_factor=2, mode="nearest"))
torch::Tensor upsample_nearest2x(const torch::Tensor& x);

}  // namespace pb::nn::glide
