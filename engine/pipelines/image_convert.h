#pragma once
// pb::Image <-> cv::Mat <-> torch::Tensor, and reading images/masks from files.
// Tensors follow the GLIDE convention: NCHW float32, RGB, values in [-1, 1].
#include <torch/types.h>

#include <opencv2/core/mat.hpp>
#include <string>

#include "engine/core/image.h"

namespace pb::pipelines {

// Wraps the pixels without copying (the Mat aliases image.pixels; keep image alive).
cv::Mat as_mat(const Image& image);
// Deep copy of an 8-bit 1/3/4-channel Mat (channel order as stored).
Image from_mat(const cv::Mat& mat);

// Reads PNG/JPEG/WebP/TIFF/BMP as RGB (alpha dropped). Throws pb::Error(file_not_found /
// bad_file) naming the file.
Image read_image_rgb(const std::string& path);
// Reads an edit mask: 255 = change, as the app imports one. A file whose alpha is not opaque
// everywhere is read as 255 - alpha (transparent = change); otherwise its grey values (white
// = change). Values are kept, not thresholded: the engine changes every pixel above 0, so a
// soft-edged mask the app exported gives the app's result, pixel for pixel.
Image read_mask(const std::string& path);

// [1, 3, H, W] float32 in [-1, 1] (v / 127.5 - 1).
torch::Tensor image_to_tensor(const Image& rgb);
// [3, H, W] or [1, 3, H, W] in [-1, 1] -> RGB Image ((x + 1) * 127.5, rounded, clamped).
Image tensor_to_image(const torch::Tensor& chw);

}  // namespace pb::pipelines
