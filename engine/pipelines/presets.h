#pragma once
// Named GLIDE setting presets as data: the GUI's preset menu, the CLI's --preset and the
// bench read this one table. "default" is the notebook of the mode (inpainting: guidance 5,
// DDPM upsampler; text2im: guidance 3, DDIM upsampler); "fast" trades quality for time with
// DPM-Solver++(2M) base stage and a DDIM upsampler, at 15 and 10 steps.
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

enum class GlideMode { inpaint, text2im };

const std::vector<GlidePreset>& glide_presets(GlideMode mode = GlideMode::inpaint);
// nullptr if unknown.
const GlidePreset* find_glide_preset(const std::string& name, GlideMode mode = GlideMode::inpaint);
// The preset whose sampling (samplers, respacings, eta, temperature) `settings` has, or
// nullptr: what a run read back from its parameters was made with.
const GlidePreset* match_glide_preset(const GlideSettings& settings,
                                      GlideMode mode = GlideMode::inpaint);
// "default, fast" for messages.
std::string glide_preset_names();

// "ddpm", "ddim", "dpmpp_2m": the CLI's names.
const char* to_string(SamplerKind kind);
// "DDPM", "DDIM", "DPM++ 2M": what a run's parameters (and the PNG) record.
const char* sampler_label(SamplerKind kind);
// Either form, case-insensitive ("dpm++2m" too); nullopt for anything else.
std::optional<SamplerKind> parse_sampler(const std::string& name);

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
