#include "engine/nn/glide/model.h"

#include <algorithm>

#include "engine/core/error.h"

namespace pb::nn::glide {

namespace {

torch::nn::Conv2d conv3x3(int64_t in, int64_t out) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1));
}

std::string shape_str(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

[[noreturn]] void bad_input(const std::string& what) {
  throw Error(ErrorCode::invalid_argument, "GLIDE forward: " + what);
}

}  // namespace

GlideUNetImpl::GlideUNetImpl(const Config& config) : config_(config) {
  config_.validate();
  const auto& c = config_;
  const std::vector<int> mult = c.resolved_channel_mult();
  const std::vector<int> attn_ds = c.attention_downsample_factors();
  const int64_t mc = c.num_channels, emb_dim = c.time_embed_dim(), W = c.xf_width;
  auto has_attn = [&](int ds) { return std::count(attn_ds.begin(), attn_ds.end(), ds) > 0; };
  auto heads_for = [&](int64_t ch, int num_heads) -> int64_t {
    return c.num_head_channels == -1 ? num_heads : ch / c.num_head_channels;
  };
  const int heads_up = c.num_heads_upsample == -1 ? c.num_heads : c.num_heads_upsample;

  // Own parameters first: that is their position in the published state_dict.
  positional_embedding =
      register_parameter("positional_embedding", torch::randn({c.text_ctx, W}) * 0.01);
  if (c.xf_padding)  // the reference has the parameter only then
    padding_embedding =
        register_parameter("padding_embedding", torch::randn({c.text_ctx, W}) * 0.01);

  time_embed = register_module(
      "time_embed", torch::nn::Sequential(torch::nn::Linear(mc, emb_dim), torch::nn::SiLU(),
                                          torch::nn::Linear(emb_dim, emb_dim)));

  input_blocks = register_module("input_blocks", torch::nn::ModuleList());
  int64_t ch = mult[0] * mc;
  std::vector<int64_t> chans{ch};
  int ds = 1;
  {
    TimestepBlock first;
    first->add(conv3x3(c.in_channels(), ch));
    input_blocks->push_back(first);
  }
  for (size_t level = 0; level < mult.size(); ++level) {
    for (int i = 0; i < c.num_res_blocks; ++i) {
      TimestepBlock block;
      block->add(ResBlock(ch, mult[level] * mc, emb_dim, c.use_scale_shift_norm, false, false));
      ch = mult[level] * mc;
      if (has_attn(ds)) block->add(AttentionBlock(ch, heads_for(ch, c.num_heads), W));
      input_blocks->push_back(block);
      chans.push_back(ch);
    }
    if (level + 1 != mult.size()) {
      TimestepBlock block;
      if (c.resblock_updown)
        block->add(ResBlock(ch, ch, emb_dim, c.use_scale_shift_norm, false, true));
      else
        block->add(Downsample(ch));
      input_blocks->push_back(block);
      chans.push_back(ch);
      ds *= 2;
    }
  }

  middle_block = TimestepBlock();
  middle_block->add(ResBlock(ch, ch, emb_dim, c.use_scale_shift_norm, false, false));
  middle_block->add(AttentionBlock(ch, heads_for(ch, c.num_heads), W));
  middle_block->add(ResBlock(ch, ch, emb_dim, c.use_scale_shift_norm, false, false));
  register_module("middle_block", middle_block);

  output_blocks = register_module("output_blocks", torch::nn::ModuleList());
  for (size_t level = mult.size(); level-- > 0;) {
    for (int i = 0; i <= c.num_res_blocks; ++i) {
      const int64_t skip_ch = chans.back();
      chans.pop_back();
      TimestepBlock block;
      block->add(
          ResBlock(ch + skip_ch, mult[level] * mc, emb_dim, c.use_scale_shift_norm, false, false));
      ch = mult[level] * mc;
      if (has_attn(ds)) block->add(AttentionBlock(ch, heads_for(ch, heads_up), W));
      if (level > 0 && i == c.num_res_blocks) {
        if (c.resblock_updown)
          block->add(ResBlock(ch, ch, emb_dim, c.use_scale_shift_norm, true, false));
        else
          block->add(Upsample(ch));
        ds /= 2;
      }
      output_blocks->push_back(block);
    }
  }

  auto out = register_module("out", std::make_shared<torch::nn::Module>());
  out_norm = out->register_module("0", pb::nn::GroupNorm32(ch));
  out_conv = out->register_module("2", conv3x3(ch, c.out_channels()));

  transformer = register_module("transformer", TextTransformer(W, c.xf_layers, c.xf_heads));
  if (c.xf_final_ln) final_ln = register_module("final_ln", pb::nn::LayerNorm32(W));
  token_embedding = register_module("token_embedding", torch::nn::Embedding(c.n_vocab, W));
  transformer_proj = register_module("transformer_proj", torch::nn::Linear(W, emb_dim));
}

torch::Dtype GlideUNetImpl::body_dtype() const {
  return input_blocks->ptr(0)->parameters().front().scalar_type();
}

void GlideUNetImpl::convert_body_to(torch::Dtype dtype) {
  // Same selection as the reference's convert_to_fp16 (recorded per key in the manifests).
  for (auto* list : {&input_blocks, &output_blocks})
    for (const auto& block : **list)
      for (const auto& m : block->modules())
        if (m->as<torch::nn::Conv2dImpl>() || m->as<pb::nn::Conv1x1Impl>()) m->to(dtype);
  for (const auto& m : middle_block->modules())
    if (m->as<torch::nn::Conv2dImpl>() || m->as<pb::nn::Conv1x1Impl>()) m->to(dtype);
  for (const auto& m : transformer->modules())
    if (m->as<torch::nn::LinearImpl>()) m->to(dtype);
  transformer_proj->to(dtype);
  token_embedding->to(dtype);
}

TextCondition GlideUNetImpl::encode_text(const torch::Tensor& tokens, const torch::Tensor& mask,
                                         ForwardTrace* trace) {
  const int64_t ctx = config_.text_ctx;
  if (tokens.dim() != 2 || tokens.size(1) != ctx)
    bad_input("tokens must be [B, " + std::to_string(ctx) + "], got " + shape_str(tokens));
  if (mask.sizes() != tokens.sizes())
    bad_input("text mask must have the tokens' shape " + shape_str(tokens) + ", got " +
              shape_str(mask));
  torch::Tensor xf_in =
      token_embedding(tokens.to(torch::kLong)) + positional_embedding.unsqueeze(0);
  if (config_.xf_padding)
    xf_in =
        torch::where(mask.to(torch::kBool).unsqueeze(-1), xf_in, padding_embedding.unsqueeze(0));
  torch::Tensor xf = transformer(xf_in.to(body_dtype()));
  torch::Tensor xf_out = final_ln ? final_ln(xf) : xf;
  TextCondition text;
  text.xf_proj = transformer_proj(xf_out.select(1, ctx - 1)).to(torch::kFloat);
  text.xf_out = xf_out.permute({0, 2, 1});
  if (trace) {
    trace->xf_in = xf_in;
    trace->xf_transformer_out = xf;
    trace->xf_out = xf_out;
    trace->xf_proj = text.xf_proj;
  }
  return text;
}

torch::Tensor GlideUNetImpl::assemble_input(const torch::Tensor& x, const UNetInputs& in) const {
  if (x.dim() != 4 || x.size(1) != 3) bad_input("x must be [B, 3, H, W], got " + shape_str(x));
  const int64_t B = x.size(0), H = x.size(2), Wd = x.size(3);
  std::vector<torch::Tensor> parts{x};
  if (config_.inpaint) {
    torch::Tensor image = in.inpaint_image.defined() ? in.inpaint_image : torch::zeros_like(x);
    torch::Tensor mask =
        in.inpaint_mask.defined() ? in.inpaint_mask : torch::zeros({B, 1, H, Wd}, x.options());
    if (image.sizes() != x.sizes())
      bad_input("inpaint_image must be " + shape_str(x) + ", got " + shape_str(image));
    if (mask.dim() != 4 || mask.size(0) != B || mask.size(1) != 1 || mask.size(2) != H ||
        mask.size(3) != Wd)
      bad_input("inpaint_mask must be [" + std::to_string(B) + ", 1, " + std::to_string(H) + ", " +
                std::to_string(Wd) + "], got " + shape_str(mask));
    parts.push_back(image * mask);
    parts.push_back(mask.to(x.scalar_type()));
  }
  if (config_.super_res) {
    if (!in.low_res.defined()) bad_input("the super-resolution model needs low_res");
    if (in.low_res.dim() != 4 || in.low_res.size(0) != B || in.low_res.size(1) != 3)
      bad_input("low_res must be [" + std::to_string(B) + ", 3, h, w], got " +
                shape_str(in.low_res));
    namespace F = torch::nn::functional;
    parts.push_back(
        F::interpolate(in.low_res.to(x.scalar_type()), F::InterpolateFuncOptions()
                                                           .size(std::vector<int64_t>{H, Wd})
                                                           .mode(torch::kBilinear)
                                                           .align_corners(false)));
  }
  return parts.size() == 1 ? x : torch::cat(parts, 1);
}

torch::Tensor GlideUNetImpl::cpu_layout(const torch::Tensor& h) const {
  if (!h.device().is_cpu() || cpu_channels_last_min_pixels_ <= 0) return h;
  return h.contiguous(h.size(2) * h.size(3) >= cpu_channels_last_min_pixels_
                          ? at::MemoryFormat::ChannelsLast
                          : at::MemoryFormat::Contiguous);
}

torch::Tensor GlideUNetImpl::forward(const torch::Tensor& x, const torch::Tensor& timesteps,
                                     const TextCondition& text, const UNetInputs& in,
                                     ForwardTrace* trace) {
  if (timesteps.dim() != 1 || timesteps.size(0) != x.size(0))
    bad_input("timesteps must be [" + std::to_string(x.size(0)) + "], got " + shape_str(timesteps));
  if (!text.xf_proj.defined() || text.xf_proj.size(0) != x.size(0))
    bad_input("the text condition's batch does not match x's");
  torch::Tensor t_emb = pb::nn::timestep_embedding(timesteps, config_.num_channels);
  torch::Tensor time_out = time_embed->forward(t_emb);
  torch::Tensor emb = time_out + text.xf_proj.to(time_out.scalar_type());

  torch::Tensor unet_in = assemble_input(x, in);
  const auto body = body_dtype();
  torch::Tensor h = unet_in.to(body);
  h = cpu_layout(h);
  const torch::Tensor& enc = text.xf_out;
  std::vector<torch::Tensor> hs;
  hs.reserve(input_blocks->size());
  for (const auto& block : *input_blocks) {
    h = cpu_layout(block->as<TimestepBlockImpl>()->forward(h, emb, enc));
    hs.push_back(h);
  }
  if (trace) trace->h_input_blocks_last = h;
  h = middle_block->forward(h, emb, enc);
  if (trace) trace->h_middle = h;
  for (const auto& block : *output_blocks) {
    h = torch::cat({h, hs.back()}, 1);
    hs.pop_back();
    h = cpu_layout(block->as<TimestepBlockImpl>()->forward(cpu_layout(h), emb, enc));
  }
  h = h.to(x.scalar_type());
  torch::Tensor out = out_conv(out_norm->forward(h, /*silu=*/true)).contiguous();
  if (trace) {
    trace->t_emb_sinusoid = t_emb;
    trace->time_embed_out = time_out;
    trace->emb = emb;
    trace->unet_input = unet_in;
  }
  return out;
}

torch::Tensor GlideUNetImpl::forward(const torch::Tensor& x, const torch::Tensor& timesteps,
                                     const torch::Tensor& tokens, const torch::Tensor& mask,
                                     const UNetInputs& in, ForwardTrace* trace) {
  return forward(x, timesteps, encode_text(tokens, mask, trace), in, trace);
}

void place_for_inference(GlideUNetImpl& model, const torch::Device& device) {
  model.to(device);
  if (device.is_cuda()) model.convert_to_fp16();
}

}  // namespace pb::nn::glide
