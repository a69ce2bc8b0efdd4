#include "engine/io/tensor_listing.h"

#include <filesystem>

#include "engine/io/inspect.h"
#include "engine/io/readers.h"

namespace pb::io {

std::int64_t TensorInfo::numel() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

TensorListing list_tensors(const std::string& path) {
  const Checkpoint ck = detail::read_file(path, detail::ReadMode::metadata);
  TensorListing out;
  out.path = path;
  out.format = to_string(ck.format);
  std::error_code ec;
  out.file_bytes = std::filesystem::file_size(path, ec);
  out.metadata = ck.metadata;
  out.tensors.reserve(ck.tensors.size());
  for (const auto& [name, t] : ck.tensors) {
    TensorInfo info;
    info.name = name;
    info.dtype = dtype_name(t.scalar_type());
    info.shape.assign(t.sizes().begin(), t.sizes().end());
    out.tensors.push_back(std::move(info));
  }
  return out;
}

}  // namespace pb::io
