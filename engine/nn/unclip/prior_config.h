#pragma once
// Hyper-parameters of Karlo's diffusion prior (kakaobrain/karlo PriorDiffusionModel, network
// PriorTransformer; unclip/README.md section 3.3). Field names equal the YAML's
// model.hparams names.
#include <string>

namespace pb::nn::unclip {

struct PriorConfig {
  int text_ctx = 77;  // CLIP text positions; the sequence adds 4 (text_emb, t, x_t, prd)
  int xf_width = 2048;
  int xf_layers = 20;
  int xf_heads = 32;
  bool xf_final_ln = true;
  int clip_dim = 768;  // CLIP embedding width (also the text sequence width, as in Karlo)

  // configs/prior_1B_vit_l.yaml (prior-ckpt-step=01000000-of-01000000.ckpt).
  static PriorConfig karlo();

  int seq_len() const { return text_ctx + 4; }
  // Positions that never see x_t or t under the causal mask: the text sequence and
  // text_emb (their activations can be computed once per prompt).
  int prefix_len() const { return text_ctx + 1; }
  int head_dim() const { return xf_width / xf_heads; }
  // Throws pb::Error(invalid_argument) naming the first inconsistent field.
  void validate() const;
};

// Accepts small_configs.json whole (its "prior" entry), that entry
// ({"config": {"model": {"hparams": ...}}}), a manifest ({"config": ...}),
// {"model": {"hparams": ...}} or the bare hparams. Training-only keys (text_drop) are
// ignored; "diffusion" sections are not read (the prior's diffusion is fixed: x0
// prediction, fixed-small variance). Throws pb::Error(invalid_argument) naming the field.
PriorConfig prior_config_from_json(const std::string& json_text);

}  // namespace pb::nn::unclip
