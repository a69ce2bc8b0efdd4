#pragma once
// The one compositor of inpainting: which pixels change and how the models' result blends
// into the source. The GUI shows and applies, and the CLI writes, exactly what this makes.
//
// Per window (window.h), the painted pixels of its group grow (or shrink) by grow_px into the
// region the models generate. The blend weight is 1 on every painted pixel (a soft brush edge
// never lets what was painted out ghost through) and ramps to 0 across the outer feather_px
// of the grown ring; every pixel outside the region keeps its exact input bytes. An optional
// colour match shifts the generated pixels by the mean step between the source just outside
// the region and the result just inside it.
//
// Usage:
//   const CompositePlan plan = plan_composite(mask, request.mask_settings);
//   for (const CompositeWindow& w : plan.windows)
//     image = paste_window(w, source, image, generated_for(w), plan.colour_match);
#include <opencv2/core/mat.hpp>

#include <vector>

#include "engine/core/image.h"
#include "engine/core/requests.h"
#include "engine/pipelines/window.h"

namespace pb::pipelines {

struct CompositeWindow {
  Rect window;           // what the models see (may extend past the image)
  int grow_px = 0;       // resolved: the settings' value or the window's default
  int feather_px = 0;    // resolved: at most the grow when it grows
  cv::Rect inside;       // the window clipped to the image
  cv::Mat region;        // CV_8U over inside: 255 = generated (the grown group)
  cv::Mat alpha;         // CV_32F over inside: blend weight of the generated pixels
  cv::Mat inner, outer;  // CV_8U over inside: the colour-match bands inside / outside region
};

struct CompositePlan {
  int width = 0, height = 0;
  std::vector<CompositeWindow> windows;  // windows whose region is empty are left out
  bool colour_match = false;
};

// The grow of a window when the settings leave it unset: about 4 pixels of the 256 px
// upsampler output, at least 2 image pixels.
int default_grow_px(const Rect& window);

// change_mask: 1 channel, nonzero = change. Throws pb::Error(invalid_argument) for a mask
// that is not 1-channel.
CompositePlan plan_composite(const Image& change_mask, const MaskSettings& settings,
                             const WindowOptions& options = {});

// What the models must generate in the window: 255 over the region and over the padding
// outside the image, 0 elsewhere; window-sized, for model_generate_mask.
Image window_generate_mask(const CompositeWindow& w);

// `onto` (the source, or the source with other windows already pasted; same size) with
// `generated` (the models' output for the window, any size: resized to the window) blended
// in. Pixels outside the region are copied byte for byte.
Image paste_window(const CompositeWindow& w, const Image& source, const Image& onto,
                   const Image& generated, bool colour_match);

// The blend weight over the whole image (1 channel, 0 keeps the source's bytes, 255 takes
// the generated pixels): what the canvas shows as the area that will change.
Image composite_alpha(const CompositePlan& plan);
Image composite_alpha(const Image& change_mask, const MaskSettings& settings,
                      const WindowOptions& options = {});

}  // namespace pb::pipelines
