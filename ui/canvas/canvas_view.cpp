#include "ui/canvas/canvas_view.h"

#include <QPaintEvent>
#include <QPainter>

#include <algorithm>
#include <array>
#include <cmath>

#include "ui/document/document.h"

namespace {

constexpr qreal kFitMargin = 16;  // widget pixels around a fitted image
constexpr qreal kPanMargin = 48;  // how far the image may be pushed off an edge
constexpr std::array<qreal, 25> kZoomLevels{
    1.0 / 64, 1.0 / 48, 1.0 / 32, 1.0 / 24, 1.0 / 16, 1.0 / 12, 1.0 / 8, 1.0 / 6, 1.0 / 4,
    1.0 / 3,  1.0 / 2,  2.0 / 3,  1,        1.5,      2,        3,       4,       6,
    8,        12,       16,       24,       32,       48,       64};

QPixmap makeChecker() {
  constexpr int kCell = 8;
  QPixmap pm(2 * kCell, 2 * kCell);
  pm.fill(QColor(204, 204, 204));
  QPainter p(&pm);
  p.fillRect(0, 0, kCell, kCell, QColor(153, 153, 153));
  p.fillRect(kCell, kCell, kCell, kCell, QColor(153, 153, 153));
  return pm;
}

}  // namespace

CanvasView::CanvasView(QWidget* parent) : QWidget(parent), checker_(makeChecker()) {
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent);
  setCursor(Qt::CrossCursor);
  rebuildOverlayLut();
}

CanvasView::~CanvasView() = default;

void CanvasView::setDocument(Document* doc) {
  if (doc_ == doc) return;
  if (doc_) disconnect(doc_, nullptr, this, nullptr);
  doc_ = doc;
  if (doc_) {
    connect(doc_, &Document::imageReplaced, this, &CanvasView::onImageReplaced);
    connect(doc_, &Document::imageChanged, this, &CanvasView::onImageChanged);
    connect(doc_, &Document::maskChanged, this, &CanvasView::onMaskChanged);
    connect(doc_, &Document::previewChanged, this, qOverload<>(&CanvasView::update));
  }
  onImageReplaced();
}

Document* CanvasView::document() const { return doc_; }

void CanvasView::setTool(Tool tool) {
  if (tool_ == tool) return;
  tool_ = tool;
  emit toolChanged(tool);
}

void CanvasView::setBrushSize(int imagePixels) {
  const int size = std::clamp(imagePixels, kMinBrushSize, kMaxBrushSize);
  if (size == brushSize_) return;
  const QRect before = outlineRect(cursorPos_);
  brushSize_ = size;
  if (cursorVisible_) update(before.united(outlineRect(cursorPos_)));
  emit brushSizeChanged(size);
}

void CanvasView::setHardness(qreal hardness) {
  hardness = std::clamp<qreal>(hardness, 0, 1);
  if (qFuzzyCompare(hardness, hardness_)) return;
  hardness_ = hardness;
  emit hardnessChanged(hardness);
}

void CanvasView::setOverlayOpacity(qreal opacity) {
  overlayOpacity_ = std::clamp<qreal>(opacity, 0, 1);
  update();
}

void CanvasView::setOverlayColor(const QColor& color) {
  if (color == overlayColor_) return;
  overlayColor_ = color;
  rebuildOverlayLut();
  if (!overlay_.isNull()) updateOverlay(overlay_.rect());
  update();
}

void CanvasView::setOverlayOnPreview(bool on) {
  overlayOnPreview_ = on;
  update();
}

void CanvasView::setChangeRegion(const ChangeRegion& region) {
  const QRect before = changeRegion_.bounds;
  changeRegion_ = region;
  regionMipsValid_ = false;
  update(imageRectToWidget(QRectF(before.united(region.bounds))).adjusted(-2, -2, 2, 2));
}

void CanvasView::setShowOriginal(bool on) {
  if (showOriginal_ == on) return;
  showOriginal_ = on;
  update();
}

// --- coordinates -------------------------------------------------------------------------

qreal CanvasView::scale() const { return zoom_ / devicePixelRatioF(); }

QPointF CanvasView::widgetToImage(const QPointF& widgetPos) const {
  return (widgetPos - offset_) / scale();
}

QPointF CanvasView::imageToWidget(const QPointF& imagePos) const {
  return imagePos * scale() + offset_;
}

QRect CanvasView::imageRectToWidget(const QRectF& r) const {
  const QPointF a = imageToWidget(r.topLeft());
  const QPointF b = imageToWidget(r.bottomRight());
  return QRect(QPoint(static_cast<int>(std::floor(a.x())), static_cast<int>(std::floor(a.y()))),
               QPoint(static_cast<int>(std::ceil(b.x())), static_cast<int>(std::ceil(b.y()))));
}

// --- zoom and pan ------------------------------------------------------------------------

void CanvasView::setZoom(qreal z, const QPointF& anchorWidgetPos) {
  z = std::clamp(z, kMinZoom, kMaxZoom);
  fitPending_ = false;
  const QPointF anchorImage = widgetToImage(anchorWidgetPos);
  const bool changed = !qFuzzyCompare(z, zoom_);
  zoom_ = z;
  offset_ = anchorWidgetPos - anchorImage * scale();
  clampOffset();
  update();
  if (changed) emit zoomChanged(zoom_);
}

void CanvasView::zoomIn() {
  const auto it = std::upper_bound(kZoomLevels.begin(), kZoomLevels.end(), zoom_ * 1.001);
  setZoom(it == kZoomLevels.end() ? kMaxZoom : *it, QRectF(rect()).center());
}

void CanvasView::zoomOut() {
  auto it = std::lower_bound(kZoomLevels.begin(), kZoomLevels.end(), zoom_ / 1.001);
  setZoom(it == kZoomLevels.begin() ? kMinZoom : *(it - 1), QRectF(rect()).center());
}

void CanvasView::actualSize() { setZoom(1, QRectF(rect()).center()); }

void CanvasView::fitToWindow() {
  fitPending_ = true;
  if (!doc_ || !doc_->hasImage() || width() <= 0 || height() <= 0) return;
  const QSizeF img = doc_->image().size();
  const qreal s = std::min((width() - 2 * kFitMargin) / img.width(),
                           (height() - 2 * kFitMargin) / img.height());
  const qreal z = std::clamp(s * devicePixelRatioF(), kMinZoom, kMaxZoom);
  const bool changed = !qFuzzyCompare(z, zoom_);
  zoom_ = z;
  const QSizeF scaled = img * scale();
  offset_ = QPointF(std::round((width() - scaled.width()) / 2),
                    std::round((height() - scaled.height()) / 2));
  update();
  if (changed) emit zoomChanged(zoom_);
}

void CanvasView::clampOffset() {
  if (!doc_ || !doc_->hasImage()) return;
  const QSizeF scaled = QSizeF(doc_->image().size()) * scale();
  auto clampAxis = [](qreal offset, qreal extent, qreal view) {
    if (extent + 2 * kPanMargin <= view) return std::round((view - extent) / 2);
    return std::clamp(offset, view - extent - kPanMargin, kPanMargin);
  };
  offset_ = QPointF(clampAxis(offset_.x(), scaled.width(), width()),
                    clampAxis(offset_.y(), scaled.height(), height()));
}

void CanvasView::setOffset(const QPointF& offset) {
  offset_ = offset;
  fitPending_ = false;
  clampOffset();
  update();
}

// --- document signals --------------------------------------------------------------------

void CanvasView::onImageReplaced() {
  imageMipsValid_ = overlayMipsValid_ = previewMipsValid_ = regionMipsValid_ = false;
  imageMips_.clear();
  overlayMips_.clear();
  previewMips_.clear();
  regionMips_.clear();
  changeRegion_ = {};
  if (doc_ && doc_->hasImage()) {
    overlay_ = QImage(doc_->image().size(), QImage::Format_ARGB32_Premultiplied);
    updateOverlay(overlay_.rect());
    overlayBounds_ = doc_->maskBounds();
  } else {
    overlay_ = QImage();
    overlayBounds_ = QRect();
  }
  fitToWindow();
  update();
}

void CanvasView::onImageChanged(const QRect& dirty) {
  imageMipsDirty_ |= dirty;
  update(imageRectToWidget(QRectF(dirty)).adjusted(-2, -2, 2, 2));
}

void CanvasView::onMaskChanged(const QRect& dirty) {
  updateOverlay(dirty);
  // Whole-mask edits (clear, invert, fill, import, undo of those) may shrink the mask.
  if (doc_ && dirty == doc_->mask().rect())
    overlayBounds_ = doc_->maskBounds();
  else
    overlayBounds_ |= dirty;
}

void CanvasView::rebuildOverlayLut() {
  const QRgb c = overlayColor_.rgb();
  for (int a = 0; a < 256; ++a)
    overlayLut_[a] = qPremultiply(qRgba(qRed(c), qGreen(c), qBlue(c), a));
}

void CanvasView::updateOverlay(const QRect& imageRect) {
  if (!doc_ || overlay_.isNull()) return;
  const QImage& mask = doc_->mask();
  const QRect r = imageRect.intersected(overlay_.rect());
  if (r.isEmpty() || mask.size() != overlay_.size()) return;
  for (int y = r.top(); y <= r.bottom(); ++y) {
    const uchar* in = mask.constScanLine(y);
    QRgb* out = reinterpret_cast<QRgb*>(overlay_.scanLine(y));
    for (int x = r.left(); x <= r.right(); ++x) out[x] = overlayLut_[in[x]];
  }
  overlayMipsDirty_ |= r;
  update(imageRectToWidget(QRectF(r)).adjusted(-2, -2, 2, 2));
}

// --- painting ----------------------------------------------------------------------------

int CanvasView::mipLevel() const {
  // By device pixels: on a high-DPI screen 100% still draws the full-size image.
  if (zoom_ > 0.5) return 0;
  return std::min(MipChain::kMaxLevels, static_cast<int>(std::floor(std::log2(1 / zoom_) + 1e-9)));
}

const QImage& CanvasView::layerLevel(const QImage& base, MipChain* mips, bool* valid, QRect* dirty,
                                     int k, int* factor) {
  *factor = 1;
  if (k == 0) return base;
  if (!*valid) {
    mips->rebuild(base);
    *valid = true;
    *dirty = QRect();
  } else if (!dirty->isEmpty()) {
    mips->update(base, *dirty);
    *dirty = QRect();
  }
  k = std::min(k, mips->levelCount());
  if (k == 0) return base;
  *factor = 1 << k;
  return mips->level(k);
}

void CanvasView::drawImageLayer(QPainter& p, const QImage& image, int factor, const QRect& exposed,
                                bool smooth) const {
  if (exposed.isEmpty()) return;
  const QPointF a = widgetToImage(exposed.topLeft()) / factor;
  const QPointF b = widgetToImage(exposed.bottomRight() + QPointF(1, 1)) / factor;
  // Two spare pixels: smooth sampling clamps at the source rectangle's edge.
  const QRect source =
      QRect(
          QPoint(static_cast<int>(std::floor(a.x())) - 2, static_cast<int>(std::floor(a.y())) - 2),
          QPoint(static_cast<int>(std::ceil(b.x())) + 2, static_cast<int>(std::ceil(b.y())) + 2))
          .intersected(image.rect());
  if (source.isEmpty()) return;
  const QPointF topLeft = QPointF(source.topLeft()) * factor;
  const QPointF bottomRight =
      (QPointF(source.topLeft()) + QPointF(source.width(), source.height())) * factor;
  p.setRenderHint(QPainter::SmoothPixmapTransform, smooth);
  p.drawImage(QRectF(imageToWidget(topLeft), imageToWidget(bottomRight)), image, QRectF(source));
}

void CanvasView::paintEvent(QPaintEvent* e) {
  QPainter p(this);
  const QRect exposed = e->rect();
  p.setClipRegion(e->region());
  p.fillRect(exposed, QColor(58, 58, 62));
  if (!doc_ || !doc_->hasImage()) return;

  const bool original = showOriginal();
  const bool withPreview = !original && !doc_->preview().isNull();
  const QImage& shown = withPreview ? doc_->preview() : doc_->image();
  const QRect imageArea = imageRectToWidget(QRectF(shown.rect())).intersected(exposed);
  if (shown.hasAlphaChannel()) p.fillRect(imageArea, QBrush(checker_));
  const bool smooth = zoom_ < 1;
  const int k = mipLevel();
  int factor = 1;
  if (withPreview) {
    if (doc_->preview().cacheKey() != previewMipsKey_) {
      previewMipsKey_ = doc_->preview().cacheKey();
      previewMipsValid_ = false;
    }
    const QImage& level =
        layerLevel(shown, &previewMips_, &previewMipsValid_, &previewMipsDirty_, k, &factor);
    drawImageLayer(p, level, factor, exposed, smooth);
  } else {
    const QImage& level =
        layerLevel(shown, &imageMips_, &imageMipsValid_, &imageMipsDirty_, k, &factor);
    drawImageLayer(p, level, factor, exposed, smooth);
  }
  if (!original && (!withPreview || overlayOnPreview_) && overlayOpacity_ > 0) {
    const QRect area = exposed.intersected(imageRectToWidget(QRectF(overlayBounds_)));
    if (!area.isEmpty()) {
      const QImage& level =
          layerLevel(overlay_, &overlayMips_, &overlayMipsValid_, &overlayMipsDirty_, k, &factor);
      p.setOpacity(overlayOpacity_);
      drawImageLayer(p, level, factor, area, smooth);
      p.setOpacity(1);
    }
  }
  if (!original && (!withPreview || overlayOnPreview_) && !changeRegion_.isNull() &&
      changeRegion_.layer.size() == shown.size()) {
    const QRect area = exposed.intersected(imageRectToWidget(QRectF(changeRegion_.bounds)));
    if (!area.isEmpty()) {
      const QImage& level = layerLevel(changeRegion_.layer, &regionMips_, &regionMipsValid_,
                                       &regionMipsDirty_, k, &factor);
      drawImageLayer(p, level, factor, area, smooth);
    }
  }

  if (cursorVisible_ && drag_ != Drag::Pan && !spaceHeld_ &&
      outlineRect(cursorPos_).intersects(exposed)) {
    p.setRenderHint(QPainter::Antialiasing);
    const qreal r = std::max<qreal>(brushSize_ * scale() / 2, 1.5);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(QColor(0, 0, 0, 170), 3));
    p.drawEllipse(cursorPos_, r, r);
    p.setPen(QPen(tool_ == Tool::Eraser ? QColor(120, 200, 255) : QColor(Qt::white), 1));
    p.drawEllipse(cursorPos_, r, r);
  }
}

// --- input -------------------------------------------------------------------------------
