#include "engine/nn/clip/loader.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>

#include "engine/core/error.h"

namespace pb::nn::clip {

pb::io::TensorList prepare_clip_tensors(pb::io::TensorList tensors) {
  pb::io::TensorList out;
  out.reserve(tensors.size());
  for (auto& [name, t] : tensors) {
    const bool scalar_key = std::any_of(std::begin(kScalarKeys), std::end(kScalarKeys),
                                        [&](const char* k) { return name == k; });
    if (scalar_key) continue;
    // OpenAI's archive keeps Linear/conv weights in fp16; Karlo calls .float() after loading.
    if (t.defined() && (t.scalar_type() == torch::kHalf || t.scalar_type() == torch::kBFloat16))
      t = t.to(torch::kFloat);
    out.emplace_back(std::move(name), std::move(t));
  }
  return out;
}

pb::io::TensorList read_clip_tensors(const std::string& path) {
  return prepare_clip_tensors(pb::io::load_checkpoint(path).tensors);
}

Clip load_clip(const pb::io::TensorList& file_tensors, const std::string& source_name,
               const std::optional<Config>& config) {
  // Parameters must be normal tensors even when the caller is in inference mode: casts
  // made there would be inference tensors, which parameters cannot adopt.
  const c10::InferenceMode normal_tensors(false);
  const pb::io::TensorList tensors = prepare_clip_tensors(file_tensors);
  const Config c = config ? *config : infer_config(tensors, source_name);
  Clip model(c);
  pb::io::load_state_dict(*model, tensors, {}, source_name);
  model->eval();
  return model;
}

Clip load_clip(const std::string& path, const std::optional<Config>& config) {
  return load_clip(read_clip_tensors(path), path, config);
}

}  // namespace pb::nn::clip
