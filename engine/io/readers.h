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

// A flat tensor of `numel` elements read from the file bytes at `offset` (a copy of its
// own: see mmap_file.h for why tensors never point into the mapping).
torch::Tensor storage_tensor(const std::shared_ptr<MappedFile>& file, std::uint64_t offset,
                             torch::ScalarType dtype, std::int64_t numel, const std::string& what);

// torch.save zip (root = the archive's top folder) and TorchScript archives.
Checkpoint read_torch_zip(const std::shared_ptr<MappedFile>& file, const ZipArchive& zip,
                          const std::string& root);
Checkpoint read_torchscript(const std::shared_ptr<MappedFile>& file, const ZipArchive& zip,
                            const std::string& root);
Checkpoint read_torch_legacy(const std::shared_ptr<MappedFile>& file);
Checkpoint read_safetensors(const std::shared_ptr<MappedFile>& file);

// Legacy files start with this protocol-2 pickle of the magic number 0x1950a86a20f9469cfc6c.
bool looks_like_torch_legacy(ByteSpan bytes);

// Names every tensor of an unpickled container (see Checkpoint::tensors) and renders
// its scalars into metadata.
void collect_tensors(const pickle::ValuePtr& root, Checkpoint& out);

// Unpickles `pkl`, resolving storages to tensors over `data/<key>` entries of the zip.
pickle::Result unpickle_zip_pickle(const std::shared_ptr<MappedFile>& file, const ZipArchive& zip,
                                   const std::string& root, const std::string& pkl_name);

}  // namespace pb::io::detail
