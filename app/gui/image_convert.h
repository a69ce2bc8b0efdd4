#pragma once
// QImage <-> pb::Image (8-bit interleaved, tightly packed).
#include <QImage>

#include "engine/core/image.h"

namespace pbapp {

pb::Image toRgb(const QImage& image);     // 3 channels
pb::Image toMask(const QImage& mask);     // 1 channel
QImage toQImage(const pb::Image& image);  // RGB888, Grayscale8 or RGBA8888 by channels

}  // namespace pbapp
