#pragma once
// Geometry of inpainting at any image size: each group of mask regions gets a square window
// (with context) that the models see, resized to their resolution. Two strokes in opposite
// corners of a large photo give two small windows, each at its own scale, not one window the
// size of the photo. compositor.h pastes the results back.
#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <vector>

#include "engine/core/image.h"
#include "engine/core/requests.h"

namespace pb::pipelines {

struct WindowOptions {
  double context = 0.4;  // the window side is the region bbox's longer side * (1 + context) ...
  int min_side = 128;    // ... and at least this (both capped at the image's longer side)
  // Groups are merged until at most this many windows remain: every window is one more run
  // of both stages.
  int max_windows = 4;
  // Two groups share a window when their windows overlap, or when the window around both is
  // at most this much larger than the larger of the two (one run instead of two, at almost
  // the same scale).
  double merge_growth = 1.25;
};

// The square window (side > 0) around a box (a region's bbox) in a w x h image. It lies
// inside the image wherever the image is large enough; where the image is smaller than the
// side along an axis it is centred on the image along that axis (crop_window pads it).
// An empty box gives the centred window of the image's shorter side.
Rect window_for_box(int image_width, int image_height, const Rect& box,
                    const WindowOptions& options = {});

// The window around the bbox of all of `change_mask` (1 channel, nonzero = change).
Rect choose_window(int image_width, int image_height, const Image& change_mask,
                   const WindowOptions& options = {});

// One window per group of connected regions (8-connected) of `change_mask`; groups whose
// windows overlap or that fit one window at little extra scale share it (merge_growth), and
// the closest groups merge until at most max_windows remain. Windows never overlap. Ordered
// top to bottom, then left to right. `labels` (optional) receives the window index + 1 of
// every change pixel (CV_32S, 0 elsewhere). Empty for an all-zero mask.
std::vector<Rect> choose_windows(int image_width, int image_height, const Image& change_mask,
                                 const WindowOptions& options = {}, cv::Mat* labels = nullptr);

// Bounding box of the nonzero pixels (width 0 if none).
Rect mask_bbox(const Image& mask);

// The window's pixels (any channel count). Where the window leaves the image it is filled
// with `fill`: crop the image with 0 and the change mask with 255, so that the models
// generate the padding rather than read a mirrored copy of the hole as known context.
Image crop_window(const Image& image, const Rect& window, std::uint8_t fill = 0);
// Resize with INTER_AREA when shrinking and bicubic when enlarging.
Image resize_image(const Image& image, int width, int height);

// Conservative model-resolution mask: a cell is "generate" (255) if any change pixel falls
// in it, then dilated by dilate_cells (a square kernel). 1 channel, size x size.
Image model_generate_mask(const Image& window_change_mask, int size, int dilate_cells);

}  // namespace pb::pipelines
