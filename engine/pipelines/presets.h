#pragma once
// Named GLIDE setting presets as data: the GUI's preset menu, the CLI's --preset and the
// bench read this one table. "default" is the inpainting notebook; "fast" trades quality for
// time with a DDIM base stage.
#include <optional>
#include <string>
#include <vector>

#include "engine/core/requests.h"

namespace pb::pipelines {

struct GlidePreset {
  std::string name;
  std::string description;
  GlideSettings settings;  // seed and candidates are left at their defaults
};

const std::vector<GlidePreset>& glide_presets();
// nullptr if unknown.
const GlidePreset* find_glide_preset(const std::string& name);
// "default, fast" for messages.
std::string glide_preset_names();
// The preset whose sampling (samplers, respacings, eta, upsampler temperature) `s` has, if
// any: what a run's parameters record, so that restoring them shows the preset again.
// Guidance, seed, candidates and the stage switches are a run's own, not the preset's.
std::optional<std::string> match_glide_preset(const GlideSettings& s);

const char* to_string(SamplerKind kind);

// Karlo's sampler template (SAMPLING_CONF): "default" and "fast" differ only in the decoder's
// step count (50 vs 25); prior "25" with guidance 4, decoder guidance 8, SR "7".
struct KarloPreset {
  std::string name;
  std::string description;
  KarloSettings settings;  // seed and candidates are left at their defaults
};
const std::vector<KarloPreset>& karlo_presets();
const KarloPreset* find_karlo_preset(const std::string& name);  // nullptr if unknown
std::string karlo_preset_names();

}  // namespace pb::pipelines
