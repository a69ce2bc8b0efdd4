#pragma once
// Writes tensors as a .safetensors file (the simplest container to write; the readers
// detect the format by content, not by file extension). Used by tests and benches to
// make random-weight models, and by tools that convert checkpoints.
#include <map>
#include <string>

#include "engine/io/checkpoint.h"

namespace pb::io {

// Throws pb::Error(io_error) naming the file when it cannot be written, and
// pb::Error(unsupported) for a dtype safetensors cannot hold.
void save_safetensors(const std::string& path, const TensorList& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// The module's parameters and buffers by their state_dict names, in registration order.
TensorList named_tensors(const torch::nn::Module& module);

}  // namespace pb::io
