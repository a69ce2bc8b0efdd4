#pragma once
// What every screen of promptbrush-screenshots (screenshots.cpp) uses: numbered PNGs, waits
// that fail naming what did not appear, the brush, the test picture and the real window.
#include <QGuiApplication>
#include <QImage>
#include <QScreen>
#include <QString>
#include <QTemporaryDir>
#include <QTest>
#include <QVector>
#include <QWindow>

#include "app/gui/app_controller.h"
#include "app/gui/engine_bridge.h"
#include "tests/app/stall_probe.h"
#include "ui/mainwindow/main_window.h"

class CanvasView;

namespace shots {

extern QString outDir;

// Saves the whole screen as OUTDIR/NN-name.png (NN counts up from 01).
void shot(const QString& name);
// Saves `image` itself, pixel for pixel, under the next number.
void saveImage(const QString& name, const QImage& image);

// A small synthetic landscape: sky, sun, hills, a lake.
QImage landscape();

// Waits for `done`; when it does not happen in time, keeps a screenshot of what is shown
// instead and fails the run naming what did not appear.
template <class Fn>
void waitFor(const char* what, Fn done, int ms) {
  if (QTest::qWaitFor(done, ms)) return;
  std::string message = "timed out after ";
  message += std::to_string(ms / 1000);
  message += " s waiting for ";
  message += what;
  try {
    shot(QStringLiteral("FAILED-waiting"));
  } catch (const DriverFailure&) {
    // The failure to report is the wait's.
  }
  throw DriverFailure(message);
}

// A left-button drag on the canvas through image points.
void paint(CanvasView* canvas, const QVector<QPointF>& imagePoints);
void openImage(MainWindow& window, const QString& path);

// The real window wired to an engine over a models folder, shown full-screen.
struct ShownApp {
  explicit ShownApp(const QString& modelsDir)
      : models{modelsDir, "--models"},
        bridge(pbapp::engineConfigFromSettings(models)),
        controller(&window, &bridge, models, history.path()) {
    window.setGeometry(QGuiApplication::primaryScreen()->availableGeometry());
    window.show();
    waitFor(
        "the main window",
        [&] { return window.windowHandle() && window.windowHandle()->isExposed(); }, 5000);
  }
  const pbapp::ModelsDirChoice models;
  QTemporaryDir history;  // every run of the driver starts with an empty run history
  pbapp::EngineBridge bridge;
  MainWindow window;
  pbapp::AppController controller;
};

}  // namespace shots
