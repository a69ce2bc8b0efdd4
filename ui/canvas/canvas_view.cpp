#include "ui/canvas/canvas_view.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QWheelEvent>

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
  imageMipsValid_ = overlayMipsValid_ = previewMipsValid_ = false;
  imageMips_.clear();
  overlayMips_.clear();
  previewMips_.clear();
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

QRect CanvasView::outlineRect(const QPointF& widgetPos) const {
  const qreal r = std::max<qreal>(brushSize_ * scale() / 2, 1.5) + 4;
  return QRectF(widgetPos - QPointF(r, r), QSizeF(2 * r, 2 * r)).toAlignedRect();
}

void CanvasView::setCursorPos(const QPointF& pos, bool visible) {
  if (cursorVisible_) update(outlineRect(cursorPos_));
  cursorPos_ = pos;
  cursorVisible_ = visible;
  if (cursorVisible_) update(outlineRect(cursorPos_));
}

void CanvasView::updateCursorShape() {
  if (drag_ == Drag::Pan)
    setCursor(Qt::ClosedHandCursor);
  else if (spaceHeld_)
    setCursor(Qt::OpenHandCursor);
  else
    setCursor(Qt::CrossCursor);
}

void CanvasView::endDrag() {
  if (drag_ == Drag::Paint && doc_) doc_->endStroke();
  drag_ = Drag::None;
  updateCursorShape();
}

void CanvasView::mousePressEvent(QMouseEvent* e) {
  if (drag_ != Drag::None) return;
  const QPointF pos = e->position();
  if (e->button() == Qt::MiddleButton || (e->button() == Qt::LeftButton && spaceHeld_)) {
    drag_ = Drag::Pan;
    dragLast_ = pos;
    updateCursorShape();
    setCursorPos(pos, true);
  } else if (e->button() == Qt::LeftButton && doc_ && doc_->hasImage()) {
    drag_ = Drag::Paint;
    doc_->beginStroke(tool_ == Tool::Eraser, brushSize_, hardness_);
    doc_->strokeTo(widgetToImage(pos));
  } else {
    e->ignore();
    return;
  }
  e->accept();
}

void CanvasView::mouseMoveEvent(QMouseEvent* e) {
  const QPointF pos = e->position();
  setCursorPos(pos, true);
  if (drag_ == Drag::Pan) {
    setOffset(offset_ + (pos - dragLast_));
    dragLast_ = pos;
  } else if (drag_ == Drag::Paint && doc_) {
    doc_->strokeTo(widgetToImage(pos));
  }
}

void CanvasView::mouseReleaseEvent(QMouseEvent* e) {
  const bool ends =
      (drag_ == Drag::Paint && e->button() == Qt::LeftButton) ||
      (drag_ == Drag::Pan && (e->button() == Qt::MiddleButton || e->button() == Qt::LeftButton));
  if (!ends) return;
  if (drag_ == Drag::Paint && doc_) doc_->strokeTo(widgetToImage(e->position()));
  endDrag();
}

void CanvasView::wheelEvent(QWheelEvent* e) {
  const int delta = e->angleDelta().y();
  if (delta == 0) {
    e->ignore();
    return;
  }
  const qreal steps = delta / 120.0;
  if (e->modifiers() & Qt::ControlModifier) {
    // Brush size for keyboards without brackets: about 15% per notch, at least one pixel.
    // High-resolution wheels send fractions of a notch; they add up to whole notches.
    sizeWheelAccum_ += delta;
    while (std::abs(sizeWheelAccum_) >= 120) {
      const int dir = sizeWheelAccum_ > 0 ? 1 : -1;
      sizeWheelAccum_ -= dir * 120;
      int size = static_cast<int>(std::lround(brushSize_ * std::pow(1.15, dir)));
      if (size == brushSize_) size += dir;
      setBrushSize(size);
    }
  } else {
    setZoom(zoom_ * std::pow(2.0, steps / 4), e->position());
  }
  e->accept();
}

bool CanvasView::handlesKey(const QKeyEvent* e) const {
  const Qt::KeyboardModifiers mods = e->modifiers() & ~Qt::KeypadModifier;
  switch (e->key()) {
    case Qt::Key_Plus:
      return mods == Qt::NoModifier || mods == Qt::ShiftModifier;
    case Qt::Key_B:
    case Qt::Key_E:
    case Qt::Key_BracketLeft:
    case Qt::Key_BracketRight:
    case Qt::Key_Tab:
    case Qt::Key_Space:
    case Qt::Key_Equal:
    case Qt::Key_Minus:
    case Qt::Key_0:
    case Qt::Key_1:
      return mods == Qt::NoModifier;
    default:
      return false;
  }
}

bool CanvasView::event(QEvent* e) {
  if (e->type() == QEvent::ShortcutOverride) {
    if (handlesKey(static_cast<QKeyEvent*>(e))) {
      e->accept();
      return true;
    }
    // Another shortcut (Ctrl+Z, say) in the middle of a stroke: finish the stroke first, so
    // that the command acts on it rather than under it.
    if (drag_ == Drag::Paint) endDrag();
  } else if (e->type() == QEvent::KeyPress) {
    // Tab is a hold-to-compare key here, not focus navigation.
    auto* ke = static_cast<QKeyEvent*>(e);
    if (ke->key() == Qt::Key_Tab && handlesKey(ke)) {
      keyPressEvent(ke);
      return true;
    }
  }
  return QWidget::event(e);
}

void CanvasView::keyPressEvent(QKeyEvent* e) {
  if (!handlesKey(e)) {
    QWidget::keyPressEvent(e);
    return;
  }
  switch (e->key()) {
    case Qt::Key_B:
      setTool(Tool::Brush);
      break;
    case Qt::Key_E:
      setTool(Tool::Eraser);
      break;
    case Qt::Key_BracketLeft:
      setBrushSize(std::min(brushSize_ - 1, static_cast<int>(std::floor(brushSize_ / 1.15))));
      break;
    case Qt::Key_BracketRight:
      setBrushSize(std::max(brushSize_ + 1, static_cast<int>(std::ceil(brushSize_ * 1.15))));
      break;
    case Qt::Key_Tab:
      if (!e->isAutoRepeat() && !tabHeld_) {
        tabHeld_ = true;
        update();
      }
      break;
    case Qt::Key_Space:
      if (!e->isAutoRepeat()) {
        spaceHeld_ = true;
        updateCursorShape();
        if (cursorVisible_) update(outlineRect(cursorPos_));
      }
      break;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
      zoomIn();
      break;
    case Qt::Key_Minus:
      zoomOut();
      break;
    case Qt::Key_0:
      fitToWindow();
      break;
    case Qt::Key_1:
      actualSize();
      break;
    default:
      break;
  }
  e->accept();
}

void CanvasView::keyReleaseEvent(QKeyEvent* e) {
  if (e->isAutoRepeat()) {
    e->accept();
    return;
  }
  if (e->key() == Qt::Key_Tab && tabHeld_) {
    tabHeld_ = false;
    update();
  } else if (e->key() == Qt::Key_Space && spaceHeld_) {
    spaceHeld_ = false;
    updateCursorShape();
    if (cursorVisible_) update(outlineRect(cursorPos_));
  } else {
    QWidget::keyReleaseEvent(e);
    return;
  }
  e->accept();
}

void CanvasView::leaveEvent(QEvent* e) {
  setCursorPos(cursorPos_, false);
  QWidget::leaveEvent(e);
}

void CanvasView::focusOutEvent(QFocusEvent* e) {
  // A dialog or another window took the keyboard: release held keys and finish the stroke.
  if (tabHeld_) update();
  tabHeld_ = false;
  spaceHeld_ = false;
  endDrag();
  QWidget::focusOutEvent(e);
}

void CanvasView::resizeEvent(QResizeEvent* e) {
  QWidget::resizeEvent(e);
  if (fitPending_)
    fitToWindow();
  else
    clampOffset();
}
