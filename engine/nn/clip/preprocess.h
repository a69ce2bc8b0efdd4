#pragma once
// CLIP image preprocessing as Karlo's I2ISampler.preprocess does it (README section 2):
// a straight resize to size x size (aspect ratio not kept, no centre crop, unlike
// clip.load's transform), /255, normalised with CLIP's mean and std.
#include <torch/types.h>

#include <array>
#include <cstdint>

namespace pb::nn::clip {

inline constexpr std::array<float, 3> kClipMean{0.48145466f, 0.4578275f, 0.40821073f};
inline constexpr std::array<float, 3> kClipStd{0.26862954f, 0.26130258f, 0.27577711f};

// One RGB uint8 HWC image (row-major, 3 bytes per pixel) -> [1, 3, size, size] float32 on
// the CPU: pil_bicubic_resize to size x size, then (x / 255 - mean) / std in float32 in
// that order (torchvision's to_tensor + normalize). Throws pb::Error(invalid_argument) on
// null pixels or non-positive sizes.
torch::Tensor preprocess_image(const std::uint8_t* rgb_hwc, int width, int height, int size);

// The normalisation alone, of an already resized [H, W, 3] (or [B, H, W, 3]) uint8 tensor
// -> [1 or B, 3, H, W] float32.
torch::Tensor normalize_image(const torch::Tensor& hwc_uint8);

}  // namespace pb::nn::clip
