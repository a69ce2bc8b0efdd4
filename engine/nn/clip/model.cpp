#include "engine/nn/clip/model.h"

#include <c10/core/InferenceMode.h>

#include <cmath>
#include <limits>

#include "engine/core/error.h"
#include "engine/nn/common/cpu_parallel.h"

namespace pb::nn::clip {

namespace {

std::string shape_str(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

[[noreturn]] void bad_input(const std::string& what) {
  throw Error(ErrorCode::invalid_argument, "CLIP: " + what);
}

// softmax(q k^T + mask) v per head: q (already scaled), k, v [N, T, d], mask [T, T] or
// undefined. Softmax in float32 whatever the dtype (as Karlo's autocast runs it).
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& mask) {
  const torch::Tensor m = mask.defined() ? mask.to(q.scalar_type()) : mask;
  auto heads = [&](int64_t begin, int64_t n, torch::Tensor out) {
    const torch::Tensor qs = q.narrow(0, begin, n), ks = k.narrow(0, begin, n);
    torch::Tensor w = m.defined() ? at::baddbmm(m, qs, ks.transpose(1, 2))
                                  : at::bmm(qs, ks.transpose(1, 2));  // [n, T, T]
    w = w.scalar_type() == torch::kFloat ? at::softmax(w, -1)
                                         : at::softmax(w, -1, torch::kFloat).to(q.scalar_type());
    at::bmm_out(out, w, v.narrow(0, begin, n));
  };
  torch::Tensor out = torch::empty_like(q, at::MemoryFormat::Contiguous);
  if (!split_on_cpu(q) || q.size(0) < 2) {
    heads(0, q.size(0), out);
    return out;
  }
  parallel_range(q.size(0), [&](int64_t begin, int64_t end) {
    heads(begin, end - begin, out.narrow(0, begin, end - begin));
  });
  return out;
}

// The result of a body-dtype sub-layer back in the float32 residual stream.
torch::Tensor to_float(const torch::Tensor& x) {
  return x.scalar_type() == torch::kFloat ? x : x.to(torch::kFloat);
}

}  // namespace

MultiheadAttentionImpl::MultiheadAttentionImpl(int64_t width, int64_t heads) : heads_(heads) {
  // nn.MultiheadAttention's init: xavier-uniform in_proj, zero biases.
  const double bound = std::sqrt(6.0 / double(width + 3 * width));
  in_proj_weight = register_parameter("in_proj_weight",
                                      torch::empty({3 * width, width}).uniform_(-bound, bound));
  in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * width}));
  out_proj = register_module("out_proj", torch::nn::Linear(width, width));
}

torch::Tensor MultiheadAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const int64_t B = x.size(0), T = x.size(1), W = x.size(2), hd = W / heads_;
  // [B, T, 3W] -> [3, B, heads, T, hd]: Q, K, V for all heads, each head a slice of W.
  const torch::Tensor qkv = pb::nn::linear(x, in_proj_weight, in_proj_bias)
                                .view({B, T, 3, heads_, hd})
                                .permute({2, 0, 3, 1, 4});
  const torch::Tensor q = qkv[0].reshape({B * heads_, T, hd}) / std::sqrt(double(hd));
  const torch::Tensor k = qkv[1].reshape({B * heads_, T, hd});
  const torch::Tensor v = qkv[2].reshape({B * heads_, T, hd});
  const torch::Tensor a = attend(q, k, v, mask).view({B, heads_, T, hd}).permute({0, 2, 1, 3});
  return pb::nn::linear(a.reshape({B, T, W}), out_proj->weight, out_proj->bias);
}

MlpImpl::MlpImpl(int64_t width) {
  c_fc = register_module("c_fc", torch::nn::Linear(width, 4 * width));
  c_proj = register_module("c_proj", torch::nn::Linear(4 * width, width));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = pb::nn::linear(x, c_fc->weight, c_fc->bias);
  h = h * torch::sigmoid(1.702 * h);  // QuickGELU
  return pb::nn::linear(h, c_proj->weight, c_proj->bias);
}

ResidualAttentionBlockImpl::ResidualAttentionBlockImpl(int64_t width, int64_t heads) {
  attn = register_module("attn", MultiheadAttention(width, heads));
  ln_1 = register_module("ln_1", pb::nn::LayerNorm32(width));
  mlp = register_module("mlp", Mlp(width));
  ln_2 = register_module("ln_2", pb::nn::LayerNorm32(width));
}

torch::Tensor ResidualAttentionBlockImpl::forward(const torch::Tensor& x,
                                                  const torch::Tensor& mask) {
  const torch::Dtype dt = attn->in_proj_weight.scalar_type();
  torch::Tensor h = x + to_float(attn(ln_1(x).to(dt), mask));
  return h + to_float(mlp(ln_2(h).to(dt)));
}

TransformerImpl::TransformerImpl(int64_t width, int64_t layers, int64_t heads) {
  resblocks = register_module("resblocks", torch::nn::ModuleList());
  for (int64_t l = 0; l < layers; ++l) resblocks->push_back(ResidualAttentionBlock(width, heads));
}

torch::Tensor TransformerImpl::forward(torch::Tensor x, const torch::Tensor& mask) {
  for (const auto& block : *resblocks) x = block->as<ResidualAttentionBlock>()->forward(x, mask);
  return x;
}

VisionTransformerImpl::VisionTransformerImpl(const Config& c) {
  const int64_t W = c.vision_width;
  const double scale = 1.0 / std::sqrt(double(W));  // CLIP's init
  class_embedding = register_parameter("class_embedding", torch::randn({W}) * scale);
  positional_embedding =
      register_parameter("positional_embedding", torch::randn({c.vision_tokens(), W}) * scale);
  proj = register_parameter("proj", torch::randn({W, c.embed_dim}) * scale);
  conv1 =
      register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, W, c.vision_patch_size)
                                                     .stride(c.vision_patch_size)
                                                     .bias(false)));
  ln_pre = register_module("ln_pre", pb::nn::LayerNorm32(W));
  transformer = register_module("transformer", Transformer(W, c.vision_layers, c.vision_heads));
  ln_post = register_module("ln_post", pb::nn::LayerNorm32(W));
}

torch::Tensor VisionTransformerImpl::forward(const torch::Tensor& pixels, ImageTrace* trace) {
  const torch::Dtype dt = conv1->weight.scalar_type();
  torch::Tensor x = to_float(conv1(pixels.to(dt)));  // [B, W, g, g]
  const int64_t B = x.size(0), W = x.size(1);
  x = x.reshape({B, W, -1}).permute({0, 2, 1});  // [B, g*g, W], row-major over the grid
  x = torch::cat({class_embedding.view({1, 1, W}).expand({B, 1, W}), x}, 1);
  x = ln_pre(x + positional_embedding.unsqueeze(0));
  if (trace) trace->ln_pre_out = x;
  x = transformer(x, torch::Tensor());
  torch::Tensor cls = ln_post(x.select(1, 0));
  if (trace) trace->ln_post_out = cls;
  return to_float(at::matmul(cls.to(proj.scalar_type()), proj));
}

ClipImpl::ClipImpl(const Config& config) : config_(config) {
  config_.validate();
  const auto& c = config_;
  const int64_t W = c.transformer_width;
  positional_embedding =
      register_parameter("positional_embedding", torch::randn({c.context_length, W}) * 0.01);
  text_projection =
      register_parameter("text_projection", torch::randn({W, c.embed_dim}) / std::sqrt(double(W)));
  logit_scale = register_parameter("logit_scale", torch::full({}, std::log(1.0 / 0.07)));
  visual = register_module("visual", VisionTransformer(c));
  transformer =
      register_module("transformer", Transformer(W, c.transformer_layers, c.transformer_heads));
  token_embedding = register_module("token_embedding", torch::nn::Embedding(c.vocab_size, W));
  ln_final = register_module("ln_final", pb::nn::LayerNorm32(W));
}

void ClipImpl::convert_body_to(torch::Dtype dtype) {
  if (dtype != torch::kFloat && dtype != torch::kHalf && dtype != torch::kBFloat16)
    throw Error(ErrorCode::invalid_argument,
                std::string("CLIP: convert_body_to needs float32, float16 or bfloat16, got ") +
                    c10::toString(dtype));
  const c10::InferenceMode normal_tensors(false);  // parameters cannot adopt inference tensors
  torch::NoGradGuard no_grad;
  // clip.model.convert_weights' selection (recorded per key in the ViT-L/14 manifest).
  for (const auto& m : modules(/*include_self=*/false))
    if (m->as<torch::nn::LinearImpl>() || m->as<torch::nn::Conv2dImpl>() ||
        m->as<MultiheadAttentionImpl>())
      m->to(dtype);
  for (torch::Tensor* p : {&visual->proj, &text_projection}) p->set_data(p->to(dtype));
}

torch::Tensor ClipImpl::encode_image(const torch::Tensor& pixels, ImageTrace* trace) {
  const int64_t R = config_.image_resolution;
  if (!pixels.defined() || pixels.dim() != 4 || pixels.size(1) != 3 || pixels.size(2) != R ||
      pixels.size(3) != R || pixels.size(0) == 0)
    bad_input("encode_image expects pixels [B, 3, " + std::to_string(R) + ", " + std::to_string(R) +
              "], got " + (pixels.defined() ? shape_str(pixels) : "nothing"));
  if (!pixels.is_floating_point())
    bad_input(std::string("encode_image expects normalised float pixels, got ") +
              c10::toString(pixels.scalar_type()));
  return visual(pixels, trace);
}

TextEncoding ClipImpl::encode_text(const torch::Tensor& tokens, TextTrace* trace) {
  const int64_t ctx = config_.context_length;
  if (!tokens.defined() || tokens.dim() != 2 || tokens.size(1) != ctx || tokens.size(0) == 0)
    bad_input("encode_text expects tokens [B, " + std::to_string(ctx) + "], got " +
              (tokens.defined() ? shape_str(tokens) : "nothing"));
  if (tokens.scalar_type() != torch::kInt && tokens.scalar_type() != torch::kLong)
    bad_input(std::string("encode_text expects int32 or int64 tokens, got ") +
              c10::toString(tokens.scalar_type()));
  const torch::Tensor ids = tokens.to(torch::kLong);
  const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
  if (lo < 0 || hi >= config_.vocab_size)
    bad_input("token ids must lie in [0, " + std::to_string(config_.vocab_size) + "), found " +
              std::to_string(lo < 0 ? lo : hi));

  torch::Tensor x = token_embedding(ids) + positional_embedding.unsqueeze(0);
  if (trace) trace->embed_in = x;
  // Causal: -inf above the diagonal; padding is not masked (it follows the end token).
  const torch::Tensor mask =
      torch::full({ctx, ctx}, -std::numeric_limits<float>::infinity(), x.options()).triu(1);
  x = ln_final(transformer(x, mask));
  // Pooled at the first maximal id: the first <|endoftext|> (argmax returns the first).
  const torch::Tensor eot = ids.argmax(-1);
  const torch::Tensor rows = torch::arange(x.size(0), eot.options());
  const torch::Tensor picked = x.index({rows, eot});  // [B, W]
  TextEncoding out;
  out.pooled = to_float(at::matmul(picked.to(text_projection.scalar_type()), text_projection));
  out.sequence = x;
  return out;
}

}  // namespace pb::nn::clip
