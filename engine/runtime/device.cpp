#include "engine/runtime/device.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <torch/cuda.h>
#include <algorithm>

#include <thread>

#include "engine/core/cpu_features.h"
#include "engine/core/error.h"

namespace pb {

DeviceChoice choose_device(const std::string& requested, int threads,
                           const std::string& precision) {
  if (requested != "auto" && requested != "cpu" && requested != "cuda")
    throw Error(ErrorCode::invalid_argument,
                "device must be auto, cpu or cuda, got '" + requested + "'");
  if (precision != "auto" && precision != "float32" && precision != "bfloat16")
    throw Error(ErrorCode::invalid_argument,
                "precision must be auto, float32 or bfloat16, got '" + precision + "'");
  const bool cuda = torch::cuda::is_available();
  if (requested == "cuda" && !cuda)
    throw Error(ErrorCode::device_unavailable,
                "CUDA was requested but is not available (this build's LibTorch has no CUDA "
                "support or no GPU is visible); use --device cpu");
  DeviceChoice d;
  if (cuda && requested != "cpu") {
    d.device = torch::Device(torch::kCUDA, 0);
    d.half = true;
    d.label = "cuda:0 float16";
  } else {
    // bf16 only where the CPU computes it natively: elsewhere it is many times slower.
    d.bf16 = precision != "float32" && cpu_has_native_bf16();
    d.label = std::string("cpu ") + (d.bf16 ? "bfloat16" : "float32") + " (" +
              std::to_string(threads) + " threads)";
    if (precision == "bfloat16" && !d.bf16)
      d.label += " - bfloat16 was asked for, but this CPU has no native bfloat16 (AVX-512 BF16)";
  }
  return d;
}

int apply_thread_policy(int threads) {
  if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
  // Looked up at run time: OpenBLAS is LibTorch's BLAS on Debian but not everywhere.
  using SetThreads = void (*)(int);
  static const auto set_blas =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set_blas) set_blas(1);
  return threads;
}

}  // namespace pb
