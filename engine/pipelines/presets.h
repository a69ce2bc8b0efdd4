#pragma once
// Named GLIDE setting presets as data: the GUI's preset menu, the CLI's --preset and the
// bench read this one table. "default" is the inpainting notebook; "fast" trades quality for
// time with a DDIM base stage.
#include <string>
#include <vector>

#include "engine/runtime/requests.h"

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

const char* to_string(SamplerKind kind);

}  // namespace pb::pipelines
