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

Rect unite(const Rect& a, const Rect& b) {
  const int x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
  const int x1 = std::max(a.x + a.width, b.x + b.width);
  const int y1 = std::max(a.y + a.height, b.y + b.height);
  return {x0, y0, x1 - x0, y1 - y0};
}

bool overlap(const Rect& a, const Rect& b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

// Beyond this many groups the pairwise merging would cost more than it saves: one window.
constexpr int kMaxGroups = 256;

struct Group {
  Rect box;
  Rect window;
};

}  // namespace

Rect mask_bbox(const Image& mask) {
  if (mask.empty()) return {};
  cv::Rect r = cv::boundingRect(as_mat(mask));
  return {r.x, r.y, r.width, r.height};
}

Rect window_for_box(int w, int h, const Rect& box, const WindowOptions& options) {
  if (w <= 0 || h <= 0) throw Error(ErrorCode::invalid_argument, "empty image");
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

Rect choose_window(int w, int h, const Image& change_mask, const WindowOptions& options) {
  return window_for_box(w, h, mask_bbox(change_mask), options);
}

std::vector<Rect> choose_windows(int w, int h, const Image& change_mask,
                                 const WindowOptions& options, cv::Mat* labels) {
  if (w <= 0 || h <= 0) throw Error(ErrorCode::invalid_argument, "empty image");
  cv::Mat binary = as_mat(change_mask) > 0;
  cv::Mat comp;
  const int n = cv::connectedComponents(binary, comp, 8, CV_32S) - 1;  // label 0: background
  if (n <= 0) {
    if (labels) *labels = cv::Mat::zeros(h, w, CV_32S);
    return {};
  }
  // Pixel bboxes of the components, in one pass.
  std::vector<int> x0(n, w), y0(n, h), x1(n, -1), y1(n, -1);
  for (int y = 0; y < h; ++y) {
    const int* row = comp.ptr<int>(y);
    for (int x = 0; x < w; ++x) {
      const int l = row[x] - 1;
      if (l < 0) continue;
      x0[l] = std::min(x0[l], x), x1[l] = std::max(x1[l], x);
      y0[l] = std::min(y0[l], y), y1[l] = std::max(y1[l], y);
    }
  }
  std::vector<Group> groups;
  std::vector<int> group_of(n);  // component -> group (before merging: itself)
  if (n > kMaxGroups) {
    groups.push_back({mask_bbox(change_mask), {}});
    std::fill(group_of.begin(), group_of.end(), 0);
  } else {
    for (int i = 0; i < n; ++i) {
      groups.push_back({{x0[i], y0[i], x1[i] - x0[i] + 1, y1[i] - y0[i] + 1}, {}});
      group_of[i] = i;
    }
  }
  for (Group& g : groups) g.window = window_for_box(w, h, g.box, options);

  // parent[i]: the group that group i was merged into (union-find over the original ids).
  std::vector<int> parent(groups.size());
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = int(i);
  std::vector<int> alive(groups.size());
  for (size_t i = 0; i < alive.size(); ++i) alive[i] = int(i);
  auto merge = [&](size_t ai, size_t bi) {
    const int a = alive[ai], b = alive[bi];
    groups[a].box = unite(groups[a].box, groups[b].box);
    groups[a].window = window_for_box(w, h, groups[a].box, options);
    parent[b] = a;
    alive.erase(alive.begin() + long(bi));
  };
  for (;;) {
    bool merged = false;
    for (size_t i = 0; i < alive.size() && !merged; ++i)
      for (size_t j = i + 1; j < alive.size() && !merged; ++j) {
        const Group &a = groups[alive[i]], &b = groups[alive[j]];
        const int joint = window_for_box(w, h, unite(a.box, b.box), options).width;
        if (overlap(a.window, b.window) ||
            joint <= options.merge_growth * std::max(a.window.width, b.window.width)) {
          merge(i, j);
          merged = true;
        }
      }
    if (merged) continue;
    if (int(alive.size()) <= std::max(1, options.max_windows)) break;
    // Too many windows: merge the pair whose joint window is smallest.
    size_t bi = 0, bj = 1;
    int best = -1;
    for (size_t i = 0; i < alive.size(); ++i)
      for (size_t j = i + 1; j < alive.size(); ++j) {
        const int s =
            window_for_box(w, h, unite(groups[alive[i]].box, groups[alive[j]].box), options).width;
        if (best < 0 || s < best) best = s, bi = i, bj = j;
      }
    merge(bi, bj);
  }

  std::sort(alive.begin(), alive.end(), [&](int a, int b) {
    const Rect &ra = groups[a].window, &rb = groups[b].window;
    return ra.y != rb.y ? ra.y < rb.y : ra.x < rb.x;
  });
  std::vector<Rect> out;
  std::vector<int> index_of(groups.size(), -1);
  for (size_t k = 0; k < alive.size(); ++k) {
    out.push_back(groups[alive[k]].window);
    index_of[alive[k]] = int(k);
  }
  if (labels) {
    auto root = [&](int g) {
      while (parent[g] != g) g = parent[g];
      return g;
    };
    std::vector<int> window_of(n);
    for (int i = 0; i < n; ++i) window_of[i] = index_of[root(group_of[i])] + 1;
    *labels = cv::Mat::zeros(h, w, CV_32S);
    for (int y = 0; y < h; ++y) {
      const int* src = comp.ptr<int>(y);
      int* dst = labels->ptr<int>(y);
      for (int x = 0; x < w; ++x)
        if (src[x] > 0) dst[x] = window_of[src[x] - 1];
    }
  }
  return out;
}

Image crop_window(const Image& image, const Rect& window, std::uint8_t fill) {
  const cv::Rect inside = cv::Rect(window.x, window.y, window.width, window.height) &
                          cv::Rect(0, 0, image.width, image.height);
  if (inside.empty()) throw Error(ErrorCode::internal, "window outside the image");
  cv::Mat roi = as_mat(image)(inside);
  cv::Mat out;
  const int top = inside.y - window.y, left = inside.x - window.x;
  const int bottom = window.y + window.height - (inside.y + inside.height);
  const int right = window.x + window.width - (inside.x + inside.width);
  cv::copyMakeBorder(roi, out, top, bottom, left, right, cv::BORDER_CONSTANT,
                     cv::Scalar::all(fill));
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

}  // namespace pb::pipelines
