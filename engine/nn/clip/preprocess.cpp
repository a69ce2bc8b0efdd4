#include "engine/nn/clip/preprocess.h"

#include <string>

#include "engine/core/error.h"
#include "engine/nn/common/image_resize.h"

namespace pb::nn::clip {

torch::Tensor normalize_image(const torch::Tensor& hwc_uint8) {
  if (!hwc_uint8.defined() || hwc_uint8.scalar_type() != torch::kByte ||
      (hwc_uint8.dim() != 3 && hwc_uint8.dim() != 4) || hwc_uint8.size(-1) != 3)
    throw Error(ErrorCode::invalid_argument,
                "CLIP normalize_image: expected a uint8 [H, W, 3] or [B, H, W, 3] tensor");
  const torch::Tensor x = hwc_uint8.dim() == 3 ? hwc_uint8.unsqueeze(0) : hwc_uint8;
  const auto opts = torch::TensorOptions().dtype(torch::kFloat).device(x.device());
  const torch::Tensor mean = torch::tensor({kClipMean[0], kClipMean[1], kClipMean[2]}, opts);
  const torch::Tensor stdev = torch::tensor({kClipStd[0], kClipStd[1], kClipStd[2]}, opts);
  // Same float32 operation order as to_tensor (div 255) and normalize (sub, div).
  const torch::Tensor chw = x.permute({0, 3, 1, 2}).to(torch::kFloat).div(255);
  return chw.sub(mean.view({1, 3, 1, 1})).div(stdev.view({1, 3, 1, 1})).contiguous();
}

torch::Tensor preprocess_image(const std::uint8_t* rgb_hwc, int width, int height, int size) {
  if (!rgb_hwc || width <= 0 || height <= 0 || size <= 0)
    throw Error(ErrorCode::invalid_argument,
                "CLIP preprocess_image: need pixels and positive sizes, got " +
                    std::to_string(width) + "x" + std::to_string(height) + " -> " +
                    std::to_string(size));
  std::vector<std::uint8_t> resized =
      pb::nn::pil_bicubic_resize(rgb_hwc, width, height, 3, size, size);
  const torch::Tensor hwc = torch::from_blob(resized.data(), {size, size, 3}, torch::kByte);
  return normalize_image(hwc);  // copies out of `resized`
}

}  // namespace pb::nn::clip
