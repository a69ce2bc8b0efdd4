#pragma once
// What every screen of promptbrush-screenshots (screenshots.cpp) uses: numbered PNGs, waits
// that fail naming what did not appear, the brush, the test picture and the real window.
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QGuiApplication>
#include <QImage>
#include <QScreen>
#include <QString>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
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

// Runs a real event loop, as the app's, until done() holds or ms pass; returns done().
// Not QTest::qWait/qWaitFor: they sleep 10 ms between batches of events, which blocks the
// GUI thread and which the stall probe measured as stalls of the app (issue 11).
template <class Fn>
bool runEventLoop(Fn done, int ms) {
  const QDeadlineTimer deadline(ms);
  QEventLoop loop;
  QTimer check;
  check.setInterval(2);
  QObject::connect(&check, &QTimer::timeout, &loop, [&] {
    if (done() || deadline.hasExpired()) loop.quit();
  });
  if (done()) return true;
  check.start();
  loop.exec();
  return done();
}
inline void runEventLoop(int ms) {
  runEventLoop([] { return false; }, ms);
}

// Waits for `done`; when it does not happen in time, keeps a screenshot of what is shown
// instead and fails the run naming what did not appear.
template <class Fn>
void waitFor(const char* what, Fn done, int ms) {
  if (runEventLoop(done, ms)) return;
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
