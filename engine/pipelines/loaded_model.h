#pragma once
// A model of any family as the engine's cache holds it: the module (immutable once loaded;
// per-job state lives with the job), where it came from and what it costs in memory. Each
// family's loader (glide_loader.h, karlo_loader.h) makes these; the runtime's ModelCache
// keeps them by role under a memory budget.
#include <torch/nn/module.h>

#include <cstddef>
#include <memory>
#include <string>

#include "engine/core/error.h"

namespace pb::pipelines {

struct LoadedModel {
  std::shared_ptr<torch::nn::Module> module;
  std::string path;         // the weights file
  std::string name;         // its file name, for generation parameters and progress
  std::string fingerprint;  // quick_file_fingerprint of the weights
  std::size_t bytes = 0;    // parameter and buffer memory

  // The module as its family's holder type (nn::glide::GlideUNet, nn::clip::Clip, ...).
  template <class Holder>
  Holder as() const {
    auto impl = std::dynamic_pointer_cast<typename Holder::ContainedType>(module);
    if (!impl) throw Error(ErrorCode::internal, "cached model " + path + " is of another family");
    return Holder(impl);
  }
};

// Parameter and buffer bytes of a module.
std::size_t module_bytes(const torch::nn::Module& module);

}  // namespace pb::pipelines
