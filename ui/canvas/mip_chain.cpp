#include "ui/canvas/mip_chain.h"

#include <algorithm>

namespace {

// Averages 2x2 blocks of `src` into `dstRect` of `dst` (edge pixels repeat at odd sizes).
void downsample(const QImage& src, QImage* dst, const QRect& dstRect) {
  const bool premultiply = src.format() == QImage::Format_ARGB32;
  const int maxX = src.width() - 1, maxY = src.height() - 1;
  for (int y = dstRect.top(); y <= dstRect.bottom(); ++y) {
    const QRgb* r0 = reinterpret_cast<const QRgb*>(src.constScanLine(std::min(2 * y, maxY)));
    const QRgb* r1 = reinterpret_cast<const QRgb*>(src.constScanLine(std::min(2 * y + 1, maxY)));
    QRgb* out = reinterpret_cast<QRgb*>(dst->scanLine(y));
    for (int x = dstRect.left(); x <= dstRect.right(); ++x) {
      const int x0 = std::min(2 * x, maxX), x1 = std::min(2 * x + 1, maxX);
      QRgb p[4] = {r0[x0], r0[x1], r1[x0], r1[x1]};
      if (premultiply)
        for (QRgb& v : p) v = qPremultiply(v);
      // Sum of the four pixels per channel, rounded: channels are 8 bits apart, so add them
      // in two interleaved halves to keep the carries apart.
      quint32 rb = 2 * 0x00010001u, ag = 2 * 0x00010001u;
      for (QRgb v : p) {
        rb += v & 0x00FF00FFu;
        ag += (v >> 8) & 0x00FF00FFu;
      }
      out[x] = ((rb >> 2) & 0x00FF00FFu) | (((ag >> 2) & 0x00FF00FFu) << 8);
    }
  }
}

}  // namespace

void MipChain::rebuild(const QImage& base) {
  levels_.clear();
  if (base.isNull()) return;
  const QImage* prev = &base;
  while (static_cast<int>(levels_.size()) < kMaxLevels &&
         std::max(prev->width(), prev->height()) > kMinSide) {
    QImage next((prev->width() + 1) / 2, (prev->height() + 1) / 2,
                QImage::Format_ARGB32_Premultiplied);
    downsample(*prev, &next, next.rect());
    levels_.push_back(std::move(next));
    prev = &levels_.back();
  }
}

void MipChain::update(const QImage& base, const QRect& dirty) {
  QRect r = dirty.intersected(base.rect());
  const QImage* prev = &base;
  for (QImage& level : levels_) {
    if (r.isEmpty()) return;
    r = QRect(QPoint(r.left() / 2, r.top() / 2), QPoint(r.right() / 2, r.bottom() / 2))
            .intersected(level.rect());
    downsample(*prev, &level, r);
    prev = &level;
  }
}
