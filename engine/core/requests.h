#pragma once
// Plain request and result structs of the engine API, below every layer that runs them
// (pipelines and runtime include this; it includes only core). GLIDE defaults follow the
// inpainting notebook, Karlo's its sampler template (SAMPLING_CONF "default"); presets
// (fast/default) are data in engine/pipelines/presets.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/image.h"

namespace pb {

// ddpm and ddim are the references' samplers; dpmpp_2m is DPM-Solver++(2M), the
// second-order solver of DDIM's ODE (diffusion/sampler.h), which needs fewer steps.
enum class SamplerKind { ddpm, ddim, dpmpp_2m };

struct GlideSettings {
  float guidance_scale = 5.0f;  // classifier-free guidance s (base stage only)
  // Respacing specs: a step count ("100", "50"), "ddimN", section counts or "fast27".
  std::string base_respacing = "100";
  std::string upsample_respacing = "fast27";
  float upsample_temperature = 0.997f;               // scales the upsampler's initial noise only
  SamplerKind sampler = SamplerKind::ddpm;           // base stage
  SamplerKind upsample_sampler = SamplerKind::ddpm;  // inpainting notebook: DDPM; text2im: DDIM
  float eta = 0.0f;                                  // DDIM only (DPM++ 2M: none)
  std::optional<std::uint64_t> seed;  // none: random (the result reports the seed used)
  int candidates = 1;                 // images generated in one run
  bool upsample = true;               // run the 64 -> 256 stage
  // Order the candidates by CLIP similarity to the prompt (needs ViT-L-14.pt); the scores
  // come back in RunResult::clip_scores.
  bool rank_with_clip = false;
};

// How the painted mask becomes the pixels that change (pipelines/compositor.h). Every
// painted pixel (mask > 0) is regenerated and fully replaced; the region grows (or shrinks)
// by grow_px, and the seam ramps from the source to the result over the outer feather_px of
// the grown ring, so every pixel outside the region keeps its exact input bytes.
struct MaskSettings {
  std::optional<int> grow_px;     // none: the window's side / 64 (at least 2); < 0 shrinks
  std::optional<int> feather_px;  // none: the grow (at least 2); 0: a hard edge
  // Shift the generated pixels by the mean colour step between the source just outside the
  // region and the result just inside it (at most 32 levels). Off by default: GLIDE forces
  // the known pixels at every step, so the step it leaves is small, and a mean over the band
  // also moves new content that differs from its surroundings on purpose.
  bool colour_match = false;
};

struct InpaintRequest {
  Image image;  // RGB, any size
  Image mask;   // 1 channel, same size; 255 = change, 0 = keep
  std::string prompt;
  GlideSettings settings;
  MaskSettings mask_settings;
  // Explore, then finish: non-empty skips the base stage and runs the upsampler on these
  // base-stage outputs (RunResult::base_images of one candidate of a run with upsample off,
  // one per window), with settings.seed that candidate's seed and one candidate. The pixels
  // equal those of a full run with that seed.
  std::vector<Image> finish_from;
};

// The text2im notebook's settings: guidance 3 and a DDIM upsampler (the inpainting
// notebook's are GlideSettings' defaults).
inline GlideSettings text2im_notebook_settings() {
  GlideSettings s;
  s.guidance_scale = 3.0f;
  s.upsample_sampler = SamplerKind::ddim;
  return s;
}

struct Text2ImRequest {
  std::string prompt;
  GlideSettings settings = text2im_notebook_settings();
  int width = 256;  // output size; see run_glide_text2im for how a non-square one is made
  int height = 256;
  std::vector<Image> finish_from;  // as InpaintRequest::finish_from (one image)
};

enum class ClassicMethod { telea, navier_stokes };

struct ClassicFillRequest {
  Image image;  // RGB
  Image mask;   // 1 channel, 255 = change
  ClassicMethod method = ClassicMethod::telea;
  double radius = 5.0;
};

// unCLIP (Karlo v1 alpha). Respacings are step counts as Karlo's ("25", "50", "7").
struct KarloSettings {
  float prior_guidance_scale = 4.0f;     // text-to-image only
  std::string prior_respacing = "25";    // text-to-image only
  float decoder_guidance_scale = 8.0f;   // guides eps of the 64 px decoder
  std::string decoder_respacing = "50";  // "fast": "25"
  // The SR stage is fixed to Karlo's "7" (its two U-Nets switch at the last step).
  std::optional<std::uint64_t> seed;  // none: random (the result reports the seeds used)
  int candidates = 1;
  bool super_resolve = true;  // false: stop at the 64 px decoder output
  bool rank_with_clip = false;
};

// Image variations: new images with the content and style of `image` (CLIP image embedding
// -> decoder -> SR), as Karlo's I2ISampler.
struct VariationsRequest {
  Image image;  // RGB, any size (resized straight to 224x224 for CLIP, as Karlo does)
  KarloSettings settings;
};

// unCLIP text-to-image: prompt -> prior -> image embedding -> decoder -> SR (T2ISampler).
struct UnclipRequest {
  std::string prompt;
  KarloSettings settings;
};

// Interpolation through CLIP image-embedding space (DALL-E 2 section 3; unclip/README.md 1.13,
// 3.8). Each frame decodes the embedding at its position with deterministic DDIM (eta 0) and
// the decoder's guidance, from noise that is the same for every frame (or, with `invert`,
// the slerp of the DDIM-inverted noise of A and of B), so that neighbouring frames stay
// coherent and, with inversion, positions 0 and 1 reconstruct the inputs closely.
//
// What the decoder receives: the slerp of the L2-normalised embeddings (the paper's path,
// slerp_unit), rescaled to the linear blend of the two raw norms. Karlo's decoder was trained
// on raw CLIP embeddings, whose norm carries no meaning CLIP was trained for but does move the
// decoder; this keeps the direction on the paper's great circle and the norm inside what the
// decoder saw, and equals the raw embedding at 0 and 1 (slerp_raw applies the same weights to
// the raw vectors and leaves the circle when the norms differ).
struct InterpolationSettings {
  KarloSettings karlo;  // decoder guidance and respacing, seed (the fixed noise), super_resolve
  bool invert = false;  // start from the slerp of A's and B's DDIM-inverted decoder noise
  // Fixed-point refinements per inversion step (each one more decoder call per step): with an
  // exact denoiser the round-trip error falls ~7x per refinement (tst_diffusion_sampler).
  int inversion_refinements = 1;
  // Frames decoded in one batch (each frame is one guidance pair); 0: the engine's choice.
  int batch = 0;
};

struct InterpolateRequest {
  Image image_a, image_b;  // RGB, any size (each stretched to CLIP's 224 and the decoder's size)
  std::vector<float> positions;  // t in [0, 1] per frame: 0 = A, 1 = B; frames in this order
  InterpolationSettings settings;
};

// A text diff: the image's embedding moved toward normalize(text(to) - text(from)) by slerp
// of the unit vectors through angle fraction theta (the paper uses up to 0.25 - 0.5), rescaled
// to the image's own norm, decoded from the image's inverted noise when settings.invert.
struct TextDiffRequest {
  Image image;
  std::string from_caption;      // what the image shows now, e.g. "a photo of a cat"
  std::string to_caption;        // what it should become, e.g. "an anime drawing of a cat"
  std::vector<float> positions;  // theta in [0, 1] per frame
  InterpolationSettings settings{.karlo = {}, .invert = true};
};

struct Rect {
  int x = 0, y = 0, width = 0, height = 0;
};

struct RunResult {
  std::vector<Image> images;         // one per candidate, at the source resolution
  std::vector<std::uint64_t> seeds;  // seed of each candidate
  // CLIP similarity (cosine) of each candidate to the prompt (variations: to the source
  // image), when ranking was asked for; images, seeds and scores are then in descending order.
  std::vector<float> clip_scores;
  Rect window;  // inpaint: the square window the model saw (the first, when there are several)
  std::vector<Rect> windows;  // inpaint: every window, one per group of mask regions
  // GLIDE: per candidate, the base stage's 8-bit outputs (one per window), for finishing a
  // candidate of a run with upsample off (InpaintRequest::finish_from).
  std::vector<std::vector<Image>> base_images;
  // Generation parameters, for PNG text chunks and the run history: "prompt",
  // "steps", "sampler", "cfg_scale", "seed", "size", "model", "model_hash", ...
  std::map<std::string, std::string> parameters;
  double seconds = 0;
};

}  // namespace pb
