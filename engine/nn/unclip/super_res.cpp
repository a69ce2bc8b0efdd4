#include "engine/nn/unclip/super_res.h"

#include <torch/nn/functional/upsampling.h>

#include "engine/core/error.h"

namespace pb::nn::unclip {

namespace {

std::string shape_str(const torch::Tensor& t) {
  if (!t.defined()) return "none";
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

[[noreturn]] void bad_input(const std::string& what) {
  throw Error(ErrorCode::invalid_argument, "Karlo SR: " + what);
}

// Fixed in Karlo's code: [x_t, low_res] in, eps out, no attention anywhere, ResBlock
// up/down-sampling, plain (additive) time conditioning.
UNetSpec spec_of(const SuperResConfig& c) {
  UNetSpec s;
  s.in_channels = 6;
  s.model_channels = c.channels;
  s.out_channels = 3;
  s.num_res_blocks = c.depth;
  s.channel_mult = c.channels_multiple;
  s.use_scale_shift_norm = false;
  s.resblock_updown = true;
  s.use_middle_attention = false;
  return s;
}

}  // namespace

SuperResImpl::SuperResImpl(const SuperResConfig& config) : config_(config) {
  config_.validate();
  first_ = register_module("model_first_steps", AdmUNet(spec_of(config_)));
  last_ = register_module("model_last_step", AdmUNet(spec_of(config_)));
}

torch::Dtype SuperResImpl::body_dtype() const { return first_->body_dtype(); }

void SuperResImpl::convert_body_to(torch::Dtype dtype) {
  first_->convert_body_to(dtype);
  last_->convert_body_to(dtype);
}

torch::Tensor SuperResImpl::forward(const torch::Tensor& x, const torch::Tensor& timesteps,
                                    const torch::Tensor& low_res, bool last_step) {
  if (!x.defined() || x.dim() != 4 || x.size(1) != 3)
    bad_input("x must be [B, 3, H, W], got " + shape_str(x));
  const int64_t B = x.size(0), H = x.size(2), W = x.size(3), mult = first_->size_multiple();
  if (H % mult != 0 || W % mult != 0)
    bad_input("x's height and width must be multiples of " + std::to_string(mult) + ", got " +
              shape_str(x));
  if (!timesteps.defined() || timesteps.dim() != 1 || timesteps.size(0) != B)
    bad_input("timesteps must be [" + std::to_string(B) + "], got " + shape_str(timesteps));
  if (!low_res.defined() || low_res.dim() != 4 || low_res.size(0) != B || low_res.size(1) != 3)
    bad_input("low_res must be [" + std::to_string(B) + ", 3, h, w], got " + shape_str(low_res));
  torch::Tensor cond = low_res.to(x.scalar_type());
  if (cond.size(2) != H || cond.size(3) != W) {
    namespace F = torch::nn::functional;
    cond = F::interpolate(cond, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{H, W})
                                    .mode(torch::kBilinear)
                                    .align_corners(false));
  }
  AdmUNetImpl& unet = last_step ? *last_ : *first_;
  const torch::Tensor emb = unet.time_embedding(timesteps);
  return unet.forward(torch::cat({x, cond}, 1), emb, {}, {});
}

void SuperResImpl::set_cpu_channels_last_min_pixels(int64_t pixels) {
  first_->set_cpu_channels_last_min_pixels(pixels);
  last_->set_cpu_channels_last_min_pixels(pixels);
}

}  // namespace pb::nn::unclip
