#pragma once
// Karlo's 64->256 super-resolution (ImprovedSupRes64to256ProgressiveModel;
// unclip/README.md section 3.5): two identical U-Nets (SuperResUNetModel) without
// attention or scale-shift norm, conditioned on the time and the upsampled low-res image
// only. model_first_steps runs every step but the last, model_last_step (a fine-tuned copy)
// the final one. Parameter names equal the published checkpoint's keys
// ("model_first_steps.time_embed.0.weight", "model_last_step.out.2.bias", ...).
#include <torch/nn/module.h>
#include <torch/types.h>

#include "engine/nn/unclip/unet_blocks.h"
#include "engine/nn/unclip/unet_config.h"

namespace pb::nn::unclip {

class SuperResImpl : public torch::nn::Module {
 public:
  explicit SuperResImpl(const SuperResConfig& config);  // throws pb::Error(invalid_argument)

  // x [B, 3, H, W], timesteps [B] int64 (original scale), low_res [B, 3, h, w] (Karlo passes
  // it already at x's size; another size is resized bilinearly as the reference does)
  // -> eps [B, 3, H, W] float32. last_step: model_last_step, else model_first_steps.
  // Throws pb::Error(invalid_argument) for bad shapes.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& timesteps,
                        const torch::Tensor& low_res, bool last_step);

  const SuperResConfig& config() const { return config_; }
  // Both U-Nets' convolutions to dtype (bf16 / fp16 for speed, kFloat to undo); norms, time
  // embedding, emb_layers and the output conv stay float32, and so does the output.
  void convert_body_to(torch::Dtype dtype);
  torch::Dtype body_dtype() const;
  // See AdmUNetImpl::set_cpu_channels_last_min_pixels.
  void set_cpu_channels_last_min_pixels(int64_t pixels);

 private:
  SuperResConfig config_;
  AdmUNet first_{nullptr}, last_{nullptr};
};
TORCH_MODULE(SuperRes);

}  // namespace pb::nn::unclip
