#pragma once
// Model-function wrappers for GLIDE's inpainting sampler (glide/README.md section 7.4):
// classifier-free guidance over a [cond; uncond] batch, and the known-region forcing of x0.
// The seeded noise sources live in noise.h (included here for the pipelines' convenience).
#include <torch/types.h>

#include "engine/diffusion/noise.h"
#include "engine/diffusion/sampler.h"

namespace pb::diffusion {

// Wraps a network that takes the full batch (rows [0, B/2) conditional, [B/2, B) unconditional)
// into a ModelFn. The network is fed cat([x[:B/2], x[:B/2]]) (the unconditional rows' own x
// is never used); the first C = x.size(1) output channels of every row become
// uncond + scale * (cond - uncond) of its half, the other channels stay the network's own.
// The output is cast to x's dtype first (an fp16 network's output is guided in float32).
// Throws pb::Error(invalid_argument) for an odd batch.
ModelFn classifier_free_guidance(ModelFn network, double scale);

// x0 -> x0 * (1 - mask) + image * mask, with inpaint_image already masked (source * mask) and
// inpaint_mask [B or 1, 1, H, W] with 1 = keep (known pixel). Moved to x0's device/dtype once.
DenoisedFn known_region_forcing(torch::Tensor inpaint_image, torch::Tensor inpaint_mask);

}  // namespace pb::diffusion
