#pragma once
// Inpainting without diffusion models (OpenCV Telea / Navier-Stokes): what the app does when
// no weights are installed. Only pixels under the mask change.
#include "engine/core/requests.h"

namespace pb::pipelines {

// Throws pb::Error(invalid_argument) for a mask/image size or channel mismatch.
RunResult classic_fill(const ClassicFillRequest& request);

}  // namespace pb::pipelines
