// torch.save zip files (PyTorch >= 1.6): <root>/data.pkl, <root>/data/<key> storages.
#include <map>

#include "engine/core/error.h"
#include "engine/io/readers.h"
#include "engine/io/zip_archive.h"

namespace pb::io::detail {
namespace {

// A stored pickle costs its size in the file; a deflated one could be ~1000x that.
constexpr std::uint64_t kMaxCompressedPickle = std::uint64_t{64} << 20;

}  // namespace

torch::Tensor storage_tensor(const std::shared_ptr<MappedFile>& file, std::uint64_t offset,
                             torch::ScalarType dtype, std::int64_t numel, const std::string& what,
                             ReadMode mode) {
  const std::uint64_t item = c10::elementSize(dtype);
  if (numel < 0 || static_cast<std::uint64_t>(numel) > file->size() / item)
    throw Error(ErrorCode::bad_file, file->path() + ": " + what + " claims " +
                                         std::to_string(numel) +
                                         " elements, more than the file holds");
  const std::uint64_t nbytes = static_cast<std::uint64_t>(numel) * item;
  if (!ByteSpan{file->data(), file->size()}.contains(offset, nbytes))
    throw Error(ErrorCode::bad_file,
                file->path() + ": " + what + " extends past the end of the file (truncated?)");
  if (mode == ReadMode::metadata)
    return torch::empty({numel}, torch::TensorOptions().dtype(dtype).device(torch::kMeta));
  torch::Tensor t = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
  if (nbytes) file->read_at(offset, t.data_ptr(), nbytes);
  return t;
}

pickle::Result unpickle_zip_pickle(const std::shared_ptr<MappedFile>& file, const ZipArchive& zip,
                                   const std::string& root, const std::string& pkl_name,
                                   ReadMode mode) {
  const std::string where = file->path() + ": " + pkl_name;
  std::map<std::string, std::shared_ptr<pickle::Storage>> storages;
  pickle::PersistentLoad load = [&](const pickle::Value& pid) -> pickle::ValuePtr {
    pickle::StorageId id = pickle::parse_storage_id(pid, where);
    auto& storage = storages[id.key];
    if (!storage) {
      const std::string entry_name = root + "/data/" + id.key;
      const ZipArchive::Entry* entry = zip.find(entry_name);
      if (!entry)
        throw Error(ErrorCode::bad_file,
                    file->path() + ": storage '" + id.key + "' is missing (no " + entry_name + ")");
      ByteSpan bytes = zip.data(*entry);
      if (bytes.size < static_cast<std::uint64_t>(id.numel) * c10::elementSize(id.dtype))
        throw Error(ErrorCode::bad_file, file->path() + ": storage '" + id.key + "' holds " +
                                             std::to_string(bytes.size) + " bytes, less than its " +
                                             std::to_string(id.numel) + " elements need");
      storage = std::make_shared<pickle::Storage>();
      storage->key = id.key;
      storage->dtype = id.dtype;
      storage->numel = id.numel;
      storage->data = storage_tensor(file, entry->data_offset, id.dtype, id.numel,
                                     "storage '" + id.key + "'", mode);
    } else if (storage->dtype != id.dtype) {
      throw Error(ErrorCode::bad_file,
                  where + ": storage '" + id.key + "' is referenced with two different types");
    }
    auto v = std::make_shared<pickle::Value>();
    v->kind = pickle::Kind::storage;
    v->storage = storage;
    return v;
  };
  const std::string entry_name = root + "/" + pkl_name;
  const ZipArchive::Entry* entry = zip.find(entry_name);
  if (!entry)
    throw Error(ErrorCode::bad_file, file->path() + ": zip entry '" + entry_name + "' is missing");
  std::string inflated;  // only for a (non-PyTorch) writer that compressed the pickle
  ByteSpan bytes;
  if (entry->method == 0) {
    bytes = zip.data(*entry);
  } else {
    inflated = zip.read(*entry, kMaxCompressedPickle);
    bytes = {reinterpret_cast<const std::uint8_t*>(inflated.data()), inflated.size()};
  }
  pickle::Result result = pickle::unpickle(bytes, where, load);
  pickle::materialize_tensors(result.tensors, where);
  return result;
}

Checkpoint read_torch_zip(const std::shared_ptr<MappedFile>& file, const ZipArchive& zip,
                          const std::string& root, ReadMode mode) {
  if (const auto* order = zip.find(root + "/byteorder")) {
    ByteSpan b = zip.data(*order);
    if (std::string(reinterpret_cast<const char*>(b.data), b.size) == "big")
      throw Error(ErrorCode::unsupported, file->path() + ": big-endian checkpoint");
  }
  Checkpoint ck;
  ck.path = file->path();
  ck.format = ContainerFormat::torch_zip;
  pickle::Result r = unpickle_zip_pickle(file, zip, root, "data.pkl", mode);
  collect_tensors(r.root, ck);
  return ck;
}

}  // namespace pb::io::detail
