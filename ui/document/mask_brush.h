#pragma once
// The mask brush's dab: a round footprint swept along a segment (a capsule), so that a stroke
// is continuous however far apart the mouse events are.
#include <QPointF>
#include <QRect>

class QImage;

// The brush diameter range in image pixels, shared by the brush panel's slider and spin box
// and the canvas's [ ], Ctrl+wheel and setBrushSize, so that neither clamps what the other set.
inline constexpr int kMinBrushDiameter = 1;
inline constexpr int kMaxBrushDiameter = 1000;

// Coverage (0..1) at distance `d` from the stroke's centre line for a brush of `radius`:
// 1 inside hardness * radius, a smooth falloff to 0 outside; hardness 1 gives a one-pixel
// antialiased edge centred on the radius.
qreal brushCoverage(qreal d, qreal radius, qreal hardness);

// Sweeps a dab of `diameter` (image pixels) from a to b over `mask` (Format_Grayscale8): the
// brush raises pixels to the dab value (max), the eraser lowers them to 255 - dab value (min).
// Returns the bounding rectangle of the pixels it changed (empty if none).
QRect stampBrushSegment(QImage* mask, const QPointF& a, const QPointF& b, qreal diameter,
                        qreal hardness, bool erase);
