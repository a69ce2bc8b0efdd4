#pragma once
// Hyper-parameters of Karlo's (unCLIP) two U-Nets: the 64 px decoder
// (Text2ImProgressiveModel / PLMImUNet) and the 64->256 super-resolution pair
// (ImprovedSupRes64to256ProgressiveModel). Field names equal Karlo's YAML hparams
// (unclip/README.md sections 1.5, 3.4, 3.5).
#include <string>
#include <vector>

namespace pb::nn::unclip {

struct DecoderConfig {
  int image_size = 64, num_channels = 320, num_res_blocks = 3;
  // Per-level multipliers; empty = Karlo's choice for image_size (64 -> 1,2,3,4; 128 ->
  // 1,1,2,3,4; 256 -> 1,1,2,2,4,4). Given explicitly, 2^(levels+2) must equal image_size.
  std::vector<int> channel_mult;
  // Resolutions (pixels) with attention, as in Karlo's config: downsample factor =
  // image_size / resolution.
  std::vector<int> attention_resolutions{32, 16, 8};
  int num_heads = -1, num_head_channels = 64, num_heads_upsample = -1;
  bool use_scale_shift_norm = true, resblock_updown = true;
  int clip_dim = 768, clip_emb_mult = 4, text_ctx = 77, xf_width = 1536;
  bool learn_sigma = true;
  // Training-time image-embedding dropout; > 0 means the model has the learned
  // unconditional embedding cf_param (every published decoder does).
  double clip_emb_drop = 0.1;
  double dropout = 0.1;  // informative only: inference runs without dropout

  static DecoderConfig karlo();  // the published decoder-ckpt-step=01000000 config

  std::vector<int> resolved_channel_mult() const;  // throws pb::Error(invalid_argument)
  std::vector<int> attention_downsample_factors() const;
  int time_embed_dim() const { return 4 * num_channels; }
  int out_channels() const { return learn_sigma ? 6 : 3; }
  int context_tokens() const { return clip_emb_mult + text_ctx; }  // 4 image + 77 text
  int heads_for(int channels, bool upsample) const;
  // Throws pb::Error(invalid_argument) naming the first inconsistent field.
  void validate() const;
};

struct SuperResConfig {
  int channels = 320, depth = 3;  // model_channels, num_res_blocks
  std::vector<int> channels_multiple{1, 2, 3, 4};
  double dropout = 0.0;  // informative only

  static SuperResConfig karlo();  // improved_sr_64_256_1.4B
  int time_embed_dim() const { return 4 * channels; }
  void validate() const;
};

// Accept small_configs.json whole (its "decoder" / "sr" entry), an entry itself
// ({"config": {"model": {"hparams": {...}}}}, also a manifest), {"model": {"hparams": ...}}
// or the bare hparams. channel_mult "1,1,2" or arrays, attention_resolutions "16,8".
// Training-only hparams (dropout, text_drop, ...) are accepted; options this port does not
// implement (xf_layers > 0, clip_emb_type other than "image") are rejected. Throws
// pb::Error(invalid_argument) naming the field.
DecoderConfig decoder_config_from_json(const std::string& json_text);
SuperResConfig super_res_config_from_json(const std::string& json_text);

}  // namespace pb::nn::unclip
