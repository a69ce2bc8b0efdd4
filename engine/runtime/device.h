#pragma once
// Device, precision and CPU thread policy of the engine.
#include <torch/types.h>

#include <string>

namespace pb {

struct DeviceChoice {
  torch::Device device = torch::kCPU;
  bool half = false;  // the reference's fp16 body on CUDA
  bool bf16 = false;  // CPU: the body in bfloat16 (EngineConfig::precision)
  std::string label;  // "cpu float32 (2 threads)", "cuda:0 float16"
};

// "auto": CUDA when available, else CPU; "cpu"; "cuda" (throws pb::Error(device_unavailable)
// when this build or machine has none). Anything else: pb::Error(invalid_argument).
// `precision` applies to the CPU only: "auto" is bfloat16 where the CPU computes it natively
// (cpu_features.h) and float32 elsewhere; "bfloat16" falls back to float32 the same way, saying
// so in the label; "float32" is the reference's arithmetic (parity).
DeviceChoice choose_device(const std::string& requested, int threads,
                           const std::string& precision = "float32");

// CPU threads for the calling thread's LibTorch work: threads <= 0 means all cores.
// LibTorch here runs convolutions on OpenMP (oneDNN) and linears/matmuls on OpenBLAS, whose
// own thread pool competes with OpenMP's on few cores (glide/README.md section 10: 1 OpenBLAS
// thread + N OpenMP threads was fastest). So: OpenMP gets `threads`, OpenBLAS gets 1 (via
// openblas_set_num_threads when OpenBLAS is the loaded BLAS). Returns the thread count used.
int apply_thread_policy(int threads);

}  // namespace pb
