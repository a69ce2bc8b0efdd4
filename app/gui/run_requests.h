#pragma once
// The engine settings of a run: RunSettings (the UI's, engine-free) mapped to the pb::
// requests' settings, the quality preset resolved to the engine's presets.
#include "engine/core/requests.h"
#include "ui/panels/run_settings.h"

namespace pbapp {

pb::GlideSettings glideSettings(const RunSettings& s);
pb::KarloSettings karloSettings(const RunSettings& s);  // Variations
pb::MaskSettings maskSettings(const RunSettings& s);    // Inpaint

}  // namespace pbapp
