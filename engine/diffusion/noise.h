#pragma once
// Per-job Gaussian noise from a seeded generator. Draws always happen on the CPU in float32
// and are then moved, so one seed gives the same noise on every device and LibTorch version
// that share torch's CPU normal sampler (the reference's torch.randn(shape, generator=g)
// with g = torch.Generator().manual_seed(seed) draws the identical stream).
//
// Usage (one generator per job, x_T first, then one draw per step):
//   at::Generator gen = pb::diffusion::make_generator(seed);
//   torch::Tensor x_T = pb::diffusion::seeded_randn({2, 3, 64, 64}, gen, opts);
//   sample_options.noise = pb::diffusion::seeded_noise(gen);
#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>

#include "engine/diffusion/sampler.h"

namespace pb::diffusion {

// A fresh CPU generator seeded with seed (torch.Generator().manual_seed(seed)).
at::Generator make_generator(uint64_t seed);

// N(0, 1) of this shape drawn from generator (advancing it), then cast/moved to options'
// dtype and device (float32 CPU by default).
torch::Tensor seeded_randn(torch::IntArrayRef shape, at::Generator& generator,
                           const torch::TensorOptions& options = {});
torch::Tensor seeded_randn(torch::IntArrayRef shape, uint64_t seed,
                           const torch::TensorOptions& options = {});

// A NoiseFn drawing like's shape from generator at every call (the handle shares the
// generator's state with the caller's copy), on like's device and dtype.
NoiseFn seeded_noise(at::Generator generator);
NoiseFn seeded_noise(uint64_t seed);

}  // namespace pb::diffusion
