#pragma once
// QImage <-> pb::Image (8-bit interleaved, tightly packed) and compositing of engine output
// into the document's frame.
#include <QImage>

#include "engine/core/image.h"

namespace pbapp {

pb::Image toRgb(const QImage& image);     // 3 channels
pb::Image toMask(const QImage& mask);     // 1 channel
QImage toQImage(const pb::Image& image);  // RGB888, Grayscale8 or RGBA8888 by channels

// `result` scaled to `source`'s size when it differs, then blended in by `mask`
// (Grayscale8, 255 = take the result; soft values blend), so pixels outside the mask stay
// exactly as they were. A null mask takes the whole result. Returns `source`'s format.
QImage compositeInMask(const QImage& source, const QImage& result, const QImage& mask);

}  // namespace pbapp
