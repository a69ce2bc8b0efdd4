#include "engine/nn/unclip/prior.h"

#include <torch/nn/modules/activation.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "engine/core/error.h"
#include "engine/nn/common/cpu_parallel.h"

namespace pb::nn::unclip {

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorCode::invalid_argument, "unCLIP prior: " + message);
}

std::string shape_of(const torch::Tensor& t) {
  if (!t.defined()) return "none";
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

void expect_shape(const char* name, const torch::Tensor& t, std::vector<int64_t> shape) {
  if (!t.defined() || t.sizes() != torch::IntArrayRef(shape)) {
    std::ostringstream s;
    s << name << " must have shape " << torch::IntArrayRef(shape) << ", found " << shape_of(t);
    invalid(s.str());
  }
}

// 0 where a key may be attended, -inf where not: [B, seq] key padding (mask padded with 4
// true on the right) broadcast over the rows, plus -inf above the diagonal.
torch::Tensor attention_bias(const torch::Tensor& mask, int64_t seq) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat).device(mask.device());
  const int64_t B = mask.size(0), ctx = mask.size(1);
  const torch::Tensor keys =
      torch::cat({mask.to(torch::kBool), torch::ones({B, seq - ctx}, opts.dtype(torch::kBool))}, 1);
  const double inf = std::numeric_limits<double>::infinity();
  const torch::Tensor key_bias =
      torch::where(keys, torch::zeros({}, opts), torch::full({}, -inf, opts));
  const torch::Tensor causal = torch::full({seq, seq}, -inf, opts).triu_(1);
  return key_bias.unsqueeze(1) + causal.unsqueeze(0);
}

}  // namespace

PriorLinearImpl::PriorLinearImpl(int64_t in_features, int64_t out_features, bool init) {
  weight = register_parameter("weight", torch::empty({out_features, in_features}));
  bias = register_parameter("bias", torch::empty({out_features}));
  if (init) {
    // nn.Linear's default (kaiming-uniform with a = sqrt(5)): U(-1/sqrt(in), 1/sqrt(in)).
    torch::NoGradGuard no_grad;
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    weight.uniform_(-bound, bound);
    bias.uniform_(-bound, bound);
  }
}

torch::Tensor PriorLinearImpl::forward(const torch::Tensor& x) {
  return pb::nn::linear(x.scalar_type() == weight.scalar_type() ? x : x.to(weight.scalar_type()),
                        weight, bias);
}

PriorAttentionImpl::PriorAttentionImpl(int64_t width, int64_t heads, bool init) : heads_(heads) {
  c_qkv = register_module("c_qkv", PriorLinear(width, 3 * width, init));
  c_proj = register_module("c_proj", PriorLinear(width, width, init));
}

torch::Tensor PriorAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& bias,
                                          const torch::Tensor& past_k, const torch::Tensor& past_v,
                                          torch::Tensor* keys, torch::Tensor* values) {
  const int64_t B = x.size(0), T = x.size(1), W = x.size(2), hd = W / heads_;
  // [B, T, 3W] -> [B, T, heads, 3 hd] -> [B, heads, T, 3 hd]: per head q | k | v.
  const torch::Tensor qkv = c_qkv(x).view({B, T, heads_, 3 * hd}).permute({0, 2, 1, 3});
  // Karlo scales q and k by hd^-1/4 each (not the logits by hd^-1/2).
  const double scale = 1.0 / std::sqrt(std::sqrt(static_cast<double>(hd)));
  const torch::Tensor q = qkv.narrow(-1, 0, hd) * scale;
  torch::Tensor k = qkv.narrow(-1, hd, hd) * scale;
  torch::Tensor v = qkv.narrow(-1, 2 * hd, hd);
  if (past_k.defined()) {
    k = torch::cat({past_k, k}, 2);
    v = torch::cat({past_v, v}, 2);
  } else {
    v = v.contiguous();
  }
  if (keys) *keys = k;
  if (values) *values = v;
  torch::Tensor w = at::matmul(q, k.transpose(-1, -2));  // [B, heads, T, S]
  // The bias and the softmax in float32 (the reference's dtype in its float32 mode).
  w = at::softmax(w.to(torch::kFloat) + bias.unsqueeze(1), -1).to(x.scalar_type());
  const torch::Tensor a = at::matmul(w, v);  // [B, heads, T, hd]
  return c_proj(a.permute({0, 2, 1, 3}).reshape({B, T, W}));
}

PriorMlpImpl::PriorMlpImpl(int64_t width, bool init) {
  c_fc = register_module("c_fc", PriorLinear(width, 4 * width, init));
  c_proj = register_module("c_proj", PriorLinear(4 * width, width, init));
}

torch::Tensor PriorMlpImpl::forward(const torch::Tensor& x) {
  return c_proj(at::gelu(c_fc(x)));  // nn.GELU(): the exact erf form
}

PriorResBlockImpl::PriorResBlockImpl(int64_t width, int64_t heads, bool init) {
  attn = register_module("attn", PriorAttention(width, heads, init));
  ln_1 = register_module("ln_1", pb::nn::LayerNorm32(width));
  mlp = register_module("mlp", PriorMlp(width, init));
  ln_2 = register_module("ln_2", pb::nn::LayerNorm32(width));
}

torch::Tensor PriorResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& bias,
                                         const torch::Tensor& past_k, const torch::Tensor& past_v,
                                         torch::Tensor* keys, torch::Tensor* values) {
  const torch::Tensor h = x + attn->forward(ln_1(x), bias, past_k, past_v, keys, values);
  return h + mlp(ln_2(h));
}

PriorTransformerImpl::PriorTransformerImpl(const PriorConfig& c, bool init) {
  const int64_t w = c.xf_width;
  // Registration order = the checkpoint's key order (own parameters first).
  positional_embedding =
      register_parameter("positional_embedding", torch::empty({1, int64_t(c.seq_len()), w}));
  prd_emb = register_parameter("prd_emb", torch::empty({1, 1, w}));
  if (init) {
    torch::NoGradGuard no_grad;
    positional_embedding.normal_(0, 0.01);
    prd_emb.normal_(0, 0.01);
  }
  time_embed = register_module("time_embed", torch::nn::ModuleList());
  time_embed->push_back(PriorLinear(w, w, init));
  time_embed->push_back(torch::nn::SiLU());
  time_embed->push_back(PriorLinear(w, w, init));
  text_enc_proj = register_module("text_enc_proj", PriorLinear(c.clip_dim, w, init));
  text_emb_proj = register_module("text_emb_proj", PriorLinear(c.clip_dim, w, init));
  clip_img_proj = register_module("clip_img_proj", PriorLinear(c.clip_dim, w, init));
  out_proj = register_module("out_proj", PriorLinear(w, c.clip_dim, init));
  auto transformer = register_module("transformer", std::make_shared<torch::nn::Module>());
  resblocks = transformer->register_module("resblocks", torch::nn::ModuleList());
  for (int l = 0; l < c.xf_layers; ++l) resblocks->push_back(PriorResBlock(w, c.xf_heads, init));
  if (c.xf_final_ln) final_ln = register_module("final_ln", pb::nn::LayerNorm32(w));
}

PriorImpl::PriorImpl(const PriorConfig& config, bool init_weights) : config_(config) {
  config_.validate();
  model = register_module("model", PriorTransformer(config_, init_weights));
}

torch::Dtype PriorImpl::body_dtype() const { return model->out_proj->weight.scalar_type(); }

void PriorImpl::convert_body_to(torch::Dtype dtype) {
  for (const auto& m : model->modules())
    if (auto* linear = m->as<PriorLinearImpl>()) linear->to(dtype);
}

torch::Tensor PriorImpl::run_blocks(torch::Tensor x, const torch::Tensor& bias,
                                    const std::vector<torch::Tensor>& past_k,
                                    const std::vector<torch::Tensor>& past_v,
                                    std::vector<torch::Tensor>* keys,
                                    std::vector<torch::Tensor>* values) {
  for (size_t l = 0; l < model->resblocks->size(); ++l) {
    torch::Tensor k, v;
    x = model->resblocks->ptr<PriorResBlockImpl>(l)->forward(
        x, bias, past_k.empty() ? torch::Tensor() : past_k[l],
        past_v.empty() ? torch::Tensor() : past_v[l], keys ? &k : nullptr, values ? &v : nullptr);
    if (keys) keys->push_back(std::move(k));
    if (values) values->push_back(std::move(v));
  }
  return x;
}

torch::Tensor PriorImpl::final_norm(const torch::Tensor& h) {
  return model->final_ln ? model->final_ln(h) : h;
}

PriorCondition PriorImpl::condition(const torch::Tensor& text_emb, const torch::Tensor& text_enc,
                                    const torch::Tensor& mask, bool cache_prefix) {
  const int64_t B = text_emb.defined() && text_emb.dim() > 0 ? text_emb.size(0) : 0;
  if (B == 0)
    invalid("text_emb must be a [B, " + std::to_string(config_.clip_dim) +
            "] tensor with B >= 1, found " + shape_of(text_emb));
  expect_shape("text_emb", text_emb, {B, config_.clip_dim});
  expect_shape("text_enc", text_enc, {B, config_.text_ctx, config_.clip_dim});
  expect_shape("mask", mask, {B, config_.text_ctx});
  if (!text_emb.is_floating_point() || !text_enc.is_floating_point())
    invalid("text_emb and text_enc must be floating-point");
  if (mask.is_floating_point() || mask.is_complex())
    invalid("mask must be bool (true = real token)");

  // Inference only: a graph kept alive by the cached keys/values would hold every layer's
  // activations for the whole job.
  torch::NoGradGuard no_grad;
  PriorCondition c;
  c.text_tokens = model->text_enc_proj(text_enc);
  c.text_emb = model->text_emb_proj(text_emb);
  c.attn_bias = attention_bias(mask, config_.seq_len());
  if (cache_prefix) {
    const int64_t P = config_.prefix_len();
    const torch::Tensor pos = model->positional_embedding.narrow(1, 0, P).to(c.text_emb.dtype());
    c.prefix_in = torch::cat({c.text_tokens, c.text_emb.unsqueeze(1)}, 1) + pos;
    const torch::Tensor bias = c.attn_bias.narrow(1, 0, P).narrow(2, 0, P);
    const torch::Tensor h = run_blocks(c.prefix_in, bias, {}, {}, &c.prefix_k, &c.prefix_v);
    c.prefix_out = final_norm(h);
  }
  return c;
}

torch::Tensor PriorImpl::forward(const torch::Tensor& x_t, const torch::Tensor& timesteps,
                                 const PriorCondition& cond, PriorTrace* trace) {
  const int64_t B = cond.batch();
  if (B == 0 || !cond.attn_bias.defined()) invalid("the condition is empty (call condition())");
  expect_shape("x_t", x_t, {B, config_.clip_dim});
  expect_shape("timesteps", timesteps, {B});
  if (!x_t.is_floating_point()) invalid("x_t must be floating-point");
  const bool cached = !cond.prefix_k.empty();
  if (cached && cond.prefix_k.size() != model->resblocks->size())
    invalid("the condition's prefix cache has " + std::to_string(cond.prefix_k.size()) +
            " layers, the model " + std::to_string(model->resblocks->size()));

  torch::NoGradGuard no_grad;
  const torch::Dtype body = body_dtype();
  const int64_t w = config_.xf_width, P = config_.prefix_len(), seq = config_.seq_len();
  const torch::Tensor emb = pb::nn::timestep_embedding(timesteps.to(x_t.device()), w);
  const torch::Tensor t_emb = model->time_embed->ptr<PriorLinearImpl>(2)->forward(
      at::silu(model->time_embed->ptr<PriorLinearImpl>(0)->forward(emb)));
  const torch::Tensor x = model->clip_img_proj(x_t);
  const torch::Tensor pos = model->positional_embedding.to(body);
  // The positions that change per step: t_emb, x_t, prd_emb.
  const torch::Tensor step_tokens = torch::cat(
      {t_emb.unsqueeze(1), x.unsqueeze(1), model->prd_emb.to(body).expand({B, 1, w})}, 1);

  torch::Tensor in, out;
  if (cached) {
    in = step_tokens + pos.narrow(1, P, seq - P);
    out = final_norm(run_blocks(in, cond.attn_bias.narrow(1, P, seq - P), cond.prefix_k,
                                cond.prefix_v, nullptr, nullptr));
  } else {
    in = torch::cat({cond.text_tokens, cond.text_emb.unsqueeze(1), step_tokens}, 1) + pos;
    out = final_norm(run_blocks(in, cond.attn_bias, {}, {}, nullptr, nullptr));
  }
  if (trace) {
    trace->time_embed_out = t_emb.to(torch::kFloat);
    trace->transformer_in = (cached ? torch::cat({cond.prefix_in, in}, 1) : in).to(torch::kFloat);
    trace->attn_bias = cond.attn_bias;
    trace->final_ln_out = (cached ? torch::cat({cond.prefix_out, out}, 1) : out).to(torch::kFloat);
  }
  // The prediction is read at the last position (prd_emb's).
  return model->out_proj(out.select(1, out.size(1) - 1)).to(torch::kFloat);
}

void PriorImpl::set_clip_stats(const torch::Tensor& mean, const torch::Tensor& std) {
  auto flat = [&](const char* name, const torch::Tensor& t) {
    if (!t.defined() || t.numel() != config_.clip_dim || t.dim() < 1 || t.dim() > 2 ||
        t.size(-1) != config_.clip_dim)
      invalid(std::string("clip statistic ") + name + " must be [" +
              std::to_string(config_.clip_dim) + "] or [1, " + std::to_string(config_.clip_dim) +
              "], found " + shape_of(t));
    return t.detach().reshape({config_.clip_dim}).to(torch::kCPU, torch::kFloat).clone();
  };
  torch::Tensor m = flat("clip_mean", mean), s = flat("clip_std", std);
  clip_mean_ = std::move(m);
  clip_std_ = std::move(s);
}

torch::Tensor PriorImpl::denormalize(const torch::Tensor& x0) const {
  if (!has_clip_stats())
    invalid(
        "clip_mean / clip_std are not set (load ViT-L-14_stats.th with load_clip_stats and "
        "call set_clip_stats)");
  if (!x0.defined() || x0.dim() < 1 || x0.size(-1) != config_.clip_dim)
    invalid("denormalize expects [..., " + std::to_string(config_.clip_dim) + "], found " +
            shape_of(x0));
  const auto opts = torch::TensorOptions().dtype(torch::kFloat).device(x0.device());
  return x0.to(torch::kFloat) * clip_std_.to(opts) + clip_mean_.to(opts);
}

}  // namespace pb::nn::unclip
