#pragma once
// Karlo's diffusion prior against shared/fixtures/unclip (README sections 1.4, 1.5, 1.8,
// 1.11, 3.3, 3.6), with no Qt: asserted by tst_nn_unclip_prior and
// tst_diffusion_prior_sampling.
#include <string>
#include <vector>

#include "tests/parity/parity.h"

namespace pb::parity {

// prior_small.io.pt from prior_small.ckpt and .safetensors, with the per-job prefix cache
// and over the whole sequence (the reference's way): each recorded intermediate and the
// output; plus load_clip_stats(prior_small_clip_stats.th) against the io file's statistics.
std::vector<Check> prior_forward(const std::string& fixtures, const Target& target);

// sample_prior.io.pt, runs r8 and r25: the engine's sampler (x0 prediction, fixed-small
// variance, clamp +-10, guidance over [cond; uncond]) fed the recorded noise. Per run one
// check per quantity over all steps given the recorded inputs of each step, and one per
// quantity along the free-running chain, then img_feat = denormalize(x_0[:n]).
std::vector<Check> prior_sampling(const std::string& fixtures, const Target& target);

// The real-size module tree against manifest_prior_1B_vit_l.json: the config, every key in
// order, shapes, 1,022,028,544 parameters, no persistent buffers. Allocates ~4 GB of
// uninitialised (untouched) memory.
std::vector<Check> prior_manifest(const std::string& fixtures);

}  // namespace pb::parity
