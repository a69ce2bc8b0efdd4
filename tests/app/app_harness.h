#pragma once
// The real app (bridge + window + controller) for GUI tests under offscreen Qt, with
// settings isolated from the person's own (QStandardPaths test mode).
#include <QApplication>
#include <QDir>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
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
  // `source` as pbapp::resolveModelsDir reports it; "--models" pins the folder.
  explicit App(const QString& modelsDir, const QString& source = QStringLiteral("--models")) {
    const pbapp::ModelsDirChoice models{modelsDir, source};
    bridge = std::make_unique<pbapp::EngineBridge>(pbapp::engineConfigFromSettings(models));
    window = std::make_unique<MainWindow>();
    controller = std::make_unique<pbapp::AppController>(window.get(), bridge.get(), models);
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

}  // namespace apptest
