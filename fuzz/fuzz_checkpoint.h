#pragma once
// Shared by the checkpoint fuzz targets: reads every tensor's first and last byte, so that a
// view the reader let through outside its storage shows up as an ASan report or a fault
// (summing would be too slow for the fuzzer and is what fuzz_inspect does).
#include <torch/types.h>

#include <cstdint>

#include "engine/io/checkpoint.h"

namespace pb::fuzz {

inline void touch_tensors(const pb::io::Checkpoint& ck) {
  volatile std::uint8_t sink = 0;
  for (const auto& [name, t] : ck.tensors) {
    if (!t.defined() || t.numel() == 0) continue;
    const auto* base = static_cast<const std::uint8_t*>(t.data_ptr());
    std::int64_t last = 0;
    for (std::int64_t d = 0; d < t.dim(); ++d) last += (t.size(d) - 1) * t.stride(d);
    const std::int64_t item = static_cast<std::int64_t>(t.element_size());
    sink = sink ^ base[0] ^ base[last * item + item - 1];
  }
  (void)sink;
}

}  // namespace pb::fuzz
