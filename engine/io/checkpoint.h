#pragma once
// Reading published model checkpoints as they are: torch.save zip files (state_dicts
// and Lightning-style containers), legacy pre-1.6 torch.save files, safetensors
// and TorchScript archives.
//
// Usage:
//   pb::io::Checkpoint ck = pb::io::load_checkpoint("base_inpaint.pt");   // throws pb::Error
//   pb::io::load_state_dict(*model, ck.tensors);                          // throws on mismatch
//
// Thread safety: the functions are reentrant; a Checkpoint is an immutable value once
// returned and may be shared between threads.
#include <torch/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace torch::nn {
class Module;
}

namespace pb::io {

enum class ContainerFormat { torch_zip, torch_legacy, safetensors, torchscript };
const char* to_string(ContainerFormat f);

// Ordered name -> tensor map (checkpoint order is kept: it is what a person sees in
// `inspect`, and the order published state_dicts use).
using TensorList = std::vector<std::pair<std::string, torch::Tensor>>;

struct Checkpoint {
  std::string path;
  ContainerFormat format = ContainerFormat::torch_zip;
  // Every tensor found. For containers such as {'state_dict': {...}, 'epoch': 3} the
  // tensors under the state_dict appear with their own names; tensors elsewhere get a
  // dotted path (e.g. "ema.weight", "stats.0" for a tuple element).
  TensorList tensors;
  // Non-tensor scalars and strings of the container (e.g. "epoch" -> "3",
  // "safetensors.format" -> "pt"), rendered as text; unknown objects as "<opaque module.Class>".
  std::map<std::string, std::string> metadata;

  const torch::Tensor* find(const std::string& name) const;
};

struct LoadOptions {
  // Only keep tensors whose name starts with this prefix, and strip it ("model." for a
  // Lightning checkpoint holding several networks). Empty: keep all.
  std::string prefix;
};

// Throws pb::Error (file_not_found, bad_file, unsupported) naming the file and the problem.
Checkpoint load_checkpoint(const std::string& path, const LoadOptions& options = {});

struct StateDictOptions {
  bool strict = true;  // missing or unexpected keys are errors
  // Cast loaded tensors to the parameter's dtype (published files may be fp16).
  bool cast_to_param_dtype = true;
};

struct StateDictReport {
  std::vector<std::string> missing;     // in the module, not in the file
  std::vector<std::string> unexpected;  // in the file, not in the module
  std::vector<std::string> mismatched;  // "name: expected [a, b], found [c, d]"
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  std::string to_string() const;  // every problem by name, one per line
};

// Copies (or adopts, without copying, where dtype and device already match) the
// tensors into the module's parameters and buffers by name. Reports every problem at
// once; with strict, throws pb::Error(shape_mismatch) carrying report.to_string() and
// the source name given. Shape mismatches always throw.
StateDictReport load_state_dict(torch::nn::Module& module, const TensorList& tensors,
                                const StateDictOptions& options = {},
                                const std::string& source_name = {});

}  // namespace pb::io
