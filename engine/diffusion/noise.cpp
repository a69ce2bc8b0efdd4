#include "engine/diffusion/noise.h"

#include <ATen/CPUGeneratorImpl.h>

namespace pb::diffusion {

at::Generator make_generator(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

torch::Tensor seeded_randn(torch::IntArrayRef shape, at::Generator& generator,
                           const torch::TensorOptions& options) {
  // torch::randn locks the generator itself.
  const torch::Tensor noise = torch::randn(shape, generator, torch::TensorOptions(torch::kFloat));
  return noise.to(options.device(), options.dtype().toScalarType());
}

torch::Tensor seeded_randn(torch::IntArrayRef shape, uint64_t seed,
                           const torch::TensorOptions& options) {
  at::Generator generator = make_generator(seed);
  return seeded_randn(shape, generator, options);
}

NoiseFn seeded_noise(at::Generator generator) {
  return [generator](const torch::Tensor& like, int) mutable {
    return seeded_randn(like.sizes(), generator, like.options());
  };
}

NoiseFn seeded_noise(uint64_t seed) { return seeded_noise(make_generator(seed)); }

}  // namespace pb::diffusion
