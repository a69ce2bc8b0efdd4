#pragma once
// Hyper-parameters of OpenAI's CLIP (clip/model.py CLIP.__init__), as Kakao Brain's Karlo
// builds it from ViT-L-14.pt. Field names equal the constructor's arguments.
#include <string>

#include "engine/io/checkpoint.h"

namespace pb::nn::clip {

struct Config {
  int embed_dim = 768;
  int image_resolution = 224;
  int vision_layers = 24;
  int vision_width = 1024;
  int vision_patch_size = 14;
  // Not a constructor argument there (the constructor derives vision_width / 64); kept
  // explicit because the small fixture model's text heads are not width / 64 either.
  int vision_heads = 16;
  int context_length = 77;
  int vocab_size = 49408;
  int transformer_width = 768;
  int transformer_heads = 12;
  int transformer_layers = 12;

  // ViT-L/14, the CLIP Karlo uses (257 vision tokens: a 16x16 grid + the class token).
  static Config vit_l_14();

  int grid() const { return image_resolution / vision_patch_size; }
  int vision_tokens() const { return grid() * grid() + 1; }
  // Throws pb::Error(invalid_argument) naming the first inconsistent field.
  void validate() const;
};

// Parses small_configs.json whole (its "clip" entry), {"clip": {...}} or a bare object of
// the fields above. vision_heads = vision_width / 64 as the constructor derives it (a given
// value counts only below 64 channels, where that rule gives none).
// Other keys of the fixture ("weights_seed", ...) are ignored; a known field of the wrong
// type, or an unknown key that looks like a typo of one, is an error naming it.
// Throws pb::Error(invalid_argument).
Config config_from_json(const std::string& json_text);

// Karlo's (and clip.build_model's) inference from a state_dict's shapes: vision_width =
// conv1 out channels, patch = its kernel, layers = count of resblocks.*.attn.in_proj_weight,
// resolution = patch * round(sqrt(positional rows - 1)), embed_dim = text_projection
// columns, heads = width / 64 for both towers. Throws pb::Error(shape_mismatch) naming
// source_name and the key that is missing or has an unusable shape.
Config infer_config(const pb::io::TensorList& tensors, const std::string& source_name);

}  // namespace pb::nn::clip
