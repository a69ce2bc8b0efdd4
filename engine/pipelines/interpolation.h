#pragma once
// Interpolation between two images and text diffs through CLIP image-embedding space
// (DALL-E 2 section 3), decoded by Karlo's decoder with deterministic DDIM (and finished by its
// super-resolution when asked). See pb::InterpolationSettings (core/requests.h) for what the
// decoder receives and why.
//
// The per-interpolation state lives in an InterpolationContext, in the manner of whisper.cpp's
// whisper_state: the loaded models stay immutable and shared, while the embeddings of the two
// images, the fixed noise, the DDIM-inverted noise and the frames already rendered are kept
// per interpolation (keyed by image content, models, device and the settings that shape the
// noise), so that moving a slider costs only decoding, and a frame rendered before costs
// nothing. Contexts are created and used on one thread (the engine's).
//
// Usage:
//   pb::pipelines::InterpolationContexts contexts;
//   RunResult r = run_interpolation(models, tokenizer, request, callbacks, &contexts, &cache);
//   // r.images[i] is the frame at request.positions[i]; callbacks.on_frame fires per frame.
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "engine/core/cancel.h"
#include "engine/core/requests.h"
#include "engine/pipelines/embedding_cache.h"
#include "engine/pipelines/karlo_pipeline.h"
#include "engine/pipelines/karlo_stages.h"
#include "engine/text/clip_tokenizer.h"

namespace pb::pipelines {

struct InterpolationContext {
  std::string key;
  std::uint64_t seed = 0;
  bool text_diff = false;
  // Interpolation: the raw image embeddings of A and B. Text diff: the image's raw embedding
  // and the unit direction normalize(text(to) - text(from)). [E] float32 each.
  torch::Tensor embed_a, embed_b;
  TextFeatures text;    // CLIP features of "" for one [cond; uncond] pair (I2ISampler's prompt)
  torch::Tensor noise;  // [1, 3, S, S]: every frame's x_T without inversion
  torch::Tensor pixels_a, pixels_b;      // the images at the decoder's size, [1, 3, S, S]
  torch::Tensor inverted_a, inverted_b;  // DDIM-inverted noise, computed when first asked for
  // Rendered frames by (position, inverted, super-resolved): the decoder's sample in [-1, 1]
  // (the super-resolution's input) and the image.
  struct Frame {
    torch::Tensor sample;
    Image image;
  };
  std::map<std::tuple<float, bool, bool>, Frame> frames;

  std::size_t bytes() const;
};

// The contexts of one engine, most recent first. A context is dropped when a newer one pushes
// it out (its images changed), when the frames of all contexts pass max_bytes (oldest frames
// of the oldest context first), or by keep_latest() / clear() (memory is needed elsewhere).
class InterpolationContexts {
 public:
  explicit InterpolationContexts(std::size_t capacity = 2, std::size_t max_bytes = 256u << 20)
      : capacity_(capacity), max_bytes_(max_bytes) {}
  // The context for key (moved to the front), or a new empty one with that key.
  std::shared_ptr<InterpolationContext> get(const std::string& key, bool* created = nullptr);
  // The most recently used context (nullptr if none).
  std::shared_ptr<InterpolationContext> latest() const {
    return contexts_.empty() ? nullptr : contexts_.front();
  }
  void trim();  // enforces max_bytes
  void clear() { contexts_.clear(); }
  void keep_latest() {
    if (contexts_.size() > 1) contexts_.resize(1);
  }
  std::size_t size() const { return contexts_.size(); }
  std::size_t bytes() const;

 private:
  std::size_t capacity_, max_bytes_;
  std::list<std::shared_ptr<InterpolationContext>> contexts_;
};

// Throws pb::Error(invalid_argument) for positions outside [0, 1] (or not finite), no or too
// many positions, candidates other than 1, or bad Karlo settings.
void validate_interpolation(const std::vector<float>& positions,
                            const InterpolationSettings& settings);

// The frames of request.positions, in order (64 px, or 256 with settings.karlo.super_resolve).
// Throws pb::Error (invalid_argument, cancelled, ...); frames finished before a cancel stay in
// the context.
RunResult run_interpolation(const KarloModels& models, const text::ClipTokenizer& tokenizer,
                            const InterpolateRequest& request, const RunCallbacks& callbacks,
                            InterpolationContexts* contexts = nullptr,
                            EmbeddingCache* embeddings = nullptr);
RunResult run_text_diff(const KarloModels& models, const text::ClipTokenizer& tokenizer,
                        const TextDiffRequest& request, const RunCallbacks& callbacks,
                        InterpolationContexts* contexts = nullptr,
                        EmbeddingCache* embeddings = nullptr);

// The batch the engine picks when settings.batch is 0, by device.
int default_interpolation_batch(const torch::Device& device);

}  // namespace pb::pipelines
