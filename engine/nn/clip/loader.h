#pragma once
// Loading CLIP weights as published: OpenAI's ViT-L-14.pt (a TorchScript archive whose
// parameters are copied into native modules; its TorchScript code is never run) or a plain
// state_dict (.pt, .safetensors) with OpenAI's key names.
#include <optional>
#include <string>

#include "engine/io/checkpoint.h"
#include "engine/nn/clip/config.h"
#include "engine/nn/clip/model.h"

namespace pb::nn::clip {

// The archive's non-weight entries Karlo deletes before load_state_dict.
inline constexpr const char* kScalarKeys[] = {"input_resolution", "context_length", "vocab_size"};

// A CLIP checkpoint's tensors ready for load_state_dict: the scalar keys dropped,
// half-precision tensors cast to float32 (Karlo's .float()), order kept.
pb::io::TensorList prepare_clip_tensors(pb::io::TensorList tensors);
// load_checkpoint(path) + prepare_clip_tensors. Throws pb::Error as load_checkpoint does.
pb::io::TensorList read_clip_tensors(const std::string& path);

// Builds the model (config inferred from the shapes with heads = width / 64 unless given:
// the small fixture model needs its config) and loads the weights strictly, in float32 on
// the CPU, eval mode. Throws pb::Error naming the file: file_not_found / bad_file from the
// reader, shape_mismatch listing every missing or unexpected key and wrong shape.
Clip load_clip(const std::string& path, const std::optional<Config>& config = std::nullopt);
// The same from tensors already read (prepared here; source_name is used in messages).
Clip load_clip(const pb::io::TensorList& tensors, const std::string& source_name,
               const std::optional<Config>& config = std::nullopt);

}  // namespace pb::nn::clip
