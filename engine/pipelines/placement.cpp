#include "engine/pipelines/placement.h"

#include "engine/nn/common/conv2d.h"

namespace pb::pipelines {

void apply_conv_policy(torch::nn::Module& model, const Placement& placement) {
  nn::set_cpu_winograd_min_pixels(model,
                                  placement.winograd ? nn::default_cpu_winograd_min_pixels() : 0);
}

}  // namespace pb::pipelines
