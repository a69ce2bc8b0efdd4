#include "engine/nn/glide/unet_blocks.h"

#include <cmath>

#include "engine/nn/common/cpu_parallel.h"

namespace pb::nn::glide {

namespace {

pb::nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride = 1) {
  return pb::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1));
}

// A parameterless container so that children get the published indices ("in_layers.0").
std::shared_ptr<torch::nn::Module> holder(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

}  // namespace

torch::Tensor upsample_nearest2x(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .scale_factor(std::vector<double>{2.0, 2.0})
                               .mode(torch::kNearest));
}

ResBlockImpl::ResBlockImpl(int64_t in_channels, int64_t out_channels, int64_t emb_channels,
                           bool use_scale_shift_norm, bool up, bool down)
    : scale_shift_(use_scale_shift_norm), up_(up), down_(down) {
  auto in_layers = holder(*this, "in_layers");
  in_norm = in_layers->register_module("0", pb::nn::GroupNorm32(in_channels));
  in_conv = in_layers->register_module("2", conv3x3(in_channels, out_channels));
  auto emb_layers = holder(*this, "emb_layers");
  emb_linear = emb_layers->register_module(
      "1", torch::nn::Linear(emb_channels, scale_shift_ ? 2 * out_channels : out_channels));
  auto out_layers = holder(*this, "out_layers");
  out_norm = out_layers->register_module("0", pb::nn::GroupNorm32(out_channels));
  out_conv = out_layers->register_module("3", conv3x3(out_channels, out_channels));
  if (in_channels != out_channels)
    skip_conv =
        register_module("skip_connection",
                        torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 1)));
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& emb) {
  torch::Tensor a = in_norm->forward(x, /*silu=*/true);
  torch::Tensor skip = x;
  if (up_) {
    a = upsample_nearest2x(a);
    skip = upsample_nearest2x(x);
  } else if (down_) {
    a = at::avg_pool2d(a, {2, 2}, {2, 2});
    skip = at::avg_pool2d(x, {2, 2}, {2, 2});
  }
  torch::Tensor h = in_conv(a);
  // emb_layers run in emb's dtype (float32 also in fp16 mode); cast to the body's.
  torch::Tensor e = emb_linear(at::silu(emb)).to(h.scalar_type()).unsqueeze(-1).unsqueeze(-1);
  if (scale_shift_) {
    const int64_t C = h.size(1);
    torch::Tensor scale = e.narrow(1, 0, C), shift = e.narrow(1, C, C);
    h = at::addcmul(shift, out_norm->forward(h), scale + 1.0);
    at::silu_(h);
  } else {
    h = out_norm->forward(h + e, /*silu=*/true);
  }
  h = out_conv(h);
  return skip_conv ? skip_conv(skip).add_(h) : skip + h;
}

AttentionBlockImpl::AttentionBlockImpl(int64_t channels, int64_t heads, int64_t encoder_channels)
    : heads_(heads) {
  norm = register_module("norm", pb::nn::GroupNorm32(channels));
  qkv = register_module("qkv", pb::nn::Conv1x1(channels, 3 * channels));
  encoder_kv = register_module("encoder_kv", pb::nn::Conv1x1(encoder_channels, 2 * channels));
  proj_out = register_module("proj_out", pb::nn::Conv1x1(channels, channels));
}

torch::Tensor AttentionBlockImpl::forward(const torch::Tensor& x,
                                          const torch::Tensor& encoder_out) {
  const int64_t B = x.size(0), C = x.size(1), T = x.size(2) * x.size(3);
  const int64_t dh = C / heads_, BH = B * heads_;
  torch::Tensor packed = qkv(norm(x.reshape({B, C, T}))).view({BH, 3 * dh, T});
  torch::Tensor ekv = encoder_kv(encoder_out.to(x.scalar_type())).view({BH, 2 * dh, -1});
  // Text keys/values first, then the spatial ones: S = ctx + T.
  torch::Tensor k = torch::cat({ekv.narrow(1, 0, dh), packed.narrow(1, dh, dh)}, -1);
  torch::Tensor v = torch::cat({ekv.narrow(1, dh, dh), packed.narrow(1, 2 * dh, dh)}, -1);
  // (q s) . (k s) with s = dh^-1/4, folded into one scaling of q by s^2 = dh^-1/2.
  torch::Tensor q = packed.narrow(1, 0, dh) * (1.0 / std::sqrt(static_cast<double>(dh)));
  torch::Tensor a = pb::nn::attention_heads(q, k, v);  // [BH, dh, T]
  return x + proj_out(a.view({B, C, T})).view_as(x);
}

DownsampleImpl::DownsampleImpl(int64_t channels) {
  op = register_module("op", conv3x3(channels, channels, 2));
}

torch::Tensor DownsampleImpl::forward(const torch::Tensor& x) { return op(x); }

UpsampleImpl::UpsampleImpl(int64_t channels) {
  conv = register_module("conv", conv3x3(channels, channels));
}

torch::Tensor UpsampleImpl::forward(const torch::Tensor& x) { return conv(upsample_nearest2x(x)); }

template <class M>
void TimestepBlockImpl::push(M module) {
  register_module(std::to_string(layers_.size()), module);
  layers_.emplace_back(module.ptr());
}

void TimestepBlockImpl::add(torch::nn::Conv2d conv) { push(conv); }
void TimestepBlockImpl::add(ResBlock block) { push(block); }
void TimestepBlockImpl::add(AttentionBlock block) { push(block); }
void TimestepBlockImpl::add(Downsample block) { push(block); }
void TimestepBlockImpl::add(Upsample block) { push(block); }

torch::Tensor TimestepBlockImpl::forward(torch::Tensor h, const torch::Tensor& emb,
                                         const torch::Tensor& encoder_out) {
  for (const auto& layer : layers_) {
    std::visit(
        [&](const auto& m) {
          using M = typename std::decay_t<decltype(m)>::element_type;
          if constexpr (std::is_same_v<M, ResBlockImpl>)
            h = m->forward(h, emb);
          else if constexpr (std::is_same_v<M, AttentionBlockImpl>)
            h = m->forward(h, encoder_out);
          else
            h = m->forward(h);
        },
        layer);
  }
  return h;
}

}  // namespace pb::nn::glide
