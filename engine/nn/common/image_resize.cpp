#include "engine/nn/common/image_resize.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/core/error.h"

namespace pb::nn {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // Pillow's PRECISION_BITS

double bicubic_filter(double x) {  // Pillow's, a = -0.5
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// One output pixel's taps: input range [first, first + weights.size()) and fixed-point weights.
struct Taps {
  int first = 0;
  std::vector<std::int32_t> weights;
};

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for in_size -> out_size (box = the
// whole image).
std::vector<Taps> coefficients(int in_size, int out_size) {
  const double scale = double(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = 2.0 * filterscale;  // bicubic support 2
  std::vector<Taps> taps(static_cast<std::size_t>(out_size));
  std::vector<double> k;
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    // (int) truncates toward zero, as in C; the arguments are >= -0.5 + 0.5 - support.
    const int xmin = std::max(int(center - support + 0.5), 0);
    const int xmax = std::min(int(center + support + 0.5), in_size) - xmin;
    k.assign(std::size_t(std::max(xmax, 0)), 0.0);
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[std::size_t(x)] = bicubic_filter((x + xmin - center + 0.5) * ss);
      ww += k[std::size_t(x)];
    }
    Taps& t = taps[std::size_t(xx)];
    t.first = xmin;
    t.weights.resize(k.size());
    for (std::size_t x = 0; x < k.size(); ++x) {
      const double w = ww != 0.0 ? k[x] / ww : k[x];
      const double f = w * double(1 << kPrecisionBits);
      t.weights[x] = std::int32_t(w < 0 ? -0.5 + f : 0.5 + f);
    }
  }
  return taps;
}

std::uint8_t clip8(std::int32_t acc) {
  if (acc >= (1 << kPrecisionBits << 8)) return 255;
  if (acc <= 0) return 0;
  return std::uint8_t(acc >> kPrecisionBits);
}

}  // namespace

std::vector<std::uint8_t> pil_bicubic_resize(const std::uint8_t* pixels, int width, int height,
                                             int channels, int out_width, int out_height) {
  if (!pixels || width <= 0 || height <= 0 || out_width <= 0 || out_height <= 0 || channels < 1 ||
      channels > 4)
    throw Error(ErrorCode::invalid_argument,
                "pil_bicubic_resize: need pixels, positive sizes and 1..4 channels, got " +
                    std::to_string(width) + "x" + std::to_string(height) + "x" +
                    std::to_string(channels) + " -> " + std::to_string(out_width) + "x" +
                    std::to_string(out_height));
  const int C = channels;
  std::vector<std::uint8_t> src(pixels, pixels + std::size_t(width) * height * C);

  if (out_width != width) {  // horizontal pass
    const std::vector<Taps> taps = coefficients(width, out_width);
    std::vector<std::uint8_t> dst(std::size_t(out_width) * height * C);
    for (int y = 0; y < height; ++y) {
      const std::uint8_t* row = src.data() + std::size_t(y) * width * C;
      std::uint8_t* out = dst.data() + std::size_t(y) * out_width * C;
      for (int xx = 0; xx < out_width; ++xx) {
        const Taps& t = taps[std::size_t(xx)];
        for (int c = 0; c < C; ++c) {
          std::int32_t acc = 1 << (kPrecisionBits - 1);
          for (std::size_t x = 0; x < t.weights.size(); ++x)
            acc += std::int32_t(row[(std::size_t(t.first) + x) * C + c]) * t.weights[x];
          out[std::size_t(xx) * C + c] = clip8(acc);
        }
      }
    }
    src.swap(dst);
    width = out_width;
  }
  if (out_height != height) {  // vertical pass
    const std::vector<Taps> taps = coefficients(height, out_height);
    const std::size_t stride = std::size_t(width) * C;
    std::vector<std::uint8_t> dst(std::size_t(out_height) * stride);
    for (int yy = 0; yy < out_height; ++yy) {
      const Taps& t = taps[std::size_t(yy)];
      std::uint8_t* out = dst.data() + std::size_t(yy) * stride;
      for (std::size_t i = 0; i < stride; ++i) {
        std::int32_t acc = 1 << (kPrecisionBits - 1);
        for (std::size_t y = 0; y < t.weights.size(); ++y)
          acc += std::int32_t(src[(std::size_t(t.first) + y) * stride + i]) * t.weights[y];
        out[i] = clip8(acc);
      }
    }
    src.swap(dst);
  }
  return src;
}

torch::Tensor resize_bicubic_antialias(const torch::Tensor& x, int64_t height, int64_t width) {
  if (!x.defined() || (x.dim() != 3 && x.dim() != 4) || !x.is_floating_point() || height <= 0 ||
      width <= 0)
    throw Error(ErrorCode::invalid_argument,
                "resize_bicubic_antialias: need a float [N, C, H, W] or [C, H, W] tensor and "
                "positive sizes, got " +
                    (x.defined() ? std::to_string(x.dim()) + "-d " +
                                       std::string(c10::toString(x.scalar_type()))
                                 : std::string("nothing")) +
                    " -> " + std::to_string(height) + "x" + std::to_string(width));
  const bool unbatched = x.dim() == 3;
  const torch::Tensor in = (unbatched ? x.unsqueeze(0) : x).contiguous();
  // F.interpolate(mode="bicubic", antialias=True, align_corners=False) with a size given.
  torch::Tensor out = at::_upsample_bicubic2d_aa(in, {height, width}, /*align_corners=*/false,
                                                 c10::nullopt, c10::nullopt);
  return unbatched ? out.squeeze(0) : out;
}

}  // namespace pb::nn
