#pragma once
// CLIP reranking of a run's candidates, as DALL-E reranks its samples: each candidate's CLIP
// image embedding against the prompt's text embedding (or, for variations, the source
// image's embedding), by cosine similarity. Works for any pipeline's result.
#include <torch/types.h>

#include <string>

#include "engine/core/cancel.h"
#include "engine/core/requests.h"
#include "engine/nn/clip/model.h"
#include "engine/text/clip_tokenizer.h"

namespace pb::pipelines {

// Karlo's CLIP input of an RGB image: straight resize to the model's resolution (Pillow
// bicubic), CLIP mean/std -> [1, 3, R, R] float32 on the model's device.
torch::Tensor clip_pixels(nn::clip::Clip clip, const Image& rgb);
// Raw (unnormalised) CLIP image embeddings [n, E] float32 of the images.
torch::Tensor clip_image_embeddings(nn::clip::Clip clip, const std::vector<Image>& images);

// Sorts result.images and result.seeds by descending cosine similarity to `target` ([E], a
// CLIP text or image embedding) and fills result.clip_scores. Reports Phase::pasting.
void rank_by_embedding(RunResult& result, nn::clip::Clip clip, const torch::Tensor& target,
                       const RunCallbacks& callbacks);
// The same against the prompt's pooled CLIP text embedding.
void rank_by_prompt(RunResult& result, nn::clip::Clip clip, const text::ClipTokenizer& tokenizer,
                    const std::string& prompt, const RunCallbacks& callbacks);

// Karlo's tokens and mask of `texts` ([B, 77] int64 and bool) on `device`.
struct ClipTokens {
  torch::Tensor tokens, mask;
};
ClipTokens clip_tokens(const text::ClipTokenizer& tokenizer, const std::vector<std::string>& texts,
                       int context, const torch::Device& device);

}  // namespace pb::pipelines
