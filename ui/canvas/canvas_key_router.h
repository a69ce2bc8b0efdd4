#pragma once
// Brings the canvas's single keys (B, E, [ ], Tab and Space held, + - 0 1) to the canvas from
// wherever the keyboard focus is in the window (the gallery, the history, a slider, a dock),
// so that they work without clicking the canvas first. Not while typing: in a text field
// (line edit, spin box, text edit, editable combo box) every key keeps its text meaning, and
// on a button Space still presses it. Dialogs and menus are windows of their own: untouched.
#include <QObject>
#include <QPointer>

class CanvasView;
class QKeyEvent;
class QWidget;

class CanvasKeyRouter : public QObject {
  Q_OBJECT
 public:
  // Watches the application's key events for `window` (a floating dock of it included).
  CanvasKeyRouter(CanvasView* canvas, QWidget* window);
  ~CanvasKeyRouter() override;

  // Whether `e`, arriving at `focus`, goes to the canvas.
  bool routes(const QWidget* focus, const QKeyEvent* e) const;
  // Text entry widgets, where all of the canvas's keys are text.
  static bool isTextEntry(const QWidget* w);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  bool inWindow(const QWidget* w) const;

  QPointer<CanvasView> canvas_;
  QPointer<QWidget> window_;
  bool forwarding_ = false;
};
