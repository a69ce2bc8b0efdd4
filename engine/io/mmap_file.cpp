#include "engine/io/mmap_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/core/error.h"

namespace pb::io {

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    throw Error(err == ENOENT ? ErrorCode::file_not_found : ErrorCode::io_error,
                path + ": cannot open: " + std::strerror(err));
  }
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->fd_ = fd;  // closed by the destructor from here on
  file->path_ = path;
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    throw Error(ErrorCode::io_error, path + ": not a regular file");
  file->size_ = static_cast<std::size_t>(st.st_size);
  if (file->size_ > 0) {
    void* p = mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
      throw Error(ErrorCode::io_error, path + ": cannot map: " + std::strerror(errno));
    file->data_ = static_cast<std::uint8_t*>(p);
  }
  return file;
}

void MappedFile::read_at(std::uint64_t offset, void* out, std::size_t length) const {
  auto* dst = static_cast<char*>(out);
  while (length > 0) {
    const ssize_t n = pread(fd_, dst, length, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw Error(ErrorCode::io_error,
                  path_ + ": cannot read " + std::to_string(length) + " bytes at offset " +
                      std::to_string(offset) +
                      (n < 0 ? std::string(": ") + std::strerror(errno)
                             : std::string(": the file is shorter than when it was opened")));
    dst += n;
    offset += static_cast<std::uint64_t>(n);
    length -= static_cast<std::size_t>(n);
  }
}

MappedFile::~MappedFile() {
  if (data_) munmap(data_, size_);
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace pb::io
