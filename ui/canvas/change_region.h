#pragma once
// The region an inpainting result will change, as the canvas draws it: a light tint over
// every pixel the compositor blends (stronger where it takes more of the result) and a dashed
// black-and-white outline along its border, distinct from the painted mask's colour. Built
// from the compositor's alpha (the app computes it with the engine); pure image work, so it
// can be built on any thread.
#include <QColor>
#include <QImage>
#include <QRect>

struct ChangeRegion {
  QImage alpha;  // Grayscale8, the document's size: 0 keeps the pixel, 255 takes the result
  QImage layer;  // ARGB32_Premultiplied, the same size: what the canvas draws over the image
  QRect bounds;  // holds every nonzero alpha pixel
  bool isNull() const { return alpha.isNull(); }
};

inline constexpr QRgb kChangeRegionTint = qRgb(0, 190, 255);

// A null region when `alpha` is null or all zero.
ChangeRegion makeChangeRegion(const QImage& alpha);
