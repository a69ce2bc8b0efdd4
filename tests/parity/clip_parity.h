#pragma once
// CLIP (ViT, as Karlo uses it) against shared/fixtures/unclip (README sections 1.2, 1.5,
// 1.6 and 2), with no Qt: asserted by tests/nn/tst_nn_clip.cpp.
#include <string>
#include <vector>

#include "tests/parity/parity.h"

namespace pb::parity {

// The small CLIP (config from small_configs.json "clip") loaded from both
// clip_small.state_dict.pt and clip_small.torchscript.pt, against clip_small.io.pt: image
// ln_pre / ln_post / embeddings, text embedding input / pooled output / sequence, and the
// pooled positions. Target dtype kFloat (1e-4), kHalf (CUDA, 2e-2) or kBFloat16 (5e-2): the
// body converted with convert_body_to.
std::vector<Check> clip_forward(const std::string& fixtures, const Target& target);
// Preprocessing (preprocess.io.pt and clip_small.io.pt): Pillow's bicubic bit for bit,
// the normalised pixels, the antialiased float bicubic and how far plain bicubic is.
std::vector<Check> clip_preprocess(const std::string& fixtures);
// The real-size ViT-L/14 module tree against manifest_clip_vit_l_14.json: keys in order,
// shapes, parameter count, the dtypes convert_body_to(kHalf) gives (OpenAI's fp16 split),
// and infer_config on the manifest's shapes. Builds a 1.7 GB model on the CPU.
std::vector<Check> clip_manifest(const std::string& fixtures);

}  // namespace pb::parity
