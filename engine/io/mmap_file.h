#pragma once
// A read-only view of a whole file through a private memory map, for parsing the small
// parts of a checkpoint (zip directory, pickles, headers), and reads of its large parts
// (tensor storages) into memory of their own with read_at().
//
// Why tensors get copies rather than adopting mapped pages: a model stays loaded for
// hours, and a file truncated or rewritten on disk in that time (a new download over the
// old one) would turn every later touch of a mapped page into SIGBUS. Copies cost the
// same memory and about a second per few GB at load; the mapping is released with the
// Checkpoint's parsing.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace pb::io {

class MappedFile {
 public:
  // Throws pb::Error(file_not_found / io_error) naming the file.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  // Copies `length` bytes at `offset` into `out` with pread: a file that shrank since it
  // was opened gives pb::Error(io_error) naming it, not SIGBUS.
  void read_at(std::uint64_t offset, void* out, std::size_t length) const;

 private:
  MappedFile() = default;
  std::string path_;
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  int fd_ = -1;
};

// A bounds-checked slice of bytes; every reader goes through it so a truncated or
// corrupt file gives an error, never a read past the end.
struct ByteSpan {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  bool contains(std::uint64_t offset, std::uint64_t length) const {
    return offset <= size && length <= size - offset;
  }
};

}  // namespace pb::io
