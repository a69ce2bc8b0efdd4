#pragma once
// Reader for the zip files torch.save and torch.jit.save write: the central directory
// is read from the end of a memory-mapped file (zip64 included). Tensor data is
// stored (uncompressed, 64-byte aligned) and read in place; small deflated entries
// (torch.jit.save compresses a TorchScript archive's code/ files) can be read as text.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/io/mmap_file.h"

namespace pb::io {

class ZipArchive {
 public:
  struct Entry {
    std::string name;
    std::uint64_t data_offset = 0;  // first byte of the entry's data in the file
    std::uint64_t size = 0;         // bytes in the file
    std::uint64_t uncompressed_size = 0;
    std::uint16_t method = 0;  // 0 = stored, 8 = deflate
  };

  // True if the bytes end with a zip end-of-central-directory record (cheap sniff).
  static bool looks_like_zip(ByteSpan file);

  // Throws pb::Error(bad_file) naming `path` on any inconsistency.
  ZipArchive(ByteSpan file, std::string path);

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& name) const;
  // The entry's bytes; throws (unsupported) for compressed entries, naming the entry.
  ByteSpan data(const Entry& entry) const;
  ByteSpan data(const std::string& name) const;
  // The entry's content, stored or deflated; throws (unsupported) naming the entry when
  // it holds more than max_size bytes (checked before inflating).
  std::string read(const Entry& entry, std::uint64_t max_size) const;

 private:
  [[noreturn]] void fail(const std::string& what) const;
  ByteSpan file_;
  std::string path_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace pb::io
