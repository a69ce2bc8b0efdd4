// CanvasView's input handling: the brush cursor, painting and panning with the mouse,
// zooming and brush sizing with the wheel, and the keyboard shortcuts that act while the
// canvas has focus (B/E brush and eraser, [ ] brush size, Space to pan, Tab to hold the
// original, + - 0 1 zoom).
#include <QCoreApplication>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

#include "ui/canvas/canvas_view.h"
#include "ui/document/document.h"

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

namespace {
struct CanvasKey {
  Qt::Key key;
  bool held;
  const char* description;
};
// The one list of the canvas's keys: handlesKey, the shortcuts dialog and the key router read it.
constexpr CanvasKey kCanvasKeys[] = {
    {Qt::Key_B, false, QT_TRANSLATE_NOOP("CanvasView", "Brush tool")},
    {Qt::Key_E, false, QT_TRANSLATE_NOOP("CanvasView", "Eraser tool")},
    {Qt::Key_BracketLeft, false, QT_TRANSLATE_NOOP("CanvasView", "Smaller brush")},
    {Qt::Key_BracketRight, false, QT_TRANSLATE_NOOP("CanvasView", "Larger brush")},
    {Qt::Key_Tab, true,
     QT_TRANSLATE_NOOP("CanvasView",
                       "Compare: show the original while held (no mask, no preview)")},
    {Qt::Key_Space, true,
     QT_TRANSLATE_NOOP("CanvasView", "Pan with the left mouse button while held")},
    {Qt::Key_Plus, false, QT_TRANSLATE_NOOP("CanvasView", "Zoom in")},
    {Qt::Key_Equal, false, QT_TRANSLATE_NOOP("CanvasView", "Zoom in")},
    {Qt::Key_Minus, false, QT_TRANSLATE_NOOP("CanvasView", "Zoom out")},
    {Qt::Key_0, false, QT_TRANSLATE_NOOP("CanvasView", "Fit to window")},
    {Qt::Key_1, false, QT_TRANSLATE_NOOP("CanvasView", "Actual size (100%)")},
};
}  // namespace

QVector<CanvasView::KeyBinding> CanvasView::keyBindings() {
  QVector<KeyBinding> out;
  for (const CanvasKey& k : kCanvasKeys)
    out.push_back({k.key, k.held, QCoreApplication::translate("CanvasView", k.description)});
  return out;
}

bool CanvasView::handlesKey(const QKeyEvent* e) {
  const Qt::KeyboardModifiers mods = e->modifiers() & ~Qt::KeypadModifier;
  for (const CanvasKey& k : kCanvasKeys) {
    if (e->key() != k.key) continue;
    // "+" is Shift+= on many layouts.
    return mods == Qt::NoModifier || (k.key == Qt::Key_Plus && mods == Qt::ShiftModifier);
  }
  return false;
}

void CanvasView::releaseHeldKeys() {
  if (tabHeld_) update();
  tabHeld_ = false;
  if (spaceHeld_) {
    spaceHeld_ = false;
    updateCursorShape();
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
  releaseHeldKeys();
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
