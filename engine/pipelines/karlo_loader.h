#pragma once
// Loads the unCLIP models (Karlo v1 alpha and OpenAI's CLIP ViT-L/14) from the files as they
// are published, for the engine's cache. Each uses the published configuration unless a JSON
// config with the weights' stem lies beside them (decoder-ckpt-step=01000000-of-01000000.json
// beside the .ckpt, ViT-L-14.json beside ViT-L-14.pt): then that, in the form of the
// fixtures' small_configs.json entries (how small test models are used).
#include <string>

#include "engine/pipelines/loaded_model.h"
#include "engine/pipelines/placement.h"

namespace pb::pipelines {

// ViT-L-14.pt (TorchScript archive; its code is never run) or a CLIP state_dict.
LoadedModel load_clip_model(const std::string& path, const Placement& placement);
// The prior, with the clip_mean / clip_std of stats_path (ViT-L-14_stats.th).
LoadedModel load_prior_model(const std::string& path, const std::string& stats_path,
                             const Placement& placement);
LoadedModel load_decoder_model(const std::string& path, const Placement& placement);
LoadedModel load_super_res_model(const std::string& path, const Placement& placement);

}  // namespace pb::pipelines
