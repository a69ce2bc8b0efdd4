#include "engine/pipelines/image_convert.h"

#include <cstring>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/core/error.h"
#include "engine/pipelines/image_header.h"

namespace pb::pipelines {

cv::Mat as_mat(const Image& image) {
  if (image.empty()) return {};
  return cv::Mat(image.height, image.width, CV_8UC(image.channels),
                 const_cast<std::uint8_t*>(image.pixels.data()));
}

Image from_mat(const cv::Mat& mat) {
  if (mat.empty()) return {};
  if (mat.depth() != CV_8U) throw Error(ErrorCode::internal, "from_mat: expected an 8-bit image");
  Image out(mat.cols, mat.rows, mat.channels());
  cv::Mat dst = as_mat(out);
  mat.copyTo(dst);
  return out;
}

namespace {

cv::Mat read_any(const std::string& path) {
  const ImageHeader header = check_image_header(path);  // size limits before decoding
  cv::Mat m;
  try {
    m = cv::imread(path, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw Error(ErrorCode::bad_file, "cannot decode image " + path + ": " + e.what());
  }
  if (m.empty())
    throw Error(ErrorCode::bad_file,
                "cannot decode image " + path + " (supported: PNG, JPEG, WebP, TIFF, BMP)");
  const bool as_declared = (m.cols == header.width && m.rows == header.height) ||
                           (m.cols == header.height && m.rows == header.width);  // rotated
  if (!as_declared)
    throw Error(ErrorCode::bad_file, "cannot decode image " + path + ": the header says " +
                                         std::to_string(header.width) + "x" +
                                         std::to_string(header.height) + ", the data " +
                                         std::to_string(m.cols) + "x" + std::to_string(m.rows));
  if (m.depth() == CV_16U) {
    m.convertTo(m, CV_8U, 1.0 / 257.0);
  } else if (m.depth() == CV_32F) {
    m.convertTo(m, CV_8U, 255.0);
  } else if (m.depth() != CV_8U) {
    throw Error(ErrorCode::unsupported, "unsupported pixel format in " + path);
  }
  return m;
}

}  // namespace

Image read_image_rgb(const std::string& path) {
  cv::Mat m = read_any(path);
  cv::Mat rgb;
  switch (m.channels()) {
    case 1:
      cv::cvtColor(m, rgb, cv::COLOR_GRAY2RGB);
      break;
    case 3:
      cv::cvtColor(m, rgb, cv::COLOR_BGR2RGB);
      break;
    case 4:
      cv::cvtColor(m, rgb, cv::COLOR_BGRA2RGB);
      break;
    default:
      throw Error(ErrorCode::unsupported, "unsupported channel count in " + path);
  }
  return from_mat(rgb);
}

Image read_mask(const std::string& path) {
  cv::Mat m = read_any(path);
  cv::Mat grey;
  if (m.channels() == 4) {
    cv::Mat alpha;
    cv::extractChannel(m, alpha, 3);
    double lowest = 0;
    cv::minMaxLoc(alpha, &lowest);
    if (lowest < 255) {
      // Transparent = change (an eraser-style mask).
      cv::subtract(cv::Scalar(255), alpha, grey);
      return from_mat(grey);
    }
    cv::cvtColor(m, grey, cv::COLOR_BGRA2GRAY);  // opaque everywhere: its grey values
  } else if (m.channels() == 3) {
    cv::cvtColor(m, grey, cv::COLOR_BGR2GRAY);
  } else if (m.channels() == 1) {
    grey = m;
  } else {
    throw Error(ErrorCode::unsupported, "unsupported channel count in mask " + path);
  }
  return from_mat(grey);
}

torch::Tensor image_to_tensor(const Image& rgb) {
  if (rgb.channels != 3) throw Error(ErrorCode::invalid_argument, "expected an RGB image");
  auto t = torch::from_blob(const_cast<std::uint8_t*>(rgb.pixels.data()),
                            {rgb.height, rgb.width, 3}, torch::kUInt8);
  return t.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32).div(127.5).sub(1.0).contiguous();
}

Image tensor_to_image(const torch::Tensor& chw) {
  auto t = chw.dim() == 4 ? chw[0] : chw;
  t = t.detach().to(torch::kCPU, torch::kFloat32);
  t = ((t + 1.0) * 127.5).round().clamp(0, 255).to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  Image out(int(t.size(1)), int(t.size(0)), 3);
  std::memcpy(out.pixels.data(), t.data_ptr<std::uint8_t>(), out.pixels.size());
  return out;
}

}  // namespace pb::pipelines
