#pragma once
// torch::nn::Conv2d (same options, same parameter names "weight", "bias") whose 3x3,
// stride-1 float32 convolutions on large CPU feature maps run as Winograd F(4x4, 3x3)
// through oneDNN, the library LibTorch itself calls for its convolutions.
//
// Why: convolutions are 80-92% of a float32 UNet step on the CPU, and LibTorch only runs
// oneDNN's direct algorithm. Winograd does 2.25x fewer multiplications; measured on a 2-core
// AVX-512 machine a 192-channel 256x256 convolution takes 77 ms instead of 147 ms, with a
// largest difference from the direct result of about 2e-6 of the output's magnitude.
//
// Cost: the weights in Winograd layout take 4x their size (6x6 tiles instead of 3x3), kept
// per module once the first call of a shape has made them. That is why it is used from a
// feature-map size on (the large maps have the few-channel, small weights): see
// default_cpu_winograd_min_pixels.
//
// Threads: forward may run from several threads at once; the cache is guarded.
#include <torch/nn/modules/conv.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace pb::nn {

// The feature-map size (H x W pixels) from which Conv2d uses Winograd on the CPU by default:
// 64 x 64 where oneDNN has its Winograd kernel (AVX-512), 0 (never) elsewhere or in a build
// without oneDNN. Measured (float32, 2 cores): from 64 x 64 the GLIDE upsampler's step takes
// 3.5 s instead of 5.3 s for 491 MiB of Winograd weights; from 32 x 32, 3.5 s for 977 MiB.
int64_t default_cpu_winograd_min_pixels();

struct WinogradPlan;

class Conv2dImpl : public torch::nn::Conv2dImpl {
 public:
  explicit Conv2dImpl(const torch::nn::Conv2dOptions& options);
  ~Conv2dImpl() override;

  torch::Tensor forward(const torch::Tensor& x);

  // 0: never Winograd (the reference's arithmetic). A change clears what was cached.
  void set_cpu_winograd_min_pixels(int64_t pixels);
  // Bytes held by the Winograd-layout weights made so far.
  std::size_t winograd_cache_bytes() const;

 private:
  bool winograd_applies(const torch::Tensor& x) const;
  // The plan for `rows` rows of x's shape and layout, made on first use. Only a one-row plan
  // transforms weights; a plan of more rows is supported only where it can share them.
  std::shared_ptr<const WinogradPlan> plan_for(const torch::Tensor& x, int64_t rows);
  void run(const WinogradPlan& plan, const torch::Tensor& x, const torch::Tensor& y,
           const torch::Tensor& bias) const;

  int64_t winograd_min_pixels_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const WinogradPlan>> plans_;  // one per input shape and layout
};
TORCH_MODULE(Conv2d);

// Sets the Winograd threshold of every pb::nn::Conv2d in root (itself included).
void set_cpu_winograd_min_pixels(torch::nn::Module& root, int64_t pixels);
// Bytes of Winograd-layout weights cached by every pb::nn::Conv2d in root.
std::size_t winograd_cache_bytes(const torch::nn::Module& root);

}  // namespace pb::nn
