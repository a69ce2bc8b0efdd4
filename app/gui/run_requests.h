#pragma once
// The engine settings of a run: RunSettings (the UI's, engine-free) mapped to the pb::
// requests' settings, the quality preset resolved to the engine's presets.
#include "engine/core/requests.h"
#include "ui/panels/run_settings.h"

namespace pbapp {

pb::GlideSettings glideSettings(const RunSettings& s);
pb::KarloSettings karloSettings(const RunSettings& s);  // Variations
pb::MaskSettings maskSettings(const MaskRefinement& r);  // Inpaint
// The GLIDE inpainting request for a document's image and mask (255 = change).
pb::InpaintRequest inpaintRequest(const QImage& image, const QImage& mask, const RunSettings& s);

}  // namespace pbapp
