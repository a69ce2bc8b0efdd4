#pragma once
// The names, dtypes and shapes of a checkpoint's tensors without reading their data: what
// checking a downloaded multi-GB model file needs (engine/runtime/model_verify.h). Every
// container format load_checkpoint reads (torch.save zip and Lightning .ckpt containers,
// legacy torch.save, safetensors, TorchScript archives) is parsed by the same readers with
// the same limits on hostile files; only the storages' bytes are left unread. Offsets and
// sizes are still checked against the file's size, so a truncated file fails here as it
// would when loaded.
//
// No LibTorch in this header: the app and CLI layers use it directly.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pb::io {

struct TensorInfo {
  std::string name;   // as Checkpoint::tensors names it ("model.cf_param", "0" for a tuple)
  std::string dtype;  // dtype_name(): "float32", "float16", "int64", ...
  std::vector<std::int64_t> shape;
  std::int64_t numel() const;
};

struct TensorListing {
  std::string path;
  std::string format;  // to_string(ContainerFormat): "torch_zip", "torchscript", ...
  std::uint64_t file_bytes = 0;
  std::vector<TensorInfo> tensors;              // checkpoint order
  std::map<std::string, std::string> metadata;  // as Checkpoint::metadata
};

// Throws pb::Error (file_not_found, io_error, bad_file, unsupported) naming the file and
// the problem, exactly as load_checkpoint would for the same file.
TensorListing list_tensors(const std::string& path);

}  // namespace pb::io
