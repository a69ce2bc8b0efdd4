#pragma once
// A read-only view of a whole file through a private memory map. Tensors adopt
// bytes from it without copying; they hold a shared_ptr so the mapping outlives the
// Checkpoint. The map is MAP_PRIVATE with write permission: an accidental in-place
// write to an adopted tensor copies the page instead of failing or touching the file.
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
  // Mutable because the mapping is copy-on-write (LibTorch's from_blob takes void*).
  std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  MappedFile() = default;
  std::string path_;
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
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
