#include "ui/canvas/change_region.h"

#include <algorithm>

namespace {
constexpr int kTintPercent = 28;  // of the tint's opacity where the result is taken fully
constexpr int kDash = 4;          // outline dash length, in image pixels
}  // namespace

ChangeRegion makeChangeRegion(const QImage& alphaIn) {
  if (alphaIn.isNull()) return {};
  const QImage alpha = alphaIn.convertToFormat(QImage::Format_Grayscale8);
  const int w = alpha.width(), h = alpha.height();
  QImage layer(alpha.size(), QImage::Format_ARGB32_Premultiplied);
  int left = w, right = -1, top = h, bottom = -1;
  QRgb tint[256];
  for (int a = 0; a < 256; ++a)
    tint[a] = qPremultiply(qRgba(qRed(kChangeRegionTint), qGreen(kChangeRegionTint),
                                 qBlue(kChangeRegionTint), a * kTintPercent / 100));
  for (int y = 0; y < h; ++y) {
    const uchar* row = alpha.constScanLine(y);
    const uchar* above = y > 0 ? alpha.constScanLine(y - 1) : nullptr;
    const uchar* below = y + 1 < h ? alpha.constScanLine(y + 1) : nullptr;
    auto* out = reinterpret_cast<QRgb*>(layer.scanLine(y));
    for (int x = 0; x < w; ++x) {
      if (row[x] == 0) {
        out[x] = 0;
        continue;
      }
      left = std::min(left, x);
      right = std::max(right, x);
      top = std::min(top, y);
      bottom = y;
      // A pixel of the region next to one that keeps its value (the image's edge is not a
      // border: nothing lies beyond it).
      const bool border = (x > 0 && row[x - 1] == 0) || (x + 1 < w && row[x + 1] == 0) ||
                          (above && above[x] == 0) || (below && below[x] == 0);
      if (border)
        out[x] = ((x + y) / kDash) % 2 ? qRgb(0, 0, 0) : qRgb(255, 255, 255);
      else
        out[x] = tint[row[x]];
    }
  }
  if (right < 0) return {};
  return {alpha, layer, QRect(QPoint(left, top), QPoint(right, bottom))};
}
