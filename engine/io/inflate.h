#pragma once
// A small raw-DEFLATE (RFC 1951) decoder for the few compressed zip entries PyTorch
// writes (torch.jit.save compresses the code/ files of a TorchScript archive; tensor
// data is always stored). Bounds-checked; output limited to `expected_size` bytes.
#include <cstdint>
#include <string>

#include "engine/io/mmap_file.h"

namespace pb::io {

// Throws pb::Error(bad_file) whose message starts with `where` on corrupt input or when
// the output would not be exactly `expected_size` bytes.
std::string inflate_raw(ByteSpan in, std::uint64_t expected_size, const std::string& where);

}  // namespace pb::io
