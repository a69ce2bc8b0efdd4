#pragma once
// Loads GLIDE's four published models for the engine's cache.
#include <string>

#include "engine/pipelines/loaded_model.h"
#include "engine/pipelines/placement.h"

namespace pb::pipelines {

// The GLIDE model of `role` ("base", "base-inpaint", "upsample", "upsample-inpaint") from
// `path`, placed as asked. Its Config is the published one for the role, unless a JSON
// options file with the weights' stem (base_inpaint.json beside base_inpaint.pt) exists:
// then that (nn::glide::config_from_json; how small test models are used). Throws pb::Error.
LoadedModel load_glide_model(const std::string& role, const std::string& path,
                             const Placement& placement);

// The JSON text of `path`'s side-car config (same stem, .json), or "" when there is none.
std::string sidecar_config(const std::string& path);

}  // namespace pb::pipelines
