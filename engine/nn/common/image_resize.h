#pragma once
// Image resizing that reproduces the reference pipelines' resamplers exactly: Pillow's
// 8-bit bicubic (what torchvision's resize does to a PIL image) and PyTorch's antialiased
// bicubic on float tensors (what it does to a tensor). Pure C++ / LibTorch.
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace pb::nn {

// Pillow 9.4 Image.resize((out_width, out_height), BICUBIC) of 8-bit interleaved pixels
// (row-major, `channels` bytes per pixel, 1..4), bit for bit: separable cubic (a = -0.5)
// with support 2 * max(scale, 1) (antialiasing when shrinking), weights in 22-bit fixed
// point, horizontal pass first, each pass rounded to uint8. Channels are filtered
// independently, as Pillow does for L, RGB, RGBX and premultiplied RGBa; Pillow
// premultiplies RGBA / LA by alpha first, which this does not do. A pass whose size does
// not change is skipped (it is the identity). Throws pb::Error(invalid_argument) on
// non-positive sizes, a channel count outside 1..4 or null pixels.
std::vector<std::uint8_t> pil_bicubic_resize(const std::uint8_t* pixels, int width, int height,
                                             int channels, int out_width, int out_height);

// torchvision TVF.resize(x, [height, width], BICUBIC, antialias=True) of a float NCHW (or
// CHW) tensor: PyTorch's _upsample_bicubic2d_aa (a = -0.5, normalised taps, no border
// replication, no rounding or clamping), any device. Throws pb::Error(invalid_argument) on
// another rank, a non-floating dtype or non-positive sizes.
torch::Tensor resize_bicubic_antialias(const torch::Tensor& x, int64_t height, int64_t width);

}  // namespace pb::nn
