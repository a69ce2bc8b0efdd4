#include "engine/pipelines/window.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "engine/core/error.h"
#include "engine/pipelines/image_convert.h"

namespace pb::pipelines {

namespace {

// Start of a window of `side` along an axis of length `len`, centred on `centre`.
int place(int centre, int side, int len) {
  if (side > len) return (len - side) / 2;  // larger than the image: centred, padded
  return std::clamp(centre - side / 2, 0, len - side);
}

cv::Rect to_cv(const Rect& r) { return {r.x, r.y, r.width, r.height}; }

void require_mask(const Image& source, const Image& mask) {
  if (mask.channels != 1 || mask.width != source.width || mask.height != source.height)
    throw Error(ErrorCode::invalid_argument,
                "the mask must be 1-channel and the same size as the image (image " +
                    std::to_string(source.width) + "x" + std::to_string(source.height) + ", mask " +
                    std::to_string(mask.width) + "x" + std::to_string(mask.height) + "x" +
                    std::to_string(mask.channels) + ")");
}

}  // namespace

Rect mask_bbox(const Image& mask) {
  if (mask.empty()) return {};
  cv::Rect r = cv::boundingRect(as_mat(mask));
  return {r.x, r.y, r.width, r.height};
}

Rect choose_window(int w, int h, const Image& change_mask, const WindowOptions& options) {
  if (w <= 0 || h <= 0) throw Error(ErrorCode::invalid_argument, "empty image");
  const Rect box = mask_bbox(change_mask);
  const int longest_image_side = std::max(w, h);
  int side = 0, cx = w / 2, cy = h / 2;
  if (box.width == 0) {
    side = std::min(w, h);
  } else {
    const int longer = std::max(box.width, box.height);
    side = int(std::ceil(longer * (1.0 + options.context)));
    side = std::max(side, options.min_side);
    side = std::max(std::min(side, longest_image_side), longer);
    cx = box.x + box.width / 2;
    cy = box.y + box.height / 2;
  }
  return {place(cx, side, w), place(cy, side, h), side, side};
}

Image crop_window(const Image& image, const Rect& window) {
  const cv::Rect inside = to_cv(window) & cv::Rect(0, 0, image.width, image.height);
  if (inside.empty()) throw Error(ErrorCode::internal, "window outside the image");
  cv::Mat roi = as_mat(image)(inside);
  cv::Mat out;
  const int top = inside.y - window.y, left = inside.x - window.x;
  const int bottom = window.y + window.height - (inside.y + inside.height);
  const int right = window.x + window.width - (inside.x + inside.width);
  // BORDER_REFLECT_101 needs at least 2 pixels along a padded axis; a 1-pixel axis replicates.
  const int border =
      (inside.width > 1 && inside.height > 1) ? cv::BORDER_REFLECT_101 : cv::BORDER_REPLICATE;
  cv::copyMakeBorder(roi, out, top, bottom, left, right, border);
  return from_mat(out);
}

Image resize_image(const Image& image, int width, int height) {
  if (image.width == width && image.height == height) return image;
  const bool shrink = width * height < image.width * image.height;
  cv::Mat out;
  cv::resize(as_mat(image), out, cv::Size(width, height), 0, 0,
             shrink ? cv::INTER_AREA : cv::INTER_CUBIC);
  return from_mat(out);
}

Image model_generate_mask(const Image& window_change_mask, int size, int dilate_cells) {
  cv::Mat f;
  as_mat(window_change_mask).convertTo(f, CV_32F, 1.0 / 255.0);
  cv::Mat small;
  // Area averaging when shrinking and bilinear when enlarging are both nonzero wherever any
  // change pixel contributes to a cell: thresholding at > 0 is conservative.
  const bool shrink = size < window_change_mask.width;
  cv::resize(f, small, cv::Size(size, size), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat bin;
  cv::threshold(small, bin, 1e-6, 255.0, cv::THRESH_BINARY);
  bin.convertTo(bin, CV_8U);
  if (dilate_cells > 0) {
    cv::dilate(bin, bin,
               cv::getStructuringElement(cv::MORPH_RECT,
                                         cv::Size(2 * dilate_cells + 1, 2 * dilate_cells + 1)));
  }
  return from_mat(bin);
}

PasteGeometry paste_geometry(const Rect& window, const PasteOptions& options) {
  PasteGeometry g;
  g.dilate_px = options.dilate_px >= 0 ? options.dilate_px
                                       : std::max(2, int(std::lround(window.width / 64.0)));
  g.feather_px = options.feather_px >= 0 ? options.feather_px : g.dilate_px;
  return g;
}

Image paste_region(const Image& change_mask, const Rect& window, const PasteOptions& options) {
  const PasteGeometry g = paste_geometry(window, options);
  cv::Mat dilated;
  if (g.dilate_px > 0) {
    cv::dilate(as_mat(change_mask), dilated,
               cv::getStructuringElement(cv::MORPH_ELLIPSE,
                                         cv::Size(2 * g.dilate_px + 1, 2 * g.dilate_px + 1)));
  } else {
    dilated = as_mat(change_mask).clone();
  }
  // Nothing outside the window can change: the model never saw it.
  cv::Mat clipped = cv::Mat::zeros(dilated.size(), CV_8U);
  const cv::Rect inside = to_cv(window) & cv::Rect(0, 0, dilated.cols, dilated.rows);
  cv::threshold(dilated(inside), clipped(inside), 0, 255, cv::THRESH_BINARY);
  return from_mat(clipped);
}

Paster::Paster(const Image& source, const Image& change_mask, const Rect& window,
               const PasteOptions& options)
    : source_(source), window_(window) {
  require_mask(source, change_mask);
  const PasteGeometry g = paste_geometry(window, options);
  const Image region = paste_region(change_mask, window, options);
  inside_ = to_cv(window) & cv::Rect(0, 0, source.width, source.height);
  // Distance to the nearest pixel outside the region, ramped over feather_px: 0 outside,
  // 1 from feather_px inwards.
  // One more pixel around the window where the image continues, so that the region's zeros
  // outside the window (it is clipped to it) make the ramp reach 0 at an inner window edge.
  const cv::Rect grown =
      cv::Rect(inside_.x - 1, inside_.y - 1, inside_.width + 2, inside_.height + 2) &
      cv::Rect(0, 0, source.width, source.height);
  cv::Mat dist;
  cv::distanceTransform(as_mat(region)(grown), dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  alpha_ = dist(cv::Rect(inside_.x - grown.x, inside_.y - grown.y, inside_.width, inside_.height))
               .clone();
  if (g.feather_px > 0) {
    alpha_ *= 1.0 / g.feather_px;
  } else {
    cv::threshold(alpha_, alpha_, 0, 1.0, cv::THRESH_BINARY);
  }
  cv::min(alpha_, 1.0, alpha_);
}

Image Paster::paste(const Image& generated) const {
  if (generated.channels != source_.channels)
    throw Error(ErrorCode::internal, "paste_back: channel count differs");
  const Image full = resize_image(generated, window_.width, window_.height);
  const cv::Mat gen = as_mat(full)(
      cv::Rect(inside_.x - window_.x, inside_.y - window_.y, inside_.width, inside_.height));
  Image out = source_;
  cv::Mat dst = as_mat(out)(inside_);
  const int c = source_.channels;
  for (int y = 0; y < inside_.height; ++y) {
    const float* a = alpha_.ptr<float>(y);
    const std::uint8_t* gp = gen.ptr<std::uint8_t>(y);
    std::uint8_t* dp = dst.ptr<std::uint8_t>(y);
    for (int x = 0; x < inside_.width; ++x) {
      if (a[x] <= 0.f) continue;  // outside the dilated mask: untouched bytes
      for (int k = 0; k < c; ++k) {
        const float v = a[x] * gp[x * c + k] + (1.f - a[x]) * dp[x * c + k];
        dp[x * c + k] = std::uint8_t(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return out;
}

Image paste_back(const Image& source, const Image& change_mask, const Rect& window,
                 const Image& generated, const PasteOptions& options) {
  return Paster(source, change_mask, window, options).paste(generated);
}

Image composite_alpha(const Image& change_mask, const MaskSettings& settings,
                      const WindowOptions& options) {
  const Rect window = choose_window(change_mask.width, change_mask.height, change_mask, options);
  PasteOptions paste;
  if (settings.grow_px) paste.dilate_px = std::max(0, *settings.grow_px);
  if (settings.feather_px) paste.feather_px = std::max(0, *settings.feather_px);
  const Image zeros(change_mask.width, change_mask.height, 1);
  const Image ones(window.width, window.height, 1, 255);
  return Paster(zeros, change_mask, window, paste).paste(ones);
}

}  // namespace pb::pipelines
