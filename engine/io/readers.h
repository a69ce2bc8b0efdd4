#pragma once
// Internal to pb_io: one reader per container format, and the shared pieces they use.
#include <memory>
#include <string>

#include "engine/io/checkpoint.h"
#include "engine/io/mmap_file.h"
#include "engine/io/pickle.h"

namespace pb::io {
class ZipArchive;
}

namespace pb::io::detail {

// What the readers make of each storage: a copy of its bytes, or a tensor on the meta
// device (dtype and shape only, no memory, no read) for list_tensors(). Both modes run
// the same parsing and the same bounds checks, so a truncated file fails either way.
enum class ReadMode { data, metadata };

// Every container format, sniffed from the bytes (load_checkpoint and list_tensors).
Checkpoint read_any(const std::shared_ptr<MappedFile>& file, ReadMode mode);
// read_any on the file at `path`; every failure becomes a pb::Error naming it.
Checkpoint read_file(const std::string& path, ReadMode mode);

// A flat tensor of `numel` elements read from the file bytes at `offset` (a copy of its
// own: see mmap_file.h for why tensors never point into the mapping).
torch::Tensor storage_tensor(const std::shared_ptr<MappedFile>& file, std::uint64_t offset,
                             torch::ScalarType dtype, std::int64_t numel, const std::string& what,
                             ReadMode mode = ReadMode::data);

// torch.save zip (root = the archive's top folder) and TorchScript archives.
Checkpoint read_torch_zip(const std::shared_ptr<MappedFile>& file, const ZipArchive& zip,
                          const std::string& root, ReadMode mode = ReadMode::data);
Checkpoint read_torchscript(const std::shared_ptr<MappedFile>& file, const ZipArchive& zip,
                            const std::string& root, ReadMode mode = ReadMode::data);
Checkpoint read_torch_legacy(const std::shared_ptr<MappedFile>& file,
                             ReadMode mode = ReadMode::data);
Checkpoint read_safetensors(const std::shared_ptr<MappedFile>& file,
                            ReadMode mode = ReadMode::data);

// Legacy files start with this protocol-2 pickle of the magic number 0x1950a86a20f9469cfc6c.
bool looks_like_torch_legacy(ByteSpan bytes);

// Names every tensor of an unpickled container (see Checkpoint::tensors) and renders
// its scalars into metadata.
void collect_tensors(const pickle::ValuePtr& root, Checkpoint& out);

// Unpickles `pkl`, resolving storages to tensors over `data/<key>` entries of the zip.
pickle::Result unpickle_zip_pickle(const std::shared_ptr<MappedFile>& file, const ZipArchive& zip,
                                   const std::string& root, const std::string& pkl_name,
                                   ReadMode mode = ReadMode::data);

}  // namespace pb::io::detail
