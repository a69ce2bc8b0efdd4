#pragma once
// Checks of Karlo's decoder and 64->256 super-resolution U-Nets against
// shared/fixtures/unclip (its README is the specification), without Qt: asserted by
// tst_nn_unclip_unet and tst_diffusion_karlo_sampling, runnable on any device.
#include <string>
#include <vector>

#include "tests/parity/parity.h"

namespace pb::parity {

// decoder_small.io.pt (every recorded intermediate and the output) and sr_small.io.pt (both
// U-Nets) with the weights from each container (.ckpt, .safetensors). One check per tensor.
std::vector<Check> karlo_unet_forward(const std::string& fixtures, const Target& target);
// Whole trajectories fed the recorded noise: sample_decoder.io.pt (the image-variation run
// and the t2i.* run, guidance 8, learned-range variance, respacing "8") and sample_sr.io.pt
// (respacing "7", fixed-small variance, model_last_step at the final step). Per run: one check
// of the network given each step's recorded input, one of the step maths (x0, mean, next x)
// given the recorded network output, and one of the free-running chain.
std::vector<Check> karlo_unet_sampling(const std::string& fixtures, const Target& target);
// The real-size module trees (DecoderConfig::karlo(), SuperResConfig::karlo()) against
// manifest_decoder_900M_vit_l.json / manifest_sr_64_256_1.4B.json: every key in order, its
// shape, the parameter count, and the manifest's config parsing to the same model. Builds
// 3.6 GB and 5.5 GB models on the CPU, one at a time.
std::vector<Check> karlo_unet_manifests(const std::string& fixtures);

}  // namespace pb::parity
