#pragma once
// Karlo's diffusion prior (kakaobrain/karlo PriorDiffusionModel; network PriorTransformer,
// unclip/README.md section 3.3): CLIP text features -> a CLIP image embedding, predicted as
// x0 in the normalised space. Parameter names equal the published checkpoint's keys
// ("model.positional_embedding", "model.transformer.resblocks.0.attn.c_qkv.weight", ...);
// clip_mean / clip_std (non-persistent buffers in Karlo) are set separately.
//
//   Prior prior(PriorConfig::karlo(), /*init_weights=*/false);
//   pb::io::load_state_dict(*prior, pb::io::load_checkpoint(path).tensors, {}, path);
//   const ClipStats stats = load_clip_stats("ViT-L-14_stats.th", 768);  // clip_stats.h
//   prior->set_clip_stats(stats.mean, stats.std);
//   PriorCondition cond = prior->condition(txt_feat, txt_feat_seq, mask);  // once per job
//   for (...) x0 = prior->forward(x_t, t, cond);                            // every step
//   img_feat = prior->denormalize(x_0.narrow(0, 0, n));
//
// Under the causal mask the first text_ctx + 1 positions (text sequence, text_emb) never
// see t or x_t, so condition() runs them through the transformer once and keeps their
// keys and values; forward() then computes only the last 3 positions (t_emb, x_t, prd)
// per step. The result is the full sequence's, computed with fewer rows.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/types.h>

#include <vector>

#include "engine/nn/common/layers.h"
#include "engine/nn/unclip/prior_config.h"

namespace pb::nn::unclip {

// The conditioning of one job, reused at every step.
struct PriorCondition {
  torch::Tensor text_tokens;  // [B, text_ctx, w] text_enc_proj(text_enc), body dtype
  torch::Tensor text_emb;     // [B, w] text_emb_proj(text_emb), body dtype
  // [B, seq, seq] float32: key padding (mask padded with 4 true on the right, 0 / -inf)
  // plus the causal mask; added to every head's logits.
  torch::Tensor attn_bias;
  // The text prefix run through the transformer (condition(..., cache_prefix = true)).
  // Empty: forward() runs the whole sequence (the reference's way).
  std::vector<torch::Tensor> prefix_k, prefix_v;  // per layer [B, heads, P, hd]; k scaled
  torch::Tensor prefix_in;   // [B, P, w] transformer input of the prefix (for traces)
  torch::Tensor prefix_out;  // [B, P, w] final_ln output of the prefix (for traces)

  int64_t batch() const { return text_emb.defined() ? text_emb.size(0) : 0; }
};

// Intermediates of one forward pass (prior_small.io.pt's names), float32 copies.
struct PriorTrace {
  torch::Tensor time_embed_out;  // [B, w]
  torch::Tensor transformer_in;  // [B, seq, w] tokens + positional_embedding
  torch::Tensor attn_bias;       // [B, seq, seq]
  torch::Tensor final_ln_out;    // [B, seq, w] (the transformer output without xf_final_ln)
};

// nn.Linear's parameters (weight [out, in], bias [out]). forward: [..., in] -> [..., out];
// float32 products on the CPU are split by output features over the intra-op threads.
class PriorLinearImpl : public torch::nn::Module {
 public:
  // init: nn.Linear's default initialisation; false leaves the memory uninitialised
  // (untouched until a checkpoint is loaded into it).
  PriorLinearImpl(int64_t in_features, int64_t out_features, bool init);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;
};
TORCH_MODULE(PriorLinear);

// Multi-head self-attention over c_qkv packed per head as q | k | v.
class PriorAttentionImpl : public torch::nn::Module {
 public:
  PriorAttentionImpl(int64_t width, int64_t heads, bool init);
  // x [B, T, w] (the last T positions), bias [B, T, S] with S = P + T keys, past_k/v
  // [B, heads, P, hd] or undefined (P = 0). If keys/values are given, they receive the
  // S keys (scaled) and values.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias,
                        const torch::Tensor& past_k, const torch::Tensor& past_v,
                        torch::Tensor* keys = nullptr, torch::Tensor* values = nullptr);

 private:
  PriorLinear c_qkv{nullptr}, c_proj{nullptr};
  int64_t heads_;
};
TORCH_MODULE(PriorAttention);

class PriorMlpImpl : public torch::nn::Module {
 public:
  PriorMlpImpl(int64_t width, bool init);
  torch::Tensor forward(const torch::Tensor& x);  // w -> 4w -> GELU (erf) -> w

 private:
  PriorLinear c_fc{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(PriorMlp);

class PriorResBlockImpl : public torch::nn::Module {
 public:
  PriorResBlockImpl(int64_t width, int64_t heads, bool init);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias,
                        const torch::Tensor& past_k, const torch::Tensor& past_v,
                        torch::Tensor* keys = nullptr, torch::Tensor* values = nullptr);

 private:
  PriorAttention attn{nullptr};
  pb::nn::LayerNorm32 ln_1{nullptr};
  PriorMlp mlp{nullptr};
  pb::nn::LayerNorm32 ln_2{nullptr};
};
TORCH_MODULE(PriorResBlock);

// Karlo's PriorTransformer (the checkpoint's "model." subtree).
class PriorTransformerImpl : public torch::nn::Module {
 public:
  PriorTransformerImpl(const PriorConfig& config, bool init);

  torch::Tensor positional_embedding;         // [1, seq, w]
  torch::Tensor prd_emb;                      // [1, 1, w]
  torch::nn::ModuleList time_embed{nullptr};  // Linear(w, w), SiLU, Linear(w, w)
  PriorLinear text_enc_proj{nullptr}, text_emb_proj{nullptr}, clip_img_proj{nullptr};
  PriorLinear out_proj{nullptr};
  torch::nn::ModuleList resblocks{nullptr};  // registered as transformer.resblocks
  pb::nn::LayerNorm32 final_ln{nullptr};     // null without xf_final_ln
};
TORCH_MODULE(PriorTransformer);

class PriorImpl : public torch::nn::Module {
 public:
  // Throws pb::Error(invalid_argument) for an invalid config. init_weights false skips the
  // random initialisation (a checkpoint is loaded next, or only the tree is inspected).
  explicit PriorImpl(const PriorConfig& config, bool init_weights = true);

  // text_emb [B, clip_dim] (CLIP pooled), text_enc [B, text_ctx, clip_dim] (CLIP sequence,
  // ln_final output), mask [B, text_ctx] bool (true = real token). Rows: [cond; uncond] when
  // guided. Call after to(device) / convert_body_to (the result is in the body's dtype and
  // on its device). Runs without autograd. Throws pb::Error(invalid_argument) for other
  // shapes.
  PriorCondition condition(const torch::Tensor& text_emb, const torch::Tensor& text_enc,
                           const torch::Tensor& mask, bool cache_prefix = true);

  // x_t [B, clip_dim] (normalised space), timesteps [B] integer, original 1000-step scale,
  // B = cond.batch() -> predicted x0 [B, clip_dim] float32.
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& timesteps,
                        const PriorCondition& cond, PriorTrace* trace = nullptr);

  // Karlo's clip_mean / clip_std (ViT-L-14_stats.th), [clip_dim] or [1, clip_dim] each.
  // Kept as float32 CPU tensors outside the state_dict (moved per call).
  void set_clip_stats(const torch::Tensor& mean, const torch::Tensor& std);
  bool has_clip_stats() const { return clip_mean_.defined(); }
  // x0 [..., clip_dim] -> x0 * clip_std + clip_mean (float32). Throws
  // pb::Error(invalid_argument) if the statistics are unset or the width differs.
  torch::Tensor denormalize(const torch::Tensor& x0) const;

  const PriorConfig& config() const { return config_; }

  // All linears to dtype (kBFloat16 / kHalf; kFloat undoes); the LayerNorms compute in
  // float32, the embeddings stay float32 and are cast where used; outputs are float32.
  void convert_body_to(torch::Dtype dtype);
  torch::Dtype body_dtype() const;

 private:
  // The transformer blocks over x [B, T, w] (the last T of P + T positions) and bias
  // [B, T, P + T]; past_k/v: per layer or empty. Collects keys/values if asked.
  torch::Tensor run_blocks(torch::Tensor x, const torch::Tensor& bias,
                           const std::vector<torch::Tensor>& past_k,
                           const std::vector<torch::Tensor>& past_v,
                           std::vector<torch::Tensor>* keys, std::vector<torch::Tensor>* values);
  torch::Tensor final_norm(const torch::Tensor& h);

  PriorConfig config_;
  PriorTransformer model{nullptr};
  torch::Tensor clip_mean_, clip_std_;  // [clip_dim] float32, CPU
};
TORCH_MODULE(Prior);

}  // namespace pb::nn::unclip
