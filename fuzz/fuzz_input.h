#pragma once
// Shared by the fuzz targets: the readers take a path, so each input is written to one
// anonymous in-memory file (memfd) that is reopened through /proc/self/fd/N. No disk I/O,
// and a single file for the whole process (rewritten per input).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace pb::fuzz {

class InputFile {
 public:
  InputFile() {
    fd_ = memfd_create("pb-fuzz-input", 0);
    if (fd_ < 0) std::abort();  // the harness, not the code under test, is broken
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  // Replaces the file's content with the input; returns its path.
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    if (ftruncate(fd_, 0) != 0) std::abort();
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    return path_;
  }

 private:
  int fd_ = -1;
  std::string path_;
};

// One per process: LLVMFuzzerTestOneInput runs on one thread.
inline InputFile& input_file() {
  static InputFile file;
  return file;
}

}  // namespace pb::fuzz
