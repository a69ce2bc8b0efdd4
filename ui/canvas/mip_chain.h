#pragma once
// Half-size copies of an image (levels 1, 2, ... at 1/2, 1/4, ...), each pixel the average of
// four in the level above, so that a zoomed-out view is drawn from an area average instead of
// a bilinear sample of every fifth pixel (which shimmers on fine detail).
// Levels are Format_ARGB32_Premultiplied (averaging premultiplied colours is correct at
// transparent edges). Updated incrementally by dirty rectangles.
#include <QImage>
#include <QRect>

#include <vector>

class MipChain {
 public:
  // Builds the levels of `base` (RGB32, ARGB32 or ARGB32_Premultiplied) until the longer side
  // is at most kMinSide or kMaxLevels is reached.
  void rebuild(const QImage& base);
  // Recomputes what `dirty` (base pixels) touches in every level.
  void update(const QImage& base, const QRect& dirty);
  void clear() { levels_.clear(); }
  bool isEmpty() const { return levels_.empty(); }
  int levelCount() const { return static_cast<int>(levels_.size()); }
  // k in 1..levelCount(); level k has ceil(size / 2^k) pixels.
  const QImage& level(int k) const { return levels_[k - 1]; }

  static constexpr int kMinSide = 64;
  static constexpr int kMaxLevels = 6;

 private:
  std::vector<QImage> levels_;
};
