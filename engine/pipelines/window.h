#pragma once
// Geometry of inpainting at any image size: a square window around the edit mask (with
// context) is what the models see, resized to their resolution; the result is pasted back
// with a feathered seam that lies inside the dilated mask, so every pixel outside the dilated
// mask keeps its exact input bytes.
#include <opencv2/core/mat.hpp>

#include "engine/core/image.h"
#include "engine/core/requests.h"

namespace pb::pipelines {

struct WindowOptions {
  double context = 0.4;  // the window side is the mask bbox's longer side * (1 + context) ...
  int min_side = 128;    // ... and at least this (both capped at the image's longer side)
};

// The square window (side > 0) for a change mask (1 channel, 255 = change). It lies inside
// the image wherever the image is large enough; where the image is smaller than the side
// along an axis it is centred on the image along that axis (the crop is reflect-padded).
// An all-zero mask gives the centred window of the image's shorter side.
Rect choose_window(int image_width, int image_height, const Image& change_mask,
                   const WindowOptions& options = {});
// Bounding box of the nonzero pixels (width 0 if none).
Rect mask_bbox(const Image& mask);

// The window's pixels (any channel count), reflect-padded where it leaves the image.
Image crop_window(const Image& image, const Rect& window);
// Resize with INTER_AREA when shrinking and bicubic when enlarging.
Image resize_image(const Image& image, int width, int height);

// Conservative model-resolution mask: a cell is "generate" (255) if any change pixel falls
// in it, then dilated by dilate_cells (a square kernel). 1 channel, size x size.
Image model_generate_mask(const Image& window_change_mask, int size, int dilate_cells);

struct PasteOptions {
  int dilate_px = -1;   // growth of the change mask that may be replaced; -1: window / 64
  int feather_px = -1;  // width of the seam ramp inside the dilated mask; -1: = dilate_px
};
struct PasteGeometry {
  int dilate_px = 0;
  int feather_px = 0;
};
PasteGeometry paste_geometry(const Rect& window, const PasteOptions& options);

// paste_back with the blend weights computed once, for pasting a preview at every step.
class Paster {
 public:
  // Keeps a reference to source (it must outlive the Paster).
  Paster(const Image& source, const Image& change_mask, const Rect& window,
         const PasteOptions& options = {});
  Image paste(const Image& generated) const;

 private:
  const Image& source_;
  Rect window_;
  cv::Rect inside_;  // window clipped to the image
  cv::Mat alpha_;    // float blend weight over inside_
};

// Blends `generated` (the model's output for `window`, any size; resized to the window) into
// `source` with alpha = 1 deep inside the dilated change mask, ramping to 0 at its border and
// 0 outside it. Pixels with alpha 0 are copied byte for byte.
Image paste_back(const Image& source, const Image& change_mask, const Rect& window,
                 const Image& generated, const PasteOptions& options = {});
// What the compositor blends for this mask and these settings over the whole image (1 channel,
// the mask's size): 0 keeps the source's bytes, 255 takes the generated pixels. The canvas
// shows it as the region that will change.
Image composite_alpha(const Image& change_mask, const MaskSettings& settings,
                      const WindowOptions& options = {});
// The dilated change mask paste_back may modify (255 = may change), for tests and overlays.
Image paste_region(const Image& change_mask, const Rect& window, const PasteOptions& options = {});

}  // namespace pb::pipelines
