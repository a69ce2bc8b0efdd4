#pragma once
// Karlo's 64 px decoder (Text2ImProgressiveModel, network PLMImUNet; unclip/README.md
// section 3.4). Parameter names equal the published checkpoint's state_dict keys
// ("model.cf_param", "model.time_embed.0.weight", ...), so the .ckpt loads as is:
//
//   Decoder dec(DecoderConfig::karlo());
//   const auto ck = pb::io::load_checkpoint("decoder-ckpt-step=01000000-of-01000000.ckpt");
//   pb::io::load_state_dict(*dec, ck.tensors, {}, ck.path);
//   DecoderCondition cond = dec->condition(txt_feat, txt_feat_seq, mask, y);  // once
//   for (...) out = dec->forward(x, t, cond);                                 // every step
//
// Unconditional rows use y = cf_param() (the learned embedding, not zeros) and the CLIP
// features of the empty prompt.
#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>

#include "engine/nn/unclip/unet_config.h"

namespace pb::nn::unclip {

class PlmImUNetImpl;  // the network, registered as "model" (decoder.cpp)

// Per-job conditioning, computed once and reused at every step.
struct DecoderCondition {
  torch::Tensor emb;           // [B, 4C] clip_emb(y) + text_feat_proj(txt_feat), float32
  torch::Tensor context;       // [B, xf_width, 81] (image tokens then text tokens), body dtype
  torch::Tensor context_bias;  // [B, 81] 0 / -inf
};

// Intermediate tensors of one forward (decoder_small.io.pt's names), for parity tests.
struct DecoderTrace {
  torch::Tensor time_embed_out, emb, xf_out, context_attn_bias, input_blocks_last_out,
      middle_block_out;
};

class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(const DecoderConfig& config);  // throws pb::Error(invalid_argument)

  // txt_feat [B, clip_dim], txt_feat_seq [B, text_ctx, clip_dim], mask [B, text_ctx] bool
  // (true = real token), y [B, clip_dim] image embedding (raw, or cf_param for
  // unconditional rows). Throws pb::Error(invalid_argument) for bad shapes.
  DecoderCondition condition(const torch::Tensor& txt_feat, const torch::Tensor& txt_feat_seq,
                             const torch::Tensor& mask, const torch::Tensor& y);
  // x [B, 3, H, W] float32, timesteps [B] int64 on the original 1000-step scale ->
  // [B, out_channels, H, W] float32 (eps | variance interpolation v).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& timesteps,
                        const DecoderCondition& cond, DecoderTrace* trace = nullptr);

  // [clip_dim], the learned unconditional image embedding. Throws pb::Error(unsupported)
  // for a config without one (clip_emb_drop == 0).
  torch::Tensor cf_param() const;
  const DecoderConfig& config() const { return config_; }

  // Convolutions and 1x1 projections of the U-Net body to dtype (bf16 / fp16 for speed,
  // kFloat to undo); norms, embeddings, the text projections and the output conv stay
  // float32, and so does the output.
  void convert_body_to(torch::Dtype dtype);
  torch::Dtype body_dtype() const;
  // See AdmUNetImpl::set_cpu_channels_last_min_pixels.
  void set_cpu_channels_last_min_pixels(int64_t pixels);

 private:
  DecoderConfig config_;
  std::shared_ptr<PlmImUNetImpl> model_;
};
TORCH_MODULE(Decoder);

}  // namespace pb::nn::unclip
