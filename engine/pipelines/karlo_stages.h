#pragma once
// The stages Karlo's pipelines share (variations, unCLIP text-to-image, interpolation): CLIP
// text features, the guided 64 px decoder and the 64 -> 256 super-resolution, each run
// through the stage runner. Internal to engine/pipelines.
#include <torch/types.h>

#include <string>

#include "engine/core/requests.h"
#include "engine/diffusion/sampler.h"
#include "engine/diffusion/schedule.h"
#include "engine/pipelines/embedding_cache.h"
#include "engine/pipelines/karlo_pipeline.h"
#include "engine/pipelines/stage_runner.h"

namespace pb::pipelines {

inline constexpr const char* kClipDisplayName = "CLIP ViT-L/14";

torch::Device device_of(const torch::nn::Module& m);
// Karlo's respaced 1000-step cosine schedule (unclip/README.md section 3.6).
diffusion::Schedule karlo_schedule(const std::string& respacing);

// Throws pb::Error for models that are missing or do not belong together.
void require_karlo(const KarloModels& m, bool prior, bool super_res);

// CLIP's text features of [cond rows; uncond rows], as Karlo's samplers feed them to the
// prior and the decoder.
struct TextFeatures {
  torch::Tensor pooled, sequence, mask;  // [2n, E], [2n, 77, W], [2n, 77] bool
  // The same features for k conditional rows (and k unconditional ones).
  TextFeatures rows(int64_t k) const;
};
// `prompt` for the n conditional rows, "" for the n unconditional ones.
TextFeatures encode_texts(const KarloModels& m, const text::ClipTokenizer& tokenizer,
                          const std::string& prompt, int n, RunState& run);

// The raw CLIP image embedding [1, E] float32 of an image, from `embeddings` when it holds it
// (keyed by content, CLIP file and device), else encoded (reported as Phase::encoding) and kept.
torch::Tensor cached_image_embedding(const KarloModels& m, const Image& image,
                                     EmbeddingCache* embeddings, RunState& run);

struct DecodeOptions {
  // Karlo samples its decoder with DDPM; interpolation decodes with deterministic DDIM.
  diffusion::Sampler sampler = diffusion::Sampler::ddpm;
  bool invert = false;      // run the ODE backwards from x (a clean sample) to noise
  bool preview_256 = true;  // previews enlarged to the SR size
  int refinements = 0;      // inverting: fixed-point refinements per step
};

// The guided decoder stage over image embeddings [n, E]: from x_T [2n, 3, S, S] (rows: n
// conditional, n unconditional) to samples [n, 3, S, S] in [-1, 1] (or, inverting, from
// clean samples to the noise that DDIM decodes back to them).
torch::Tensor decode(const KarloModels& m, const KarloSettings& s, const TextFeatures& text,
                     const torch::Tensor& image_embeds, torch::Tensor x_T, CandidateNoise& noise,
                     RunState& run, int stage_index, const diffusion::Schedule& schedule,
                     const DecodeOptions& options = {});

// Karlo's 64 -> 256 stage: antialiased bicubic of the clamped decoder output as low_res,
// model_first_steps for all but the last step, model_last_step for it, no guidance.
torch::Tensor super_resolve(const KarloModels& m, const torch::Tensor& samples64,
                            CandidateNoise& noise, RunState& run, int stage_index,
                            const diffusion::Schedule& schedule);

std::vector<Image> to_images(const torch::Tensor& x);
// The generation parameters every Karlo run records: models, hashes, device, sizes.
void fill_model_parameters(RunResult& r, const KarloModels& m, const KarloSettings& s);

}  // namespace pb::pipelines
