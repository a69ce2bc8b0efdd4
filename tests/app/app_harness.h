#pragma once
// The real app (bridge + window + controller) for GUI tests under offscreen Qt, with
// settings isolated from the person's own (QStandardPaths test mode).
#include <QAbstractButton>
#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QElapsedTimer>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <functional>
#include <memory>

#include "app/common/app_settings.h"
#include "app/gui/app_controller.h"
#include "app/gui/engine_bridge.h"
#include "ui/canvas/canvas_view.h"
#include "ui/document/document.h"
#include "ui/mainwindow/main_window.h"

namespace apptest {

inline void isolateSettings() {
  QStandardPaths::setTestModeEnabled(true);
  QCoreApplication::setOrganizationName(QStringLiteral("PromptbrushTest"));
  QCoreApplication::setApplicationName(QStringLiteral("tst_app"));
  QSettings().clear();
  QSettings(pbapp::kOrganization, pbapp::kApplication).clear();
}

// A smooth colour gradient, so that any change of a pixel is visible.
inline QImage gradientImage(QSize size) {
  QImage img(size, QImage::Format_RGB32);
  for (int y = 0; y < size.height(); ++y)
    for (int x = 0; x < size.width(); ++x)
      img.setPixel(x, y, qRgb(x * 255 / size.width(), y * 255 / size.height(), (x + y) % 256));
  return img;
}

struct App {
  // `source` as pbapp::resolveModelsDir reports it; "--models" pins the folder. The run
  // history goes to `historyDir`, by default a folder of this App's own (every App starts
  // with an empty history; pass the same folder to two Apps for a restart).
  explicit App(const QString& modelsDir, const QString& source = QStringLiteral("--models"),
               const QString& historyDir = {}) {
    const pbapp::ModelsDirChoice models{modelsDir, source};
    bridge = std::make_unique<pbapp::EngineBridge>(pbapp::engineConfigFromSettings(models));
    window = std::make_unique<MainWindow>();
    controller = std::make_unique<pbapp::AppController>(
        window.get(), bridge.get(), models, historyDir.isEmpty() ? ownHistory.path() : historyDir);
    window->resize(1100, 760);
    window->show();
  }
  ~App() {
    controller.reset();
    window.reset();
    bridge.reset();
  }
  bool exposed() { return QTest::qWaitForWindowExposed(window.get()); }
  Document* doc() const { return window->document(); }
  CanvasView* canvas() const { return window->canvas(); }

  // A left-button drag on the canvas through image points.
  void paint(const QVector<QPointF>& imagePoints) {
    QVector<QPoint> w;
    for (const QPointF& p : imagePoints) w << canvas()->imageToWidget(p).toPoint();
    QTest::mousePress(canvas(), Qt::LeftButton, Qt::NoModifier, w.first());
    for (int i = 1; i < w.size(); ++i) QTest::mouseMove(canvas(), w[i]);
    QTest::mouseRelease(canvas(), Qt::LeftButton, Qt::NoModifier, w.last());
  }

  QTemporaryDir ownHistory;  // outlives the controller, which waits for its writes
  std::unique_ptr<pbapp::EngineBridge> bridge;
  std::unique_ptr<MainWindow> window;
  std::unique_ptr<pbapp::AppController> controller;
};

// Answers the next modal message box with `button` once it is shown.
inline void answerNextMessageBox(QMessageBox::StandardButton button) {
  QTimer::singleShot(0, [button] {
    if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget()))
      QTest::mouseClick(box->button(button), Qt::LeftButton);
  });
}

// Drives the next modal dialog of type D from inside its exec(), once it is shown: `act`
// uses its widgets as a person would and closes it. seen() says afterwards whether it
// appeared within `ms`, so that a dialog that never opens fails the test instead of passing
// it. A dialog that `act` leaves open is rejected (and the test failed), and so is another
// dialog still shown when the time is up: a failing test never hangs in exec().
template <class D>
class ModalWatch {
 public:
  explicit ModalWatch(std::function<void(D*)> act, int ms = 30000) : act_(std::move(act)), ms_(ms) {
    clock_.start();
    timer_.setInterval(10);
    QObject::connect(&timer_, &QTimer::timeout, [this] { poll(); });
    timer_.start();
  }
  bool seen() const { return seen_; }

 private:
  void poll() {
    QWidget* modal = QApplication::activeModalWidget();
    auto* dialog = qobject_cast<D*>(modal);
    if (!dialog || !dialog->isVisible()) {
      if (!clock_.hasExpired(ms_)) return;
      timer_.stop();
      if (auto* other = qobject_cast<QDialog*>(modal)) {
        // Another dialog asks instead: fail rather than wait in its exec() forever.
        const QString message =
            QStringLiteral("a %1 is shown instead").arg(other->metaObject()->className());
        QTest::qFail(qPrintable(message), __FILE__, __LINE__);
        other->reject();
      }
      return;
    }
    timer_.stop();
    seen_ = true;
    act_(dialog);
    if (dialog->isVisible()) {
      if (!QTest::currentTestFailed())
        QTest::qFail("the dialog is still open after the test drove it", __FILE__, __LINE__);
      dialog->reject();
    }
  }
  std::function<void(D*)> act_;
  int ms_;
  QElapsedTimer clock_;
  QTimer timer_;
  bool seen_ = false;
};

// Clicks `action`'s menu title in the menu bar, then the item in the menu that opens, with
// the mouse. Returns false when no menu holds the action or the menu does not open. An item
// that opens a modal dialog returns once the dialog is closed (see ModalWatch).
inline bool pickMenuItem(QMainWindow* window, QAction* action) {
  QMenuBar* bar = window->menuBar();
  for (QAction* title : bar->actions()) {
    QMenu* menu = title->menu();
    if (!menu || !menu->actions().contains(action)) continue;
    QTest::mouseClick(bar, Qt::LeftButton, Qt::NoModifier, bar->actionGeometry(title).center());
    if (!QTest::qWaitFor([menu] { return menu->isVisible(); }, 5000)) return false;
    QTest::mouseClick(menu, Qt::LeftButton, Qt::NoModifier, menu->actionGeometry(action).center());
    return true;
  }
  return false;
}

// The field a form label names ("Width", "&HTML:"; the & marks are ignored), if it is a T.
template <class T>
T* fieldLabeled(QWidget* dialog, const QString& label) {
  for (QLabel* l : dialog->findChildren<QLabel*>())
    if (QString(l->text()).remove('&') == QString(label).remove('&'))
      if (auto* field = qobject_cast<T*>(l->buddy())) return field;
  return nullptr;
}

// Replaces the text of a line edit or spin box by typing: select all, then the keys.
inline void typeInto(QWidget* field, const QString& text) {
  field->setFocus();
  QTest::keyClick(field, Qt::Key_A, Qt::ControlModifier);
  QTest::keyClicks(field, text);
}

// Clicks the dialog's standard `button` (OK, Cancel, ...); false when it has none.
inline bool clickButton(QWidget* dialog, QDialogButtonBox::StandardButton button) {
  for (auto* box : dialog->findChildren<QDialogButtonBox*>())
    if (QAbstractButton* b = box->button(button)) {
      QTest::mouseClick(b, Qt::LeftButton);
      return true;
    }
  return false;
}

}  // namespace apptest
