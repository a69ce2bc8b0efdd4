#pragma once
// Where and in which precision a model runs, as a loader needs it (the runtime's device
// policy decides; this is the plain result).
#include <torch/types.h>

#include <string>

namespace pb::pipelines {

struct Placement {
  torch::Device device = torch::kCPU;
  // The dtype of the networks' bodies: kFloat (parity), kHalf (CUDA, as the references),
  // kBFloat16 (the CPU fast mode). Norms, embeddings and outputs stay float32.
  torch::Dtype body_dtype = torch::kFloat;
  std::string label;  // "cpu float32 (2 threads)", "cuda:0 float16"
};

}  // namespace pb::pipelines
