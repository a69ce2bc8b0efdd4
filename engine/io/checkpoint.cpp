#include "engine/io/checkpoint.h"

#include <cstring>

#include "engine/core/error.h"
#include "engine/io/readers.h"
#include "engine/io/zip_archive.h"

namespace pb::io {
namespace {

Checkpoint read_zip(const std::shared_ptr<MappedFile>& file, ByteSpan bytes,
                    detail::ReadMode mode) {
  ZipArchive zip(bytes, file->path());
  // torch.save and torch.jit.save put everything under one top folder.
  std::string root;
  for (const auto& e : zip.entries()) {
    const std::string suffix = "/data.pkl";
    if (e.name.size() > suffix.size() &&
        e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        e.name.find('/') == e.name.size() - suffix.size()) {
      root = e.name.substr(0, e.name.size() - suffix.size());
      break;
    }
  }
  if (root.empty()) {
    for (const auto& e : zip.entries())
      if (e.name.find("model.json") != std::string::npos ||
          e.name.find("attributes.pkl") != std::string::npos)
        throw Error(ErrorCode::unsupported,
                    file->path() +
                        ": TorchScript archive of a pre-1.4 PyTorch (model.json); "
                        "re-save it with a newer PyTorch");
    throw Error(ErrorCode::bad_file, file->path() +
                                         ": zip archive without <folder>/data.pkl: not a "
                                         "torch.save or TorchScript file");
  }
  if (zip.find(root + "/constants.pkl")) return detail::read_torchscript(file, zip, root, mode);
  return detail::read_torch_zip(file, zip, root, mode);
}

}  // namespace

Checkpoint detail::read_any(const std::shared_ptr<MappedFile>& file, ReadMode mode) {
  ByteSpan bytes{file->data(), file->size()};
  const std::string& path = file->path();
  if (bytes.size == 0) throw Error(ErrorCode::bad_file, path + ": empty file");
  if (bytes.size >= 4 && std::memcmp(bytes.data, "PK\x03\x04", 4) == 0)
    return read_zip(file, bytes, mode);
  if (detail::looks_like_torch_legacy(bytes)) return detail::read_torch_legacy(file, mode);
  // safetensors: a little-endian u64 header length (far below 2^40) then '{'.
  if (bytes.size >= 9 && bytes.data[8] == '{' && bytes.data[5] == 0 && bytes.data[6] == 0 &&
      bytes.data[7] == 0)
    return detail::read_safetensors(file, mode);
  if (ZipArchive::looks_like_zip(bytes)) return read_zip(file, bytes, mode);
  if (bytes.data[0] == 0x80)
    throw Error(ErrorCode::bad_file,
                path + ": a Python pickle but not a torch.save file (no torch magic number)");
  throw Error(ErrorCode::bad_file,
              path +
                  ": unknown format (not a torch.save zip, legacy torch.save, safetensors "
                  "or TorchScript file)");
}

const char* to_string(ContainerFormat f) {
  switch (f) {
    case ContainerFormat::torch_zip:
      return "torch_zip";
    case ContainerFormat::torch_legacy:
      return "torch_legacy";
    case ContainerFormat::safetensors:
      return "safetensors";
    case ContainerFormat::torchscript:
      return "torchscript";
  }
  return "unknown";
}

const torch::Tensor* Checkpoint::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

Checkpoint detail::read_file(const std::string& path, ReadMode mode) {
  try {
    return read_any(MappedFile::open(path), mode);
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::out_of_memory, path + ": out of memory while reading");
  } catch (const std::exception& e) {
    // c10::Error and the like: keep the first line, which says what went wrong.
    std::string msg = e.what();
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    throw Error(ErrorCode::bad_file, path + ": " + msg);
  }
}

Checkpoint load_checkpoint(const std::string& path, const LoadOptions& options) {
  Checkpoint ck = detail::read_file(path, detail::ReadMode::data);
  if (!options.prefix.empty()) {
    TensorList kept;
    for (auto& [name, t] : ck.tensors)
      if (name.compare(0, options.prefix.size(), options.prefix) == 0)
        kept.emplace_back(name.substr(options.prefix.size()), std::move(t));
    ck.tensors = std::move(kept);
  }
  return ck;
}

}  // namespace pb::io
