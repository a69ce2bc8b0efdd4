#pragma once
// unCLIP with Kakao Brain's Karlo v1 alpha (unclip/README.md section 3): image variations
// (CLIP image embedding -> 64 px decoder -> 64->256 super-resolution, as I2ISampler) and
// text-to-image through the prior (prompt -> CLIP text -> prior -> image embedding ->
// decoder -> SR, as T2ISampler). Karlo runs on CUDA only; this runs on any device, in
// float32 (parity), bfloat16 (CPU fast mode) or float16 (CUDA) bodies as the models are placed.
//
// Progress: encoding (CLIP), then sampling stage N of M (prior, decoder, super-resolution),
// a preview after every step, cancellation within one step. One seed gives the same images
// twice on the same device; candidate i uses seed + i.
//
// Usage:
//   pb::pipelines::KarloModels m{clip, prior, decoder, sr, ...};
//   RunResult r = pb::pipelines::run_variations(m, clip_tokenizer, request, callbacks, &cache);
#include <string>

#include "engine/core/cancel.h"
#include "engine/core/requests.h"
#include "engine/nn/clip/model.h"
#include "engine/nn/unclip/decoder.h"
#include "engine/nn/unclip/prior.h"
#include "engine/nn/unclip/super_res.h"
#include "engine/pipelines/embedding_cache.h"
#include "engine/text/clip_tokenizer.h"

namespace pb::pipelines {

struct KarloModels {
  nn::clip::Clip clip{nullptr};
  nn::unclip::Prior prior{nullptr};  // text-to-image only
  nn::unclip::Decoder decoder{nullptr};
  nn::unclip::SuperRes super_res{nullptr};  // may be null when settings.super_resolve is false
  // File names and fingerprints for the generation parameters (may be empty).
  std::string clip_name, prior_name, decoder_name, super_res_name;
  std::string clip_hash, prior_hash, decoder_hash, super_res_hash;
  std::string device_label;
};

// Throws pb::Error: invalid_argument (bad request or settings, missing model), cancelled,
// out_of_memory, ... `embeddings` (optional) keeps the CLIP image embedding of each source
// image, so a second run on the same image skips the encoding.
RunResult run_variations(const KarloModels& models, const text::ClipTokenizer& tokenizer,
                         const VariationsRequest& request, const RunCallbacks& callbacks,
                         EmbeddingCache* embeddings = nullptr);
RunResult run_unclip_text2im(const KarloModels& models, const text::ClipTokenizer& tokenizer,
                             const UnclipRequest& request, const RunCallbacks& callbacks);

// Validation shared with the runtime's early checks (throws pb::Error(invalid_argument)).
void validate_karlo_settings(const KarloSettings& settings);

// Karlo's SR respacing: its two U-Nets switch at the last of these 7 steps.
inline constexpr const char* kKarloSuperResRespacing = "7";

}  // namespace pb::pipelines
