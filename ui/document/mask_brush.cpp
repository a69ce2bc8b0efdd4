#include "ui/document/mask_brush.h"

#include <QImage>

#include <algorithm>
#include <cmath>
#include <cstdint>

qreal brushCoverage(qreal d, qreal radius, qreal hardness) {
  const qreal outer = radius + 0.5;
  if (d >= outer) return 0;
  const qreal inner = std::max<qreal>(0, std::min(hardness * radius, radius - 0.5));
  if (d <= inner) return 1;
  const qreal t = (d - inner) / (outer - inner);
  return 1 - t * t * (3 - 2 * t);
}

namespace {

QRect stampPiece(QImage* mask, const QPointF& a, const QPointF& b, qreal radius, qreal hardness,
                 bool erase) {
  const qreal outer = radius + 0.5;
  const QRect bounds = QRect(QPoint(static_cast<int>(std::floor(std::min(a.x(), b.x()) - outer)),
                                    static_cast<int>(std::floor(std::min(a.y(), b.y()) - outer))),
                             QPoint(static_cast<int>(std::ceil(std::max(a.x(), b.x()) + outer)),
                                    static_cast<int>(std::ceil(std::max(a.y(), b.y()) + outer))))
                           .intersected(mask->rect());
  if (bounds.isEmpty()) return {};

  // A lookup table over squared distance keeps the inner loop free of sqrt and smoothstep.
  constexpr int kLutSize = 4096;
  std::uint8_t lut[kLutSize + 1];
  const qreal outer2 = outer * outer;
  for (int i = 0; i <= kLutSize; ++i)
    lut[i] = static_cast<std::uint8_t>(
        std::lround(255 * brushCoverage(std::sqrt(outer2 * i / kLutSize), radius, hardness)));

  const qreal dx = b.x() - a.x(), dy = b.y() - a.y();
  const qreal len2 = dx * dx + dy * dy;
  const qreal lutScale = kLutSize / outer2;
  // Pixels already at the limit (255 for the brush, 0 for the eraser) cannot change: skipping
  // them keeps big brushes cheap, since consecutive segments overlap almost entirely.
  const std::uint8_t saturated = erase ? 0 : 255;
  int left = bounds.right() + 1, right = -1, top = -1, bottom = -1;
  for (int y = bounds.top(); y <= bounds.bottom(); ++y) {
    std::uint8_t* row = mask->scanLine(y);
    const qreal py = y + 0.5 - a.y();
    bool rowChanged = false;
    for (int x = bounds.left(); x <= bounds.right(); ++x) {
      if (row[x] == saturated) continue;
      const qreal px = x + 0.5 - a.x();
      qreal t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
      t = std::clamp<qreal>(t, 0, 1);
      const qreal ex = px - t * dx, ey = py - t * dy;
      const qreal d2 = ex * ex + ey * ey;
      if (d2 >= outer2) continue;
      const std::uint8_t v = lut[static_cast<int>(d2 * lutScale + 0.5)];
      const std::uint8_t next =
          erase ? std::min<std::uint8_t>(row[x], 255 - v) : std::max(row[x], v);
      if (next == row[x]) continue;
      row[x] = next;
      rowChanged = true;
      left = std::min(left, x);
      right = std::max(right, x);
    }
    if (rowChanged) {
      if (top < 0) top = y;
      bottom = y;
    }
  }
  if (top < 0) return {};
  return QRect(QPoint(left, top), QPoint(right, bottom));
}

}  // namespace

QRect stampBrushSegment(QImage* mask, const QPointF& a, const QPointF& b, qreal diameter,
                        qreal hardness, bool erase) {
  if (mask->isNull() || mask->format() != QImage::Format_Grayscale8) return {};
  const qreal radius = std::max<qreal>(diameter, 0.5) / 2;
  hardness = std::clamp<qreal>(hardness, 0, 1);
  // Long diagonal segments are cut into pieces so that each bounding box stays close to the
  // swept area.
  const qreal length = std::hypot(b.x() - a.x(), b.y() - a.y());
  const qreal pieceLength = std::max<qreal>(4 * radius, 16);
  const int pieces = std::max(1, static_cast<int>(std::ceil(length / pieceLength)));
  QRect dirty;
  for (int i = 0; i < pieces; ++i) {
    const QPointF p0 = a + (b - a) * (static_cast<qreal>(i) / pieces);
    const QPointF p1 = a + (b - a) * (static_cast<qreal>(i + 1) / pieces);
    dirty |= stampPiece(mask, p0, p1, radius, hardness, erase);
  }
  return dirty;
}
