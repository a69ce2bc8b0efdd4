#include "engine/nn/unclip/decoder.h"

#include <limits>

#include "engine/core/error.h"
#include "engine/nn/common/layers.h"
#include "engine/nn/unclip/unet_blocks.h"

namespace pb::nn::unclip {

namespace {

std::string shape_str(const torch::Tensor& t) {
  if (!t.defined()) return "none";
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

[[noreturn]] void bad_input(const std::string& what) {
  throw Error(ErrorCode::invalid_argument, "Karlo decoder: " + what);
}

UNetSpec spec_of(const DecoderConfig& c) {
  UNetSpec s;
  s.in_channels = 3;
  s.model_channels = c.num_channels;
  s.out_channels = c.out_channels();
  s.num_res_blocks = c.num_res_blocks;
  s.channel_mult = c.resolved_channel_mult();
  s.attention_ds = c.attention_downsample_factors();
  s.num_heads = c.num_heads;
  s.num_head_channels = c.num_head_channels;
  s.num_heads_upsample = c.num_heads_upsample;
  s.use_scale_shift_norm = c.use_scale_shift_norm;
  s.resblock_updown = c.resblock_updown;
  s.use_middle_attention = true;
  s.encoder_channels = c.xf_width;
  s.clip_dim = c.clip_dim;
  return s;
}

}  // namespace

// PLMImUNet: the U-Net plus the CLIP projections, registered after the U-Net's modules as
// in the reference; cf_param is an own parameter and so comes first in the state_dict.
class PlmImUNetImpl : public AdmUNetImpl {
 public:
  explicit PlmImUNetImpl(const DecoderConfig& c) : AdmUNetImpl(spec_of(c)) {
    auto seq = register_module("text_seq_proj", std::make_shared<torch::nn::Module>());
    text_seq_linear = seq->register_module("0", torch::nn::Linear(c.clip_dim, c.xf_width));
    text_seq_norm = seq->register_module("1", pb::nn::LayerNorm32(c.xf_width));
    text_feat_proj =
        register_module("text_feat_proj", torch::nn::Linear(c.clip_dim, c.time_embed_dim()));
    if (c.clip_emb_mult > 0)
      clip_tok_proj = register_module("clip_tok_proj",
                                      torch::nn::Linear(c.clip_dim, c.xf_width * c.clip_emb_mult));
    if (c.clip_emb_drop > 0) cf_param = register_parameter("cf_param", torch::randn({c.clip_dim}));
  }

  torch::nn::Linear text_seq_linear{nullptr}, text_feat_proj{nullptr}, clip_tok_proj{nullptr};
  pb::nn::LayerNorm32 text_seq_norm{nullptr};
  torch::Tensor cf_param;
};

DecoderImpl::DecoderImpl(const DecoderConfig& config) : config_(config) {
  config_.validate();
  model_ = register_module("model", std::make_shared<PlmImUNetImpl>(config_));
}

torch::Tensor DecoderImpl::cf_param() const {
  if (!model_->cf_param.defined())
    throw Error(ErrorCode::unsupported,
                "Karlo decoder: this config (clip_emb_drop 0) has no cf_param");
  return model_->cf_param;
}

torch::Dtype DecoderImpl::body_dtype() const { return model_->body_dtype(); }

void DecoderImpl::convert_body_to(torch::Dtype dtype) { model_->convert_body_to(dtype); }

DecoderCondition DecoderImpl::condition(const torch::Tensor& txt_feat,
                                        const torch::Tensor& txt_feat_seq,
                                        const torch::Tensor& mask, const torch::Tensor& y) {
  const auto& c = config_;
  const std::string d = std::to_string(c.clip_dim), ctx = std::to_string(c.text_ctx);
  if (!y.defined() || y.dim() != 2 || y.size(1) != c.clip_dim)
    bad_input("y must be [B, " + d + "], got " + shape_str(y));
  const int64_t B = y.size(0);
  const std::string b = std::to_string(B);
  if (!txt_feat.defined() || txt_feat.dim() != 2 || txt_feat.size(0) != B ||
      txt_feat.size(1) != c.clip_dim)
    bad_input("txt_feat must be [" + b + ", " + d + "], got " + shape_str(txt_feat));
  if (!txt_feat_seq.defined() || txt_feat_seq.dim() != 3 || txt_feat_seq.size(0) != B ||
      txt_feat_seq.size(1) != c.text_ctx || txt_feat_seq.size(2) != c.clip_dim)
    bad_input("txt_feat_seq must be [" + b + ", " + ctx + ", " + d + "], got " +
              shape_str(txt_feat_seq));
  if (!mask.defined() || mask.dim() != 2 || mask.size(0) != B || mask.size(1) != c.text_ctx)
    bad_input("mask must be [" + b + ", " + ctx + "], got " + shape_str(mask));

  auto& m = *model_;
  const torch::Tensor yf = y.to(torch::kFloat);
  DecoderCondition cond;
  cond.emb = m.clip_embedding(yf) + m.text_feat_proj(txt_feat.to(torch::kFloat));
  // Text tokens [B, xf, 77], preceded by the image tokens: clip_tok_proj(y) viewed
  // [B, xf, mult] (feature c * mult + j is channel c of image token j).
  torch::Tensor context =
      m.text_seq_norm(m.text_seq_linear(txt_feat_seq.to(torch::kFloat))).permute({0, 2, 1});
  torch::Tensor keep = mask.to(torch::kBool);
  if (m.clip_tok_proj) {
    context = torch::cat({m.clip_tok_proj(yf).view({B, c.xf_width, c.clip_emb_mult}), context}, 2);
    keep = torch::cat({torch::ones({B, c.clip_emb_mult}, keep.options()), keep}, 1);
  }
  cond.context = context.to(body_dtype()).contiguous();
  cond.context_bias =
      torch::zeros({B, c.context_tokens()}, yf.options())
          .masked_fill_(keep.logical_not(), -std::numeric_limits<float>::infinity());
  return cond;
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& x, const torch::Tensor& timesteps,
                                   const DecoderCondition& cond, DecoderTrace* trace) {
  if (!x.defined() || x.dim() != 4 || x.size(1) != 3)
    bad_input("x must be [B, 3, H, W], got " + shape_str(x));
  const int64_t B = x.size(0), mult = model_->size_multiple();
  if (x.size(2) % mult != 0 || x.size(3) % mult != 0)
    bad_input("x's height and width must be multiples of " + std::to_string(mult) + ", got " +
              shape_str(x));
  if (!timesteps.defined() || timesteps.dim() != 1 || timesteps.size(0) != B)
    bad_input("timesteps must be [" + std::to_string(B) + "], got " + shape_str(timesteps));
  if (!cond.emb.defined() || cond.emb.dim() != 2 || cond.emb.size(0) != B ||
      cond.emb.size(1) != config_.time_embed_dim())
    bad_input("the condition's emb must be [" + std::to_string(B) + ", " +
              std::to_string(config_.time_embed_dim()) + "], got " + shape_str(cond.emb));
  if (!cond.context.defined() || cond.context.dim() != 3 || cond.context.size(0) != B ||
      cond.context.size(1) != config_.xf_width ||
      cond.context.size(2) != config_.context_tokens() || !cond.context_bias.defined() ||
      cond.context_bias.sizes() != torch::IntArrayRef({B, config_.context_tokens()}))
    bad_input("the condition's context must be [" + std::to_string(B) + ", " +
              std::to_string(config_.xf_width) + ", " + std::to_string(config_.context_tokens()) +
              "] with a [B, ctx] bias, got " + shape_str(cond.context) + " and " +
              shape_str(cond.context_bias));

  const torch::Tensor time_out = model_->time_embedding(timesteps);
  const torch::Tensor emb = time_out + cond.emb;
  torch::Tensor input_last, middle;
  torch::Tensor out = model_->forward(x, emb, cond.context, cond.context_bias,
                                      trace ? &input_last : nullptr, trace ? &middle : nullptr);
  if (trace) {
    trace->time_embed_out = time_out;
    trace->emb = emb;
    trace->xf_out = cond.context;
    trace->context_attn_bias = cond.context_bias;
    trace->input_blocks_last_out = input_last;
    trace->middle_block_out = middle;
  }
  return out;
}

void DecoderImpl::set_cpu_channels_last_min_pixels(int64_t pixels) {
  model_->set_cpu_channels_last_min_pixels(pixels);
}

}  // namespace pb::nn::unclip
