#pragma once
// Options of GLIDE's text-conditioned UNets (openai/glide-text2im, filtered release),
// one struct for the four published model classes: the class follows from `inpaint`
// and `super_res`. Field names equal the reference's option names.
#include <string>
#include <vector>

namespace pb::nn::glide {

struct Config {
  int image_size = 64;
  int num_channels = 192;  // model channels (mc)
  int num_res_blocks = 3;
  // Per-level channel multipliers; empty = the reference's default for image_size
  // (64 -> 1,2,3,4; 128 -> 1,1,2,3,4; 256 -> 1,1,2,2,4,4). See resolved_channel_mult().
  std::vector<int> channel_mult;
  // Resolutions (pixels) at which AttentionBlocks sit; downsample factor = image_size / r.
  std::vector<int> attention_resolutions{32, 16, 8};
  int num_heads = 1;
  int num_head_channels = 64;   // -1: use num_heads; else heads = channels / this
  int num_heads_upsample = -1;  // output blocks' num_heads; -1 = num_heads
  bool use_scale_shift_norm = true;
  bool resblock_updown = true;  // false: separate Downsample/Upsample convs (op / conv)
  int text_ctx = 128;
  int xf_width = 512;
  int xf_layers = 16;
  int xf_heads = 8;
  bool xf_final_ln = true;
  bool xf_padding = true;
  int n_vocab = 50257;
  bool inpaint = false;
  bool super_res = false;
  // The reference's use_fp16 flag: informative only here. Half precision is applied by
  // GlideUNetImpl::convert_to_fp16() (the runtime decides, per device).
  bool use_fp16 = false;

  // The four published configurations (base.pt, base_inpaint.pt, upsample.pt,
  // upsample_inpaint.pt).
  static Config base();
  static Config base_inpaint();
  static Config upsample();
  static Config upsample_inpaint();

  int in_channels() const;                // 3 (+4 inpaint: masked image and mask) (+3 super-res)
  int out_channels() const { return 6; }  // eps and variance interpolation
  int time_embed_dim() const { return 4 * num_channels; }
  std::vector<int> resolved_channel_mult() const;  // throws pb::Error(invalid_argument)
  std::vector<int> attention_downsample_factors() const;
  // Reference class name: Text2ImUNet, InpaintText2ImUNet, SuperResText2ImUNet,
  // SuperResInpaintText2ImUnet.
  std::string class_name() const;
  // Throws pb::Error(invalid_argument) naming the first inconsistent field.
  void validate() const;
};

// Parses a fixture's {"options": {...}} document or a bare options object. Accepts the
// reference's forms (channel_mult "1,2,3,4" or "", attention_resolutions "32,16,8") as
// well as JSON arrays. Options that only concern diffusion or training (dropout,
// diffusion_steps, noise_schedule, timestep_respacing, cache_text_emb) are ignored.
// Throws pb::Error(invalid_argument) naming the bad field.
Config config_from_json(const std::string& json_text);

}  // namespace pb::nn::glide
