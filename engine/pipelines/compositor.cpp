#include "engine/pipelines/compositor.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "engine/core/error.h"
#include "engine/pipelines/image_convert.h"

namespace pb::pipelines {

namespace {

cv::Mat ellipse(int radius) {
  return cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
}

// The largest colour step the match corrects: a larger one is more likely new content that
// differs from its surroundings on purpose than a cast.
constexpr double kMaxColourShift = 32.0;

// Builds a window's region, blend weights and colour bands from its group's painted pixels
// (painted_full: the whole image, 255 = painted and in this group).
void build_window(CompositeWindow& cw, const cv::Mat& painted_full) {
  const cv::Size image = painted_full.size();
  cw.inside = cv::Rect(cw.window.x, cw.window.y, cw.window.width, cw.window.height) &
              cv::Rect(0, 0, image.width, image.height);
  // One more pixel around the window where the image continues: the region is clipped to
  // the window, so its zeros just outside make the ramp reach 0 at an inner window edge.
  const cv::Rect grown =
      cv::Rect(cw.inside.x - 1, cw.inside.y - 1, cw.inside.width + 2, cw.inside.height + 2) &
      cv::Rect(0, 0, image.width, image.height);
  const cv::Rect in_grown(cw.inside.x - grown.x, cw.inside.y - grown.y, cw.inside.width,
                          cw.inside.height);
  // Dilation reaches at most grow_px beyond the window, so pad the painted crop by it.
  const int g = cw.grow_px;
  const int pad = std::abs(g) + 1;
  const cv::Rect src_rect =
      cv::Rect(grown.x - pad, grown.y - pad, grown.width + 2 * pad, grown.height + 2 * pad) &
      cv::Rect(0, 0, image.width, image.height);
  cv::Mat painted = painted_full(src_rect).clone();
  cv::Mat reg;
  if (g > 0)
    cv::dilate(painted, reg, ellipse(g));
  else if (g < 0)
    // Outside the image counts as painted so that a region at the border stays at it.
    cv::erode(painted, reg, ellipse(-g), cv::Point(-1, -1), 1, cv::BORDER_CONSTANT,
              cv::Scalar(255));
  else
    reg = painted;
  const cv::Rect g_in(grown.x - src_rect.x, grown.y - src_rect.y, grown.width, grown.height);
  cv::Mat region_g = cv::Mat::zeros(grown.size(), CV_8U);
  reg(g_in)(in_grown).copyTo(region_g(in_grown));  // clipped to the window
  cw.region = region_g(in_grown).clone();

  cv::Mat dist_in, dist_out;
  cv::distanceTransform(region_g, dist_in, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  cv::Mat alpha = dist_in(in_grown).clone();
  const int f = cw.feather_px;
  if (f > 0) {
    // (d - 0.5) / f: the outermost ring of the region is at 0.5 / f, not at 1 / f.
    alpha -= 0.5;
    alpha *= 1.0 / f;
    cv::max(alpha, 0.0, alpha);
    cv::min(alpha, 1.0, alpha);
    alpha.setTo(0.0, cw.region == 0);
  } else {
    cv::threshold(alpha, alpha, 0, 1.0, cv::THRESH_BINARY);
  }
  if (g >= 0) alpha.setTo(1.0, painted(g_in)(in_grown) > 0);  // never a ghost of the painted
  cw.alpha = alpha;

  // Colour bands: the result's pixels within r inside the region, the source's within r
  // outside it (over the image only).
  const int r = std::max(2, f);
  cv::Mat not_region = 255 - region_g;
  cv::distanceTransform(not_region, dist_out, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  cw.inner = (dist_in(in_grown) > 0) & (dist_in(in_grown) <= r);
  cw.outer = (dist_out(in_grown) > 0) & (dist_out(in_grown) <= r);
}

}  // namespace

int default_grow_px(const Rect& window) {
  return std::max(2, int(std::lround(window.width / 64.0)));
}

CompositePlan plan_composite(const Image& change_mask, const MaskSettings& s,
                             const WindowOptions& options) {
  if (change_mask.channels != 1 || change_mask.empty())
    throw Error(ErrorCode::invalid_argument, "the mask must be a non-empty 1-channel image, got " +
                                                 std::to_string(change_mask.width) + "x" +
                                                 std::to_string(change_mask.height) + "x" +
                                                 std::to_string(change_mask.channels));
  CompositePlan plan;
  plan.width = change_mask.width;
  plan.height = change_mask.height;
  plan.colour_match = s.colour_match;
  const cv::Mat painted = as_mat(change_mask) > 0;
  // An explicit growth must fit the windows too: choose them around the grown strokes.
  cv::Mat labels;
  std::vector<Rect> windows;
  if (s.grow_px && *s.grow_px > 0) {
    cv::Mat grown;
    cv::dilate(painted, grown, ellipse(*s.grow_px));
    windows = choose_windows(plan.width, plan.height, from_mat(grown), options, &labels);
  } else {
    windows = choose_windows(plan.width, plan.height, change_mask, options, &labels);
  }
  for (size_t i = 0; i < windows.size(); ++i) {
    CompositeWindow cw;
    cw.window = windows[i];
    cw.grow_px = s.grow_px ? *s.grow_px : default_grow_px(cw.window);
    const int feather = s.feather_px ? std::max(0, *s.feather_px) : std::max(2, cw.grow_px);
    // Growing, the ramp stays in the grown ring: it never reaches into painted pixels.
    cw.feather_px = cw.grow_px >= 0 ? std::min(feather, cw.grow_px) : feather;
    cv::Mat group = painted & (labels == int(i) + 1);
    build_window(cw, group);
    if (cv::countNonZero(cw.region) > 0) plan.windows.push_back(std::move(cw));
  }
  return plan;
}

Image window_generate_mask(const CompositeWindow& w) {
  cv::Mat out(w.window.height, w.window.width, CV_8U, cv::Scalar(255));
  const cv::Rect at(w.inside.x - w.window.x, w.inside.y - w.window.y, w.inside.width,
                    w.inside.height);
  w.region.copyTo(out(at));
  return from_mat(out);
}

Image paste_window(const CompositeWindow& w, const Image& source, const Image& onto,
                   const Image& generated, bool colour_match) {
  if (generated.channels != onto.channels || source.channels != onto.channels ||
      source.width != onto.width || source.height != onto.height)
    throw Error(ErrorCode::internal, "paste_window: image shapes differ");
  const Image full = resize_image(generated, w.window.width, w.window.height);
  const cv::Mat gen = as_mat(full)(
      cv::Rect(w.inside.x - w.window.x, w.inside.y - w.window.y, w.inside.width, w.inside.height));
  const int c = onto.channels;
  double shift[4] = {0, 0, 0, 0};
  if (colour_match && cv::countNonZero(w.inner) > 0 && cv::countNonZero(w.outer) > 0) {
    const cv::Scalar src_mean = cv::mean(as_mat(source)(w.inside), w.outer);
    const cv::Scalar gen_mean = cv::mean(gen, w.inner);
    for (int k = 0; k < c; ++k)
      shift[k] = std::clamp(src_mean[k] - gen_mean[k], -kMaxColourShift, kMaxColourShift);
  }
  Image out = onto;
  cv::Mat dst = as_mat(out)(w.inside);
  for (int y = 0; y < w.inside.height; ++y) {
    const float* a = w.alpha.ptr<float>(y);
    const std::uint8_t* gp = gen.ptr<std::uint8_t>(y);
    std::uint8_t* dp = dst.ptr<std::uint8_t>(y);
    for (int x = 0; x < w.inside.width; ++x) {
      if (a[x] <= 0.f) continue;  // outside the region: untouched bytes
      for (int k = 0; k < c; ++k) {
        const double g = std::clamp(gp[x * c + k] + shift[k], 0.0, 255.0);
        const double v = a[x] * g + (1.0 - a[x]) * dp[x * c + k];
        dp[x * c + k] = std::uint8_t(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return out;
}

Image composite_alpha(const CompositePlan& plan) {
  cv::Mat out = cv::Mat::zeros(plan.height, plan.width, CV_8U);
  for (const CompositeWindow& w : plan.windows) {
    cv::Mat a;
    w.alpha.convertTo(a, CV_8U, 255.0);
    // Any weight above 0 shows: the byte-identical outside is exactly the zeros.
    a.setTo(1, (a == 0) & (w.alpha > 0));
    a.copyTo(out(w.inside), w.region);
  }
  return from_mat(out);
}

Image composite_alpha(const Image& change_mask, const MaskSettings& settings,
                      const WindowOptions& options) {
  return composite_alpha(plan_composite(change_mask, settings, options));
}

}  // namespace pb::pipelines
