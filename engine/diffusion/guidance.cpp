#include "engine/diffusion/guidance.h"

#include <memory>

#include "engine/core/error.h"

namespace pb::diffusion {

ModelFn classifier_free_guidance(ModelFn network, double scale) {
  if (!network) throw Error(ErrorCode::invalid_argument, "guidance needs a network function");
  return [network = std::move(network), scale](const torch::Tensor& x, const torch::Tensor& t) {
    const int64_t b = x.size(0);
    if (b % 2 != 0)
      throw Error(ErrorCode::invalid_argument,
                  "classifier-free guidance needs an even batch [cond; uncond], found " +
                      std::to_string(b) + " rows");
    const int64_t c = x.size(1);
    const torch::Tensor half = x.narrow(0, 0, b / 2);
    const torch::Tensor out = network(torch::cat({half, half}, 0), t).to(x.scalar_type());
    if (out.dim() != x.dim() || out.size(0) != b || out.size(1) < c)
      throw Error(ErrorCode::invalid_argument,
                  "guided network returned " + std::to_string(out.size(0)) + " rows of " +
                      std::to_string(out.size(1)) + " channels for " + std::to_string(b) +
                      " rows of " + std::to_string(c));
    const torch::Tensor eps = out.narrow(1, 0, c);
    const torch::Tensor cond = eps.narrow(0, 0, b / 2);
    const torch::Tensor uncond = eps.narrow(0, b / 2, b / 2);
    const torch::Tensor guided = uncond + scale * (cond - uncond);
    return torch::cat({torch::cat({guided, guided}, 0), out.narrow(1, c, out.size(1) - c)}, 1);
  };
}

DenoisedFn known_region_forcing(torch::Tensor inpaint_image, torch::Tensor inpaint_mask) {
  if (!inpaint_image.defined() || !inpaint_mask.defined())
    throw Error(ErrorCode::invalid_argument, "known-region forcing needs an image and a mask");
  // Cached per device/dtype of the x0 it meets (one job samples on one device).
  struct State {
    torch::Tensor image, mask, keep_out;
  };
  auto state =
      std::make_shared<State>(State{std::move(inpaint_image), std::move(inpaint_mask), {}});
  return [state](const torch::Tensor& x0) {
    if (state->image.device() != x0.device() || state->image.scalar_type() != x0.scalar_type() ||
        !state->keep_out.defined()) {
      state->image = state->image.to(x0.options());
      state->mask = state->mask.to(x0.options());
      state->keep_out = 1 - state->mask;
    }
    return x0 * state->keep_out + state->image * state->mask;
  };
}

}  // namespace pb::diffusion
