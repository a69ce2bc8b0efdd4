#pragma once
// Plain request and result structs of the engine API. Defaults follow the GLIDE
// inpainting notebook; presets (fast/default) are data in engine/pipelines/presets.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/image.h"

namespace pb {

enum class SamplerKind { ddpm, ddim };

struct GlideSettings {
  float guidance_scale = 5.0f;  // classifier-free guidance s (base stage only)
  // Respacing specs: a step count ("100", "50"), "ddimN", section counts or "fast27".
  std::string base_respacing = "100";
  std::string upsample_respacing = "fast27";
  float upsample_temperature = 0.997f;      // scales the upsampler's initial noise only
  SamplerKind sampler = SamplerKind::ddpm;  // base stage; the upsampler always uses DDPM
  float eta = 0.0f;                         // DDIM only
  std::optional<std::uint64_t> seed;        // none: random (the result reports the seed used)
  int candidates = 1;                       // images generated in one run
  bool upsample = true;                     // run the 64 -> 256 stage
};

struct InpaintRequest {
  Image image;  // RGB, any size
  Image mask;   // 1 channel, same size; 255 = change, 0 = keep
  std::string prompt;
  GlideSettings settings;
};

struct Text2ImRequest {
  std::string prompt;
  GlideSettings settings;
  int width = 256;  // output is generated square at 256 and resized to this size
  int height = 256;
};

enum class ClassicMethod { telea, navier_stokes };

struct ClassicFillRequest {
  Image image;  // RGB
  Image mask;   // 1 channel, 255 = change
  ClassicMethod method = ClassicMethod::telea;
  double radius = 5.0;
};

struct Rect {
  int x = 0, y = 0, width = 0, height = 0;
};

struct RunResult {
  std::vector<Image> images;         // one per candidate, at the source resolution
  std::vector<std::uint64_t> seeds;  // seed of each candidate
  Rect window;                       // inpaint: the square window the model saw
  // Generation parameters, for PNG text chunks and the run history: "prompt",
  // "steps", "sampler", "cfg_scale", "seed", "size", "model", "model_hash", ...
  std::map<std::string, std::string> parameters;
  double seconds = 0;
};

}  // namespace pb
