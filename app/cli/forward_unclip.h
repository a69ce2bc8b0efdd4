#pragma once
// The unCLIP half of `promptbrush-cli forward`: one forward pass of CLIP, Karlo's prior,
// decoder or SR on a fixture-style dict of tensors, outputs under the fixtures' names.
#include <torch/types.h>

#include <map>
#include <string>

namespace pbcli {

using TensorDict = std::map<std::string, torch::Tensor>;

struct UnclipForward {
  std::string model;        // "clip", "prior", "decoder", "sr"
  std::string config_path;  // for messages
  std::string config_json;  // small_configs.json (the entry named by model is used) or bare
  std::string weights;
  std::string inputs_path;  // for messages
  TensorDict inputs;
  torch::Device device = torch::kCPU;  // CUDA: the reference's float16 bodies
};

// Throws pb::Error naming the file, the key, the expected and the found.
TensorDict forward_unclip(const UnclipForward& job);

// torch.save-compatible plain dict of float32 CPU tensors. Throws pb::Error(io_error).
void write_tensor_dict(const TensorDict& tensors, const std::string& path);

}  // namespace pbcli
