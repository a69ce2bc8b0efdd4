#include "ui/canvas/canvas_key_router.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QKeyEvent>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTextEdit>

#include "ui/canvas/canvas_view.h"

CanvasKeyRouter::CanvasKeyRouter(CanvasView* canvas, QWidget* window)
    : QObject(window), canvas_(canvas), window_(window) {
  qApp->installEventFilter(this);
  // A held key whose release will go where the router does not look (a text field, another
  // window, nowhere): let go of it now rather than leave the canvas comparing or panning.
  connect(qApp, &QApplication::focusChanged, this, [this](QWidget*, QWidget* now) {
    if (canvas_ && now != canvas_ && (!now || !inWindow(now) || isTextEntry(now)))
      canvas_->releaseHeldKeys();
  });
}

CanvasKeyRouter::~CanvasKeyRouter() { qApp->removeEventFilter(this); }

bool CanvasKeyRouter::isTextEntry(const QWidget* w) {
  if (qobject_cast<const QLineEdit*>(w) || qobject_cast<const QAbstractSpinBox*>(w) ||
      qobject_cast<const QPlainTextEdit*>(w))
    return true;
  if (auto* text = qobject_cast<const QTextEdit*>(w)) return !text->isReadOnly();
  auto* combo = qobject_cast<const QComboBox*>(w);
  return combo && combo->isEditable();
}

bool CanvasKeyRouter::inWindow(const QWidget* w) const {
  for (const QWidget* p = w; p; p = p->parentWidget()) {
    if (p == window_) return true;
    if (p->isWindow() && !qobject_cast<const QDockWidget*>(p)) return false;  // dialog, menu
  }
  return false;
}

bool CanvasKeyRouter::routes(const QWidget* focus, const QKeyEvent* e) const {
  if (!canvas_ || !focus || !CanvasView::handlesKey(e)) return false;
  if (focus == canvas_ || canvas_->isAncestorOf(focus) || !inWindow(focus)) return false;
  if (isTextEntry(focus)) return false;
  return !(e->key() == Qt::Key_Space && qobject_cast<const QAbstractButton*>(focus));
}

bool CanvasKeyRouter::eventFilter(QObject* watched, QEvent* event) {
  const QEvent::Type type = event->type();
  if (type != QEvent::ShortcutOverride && type != QEvent::KeyPress && type != QEvent::KeyRelease)
    return false;
  auto* w = qobject_cast<QWidget*>(watched);
  // Only the first delivery, to the focus widget: a key a spin box rejected and passed on to
  // its parent is still typing.
  QWidget* focus = QApplication::focusWidget();
  if (!w || (focus && w != focus)) return false;
  auto* key = static_cast<QKeyEvent*>(event);
  // The canvas acts on the release of its held keys only; any other release it passes up to
  // its parents, which must not bring it back (forwarding is never re-entered).
  if (forwarding_ || !routes(w, key)) return false;
  if (type == QEvent::KeyRelease && key->key() != Qt::Key_Tab && key->key() != Qt::Key_Space)
    return false;
  if (type == QEvent::ShortcutOverride) {
    event->accept();  // ours, not a window action's
    return true;
  }
  forwarding_ = true;
  QCoreApplication::sendEvent(canvas_, event);
  forwarding_ = false;
  return true;
}
