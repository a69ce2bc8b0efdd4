#pragma once
// Where and in which precision a model runs, as a loader needs it (the runtime's device
// policy decides; this is the plain result).
#include <torch/nn/module.h>
#include <torch/types.h>

#include <string>

namespace pb::pipelines {

struct Placement {
  torch::Device device = torch::kCPU;
  // The dtype of the networks' bodies: kFloat (parity), kHalf (CUDA, as the references),
  // kBFloat16 (the CPU fast mode). Norms, embeddings and outputs stay float32.
  torch::Dtype body_dtype = torch::kFloat;
  std::string label;  // "cpu float32 (2 threads)", "cuda:0 float16"
  // float32 CPU convolutions of the large feature maps as Winograd, with their weights
  // cached in its layout (nn/common/conv2d.h: 4x their size). Off under a memory budget,
  // whose accounting counts the weights as loaded.
  bool winograd = true;
};

// Applies the placement's convolution choice to a loaded model (any family; those without
// pb::nn::Conv2d are unchanged). Cheap when nothing changes, so it runs for every job.
void apply_conv_policy(torch::nn::Module& model, const Placement& placement);

}  // namespace pb::pipelines
