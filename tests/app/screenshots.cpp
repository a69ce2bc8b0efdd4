// promptbrush-screenshots OUTDIR [FIXTURES_DIR]: drives the real window with QTest events
// and saves screenshots of its main states as PNGs (run by screenshots.sh under Xvfb).
// With the GLIDE tokenizer fixtures it also writes tiny random-weight GLIDE models into a
// temporary models folder and shows a diffusion run in progress (the pixels are noise: the
// weights are random). Fails (exit 1, naming it) when a screen does not appear in time or a
// screenshot cannot be written, and when the GUI thread stalls longer than kMaxGuiStallMs
// while the engine works.
#include <torch/torch.h>

#include <fcntl.h>
#include <unistd.h>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLineEdit>
#include <QPainter>
#include <QPainterPath>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUndoStack>
#include <QWindow>

#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <string>

#include "app/gui/app_controller.h"
#include "app/gui/engine_bridge.h"
#include "engine/io/safetensors_writer.h"
#include "engine/nn/glide/config.h"
#include "engine/nn/glide/model.h"
#include "tests/common/karlo_models.h"
#include "ui/canvas/canvas_view.h"
#include "ui/dialogs/models_dialog.h"
#include "ui/dialogs/settings_dialog.h"
#include "ui/document/document.h"
#include "ui/mainwindow/app_style.h"
#include "ui/mainwindow/main_window.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/interpolate_panel.h"
#include "ui/panels/prompt_panel.h"

namespace {

QString outDir;
int shotCount = 0;

// The longest the GUI thread may be away from its event loop while the engine runs, not
// counting time it waited for a core (below). The goal (issue 11) is one frame, 16 ms; the
// current code stays well under this bound on the 2-core machine with the engine saturating
// both cores, and a regression that blocks or loads the GUI thread (a synchronous wait on
// the engine, decoding or compositing on the GUI thread) exceeds it.
constexpr double kMaxGuiStallMs = 150;

// A run that failed: a screen that did not appear, a screenshot not written, a stall.
struct DriverFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Event-loop gap probe: a 1 ms timer notes the longest time between two of its ticks, i.e.
// the longest the GUI thread was away from its event loop. Taking a screenshot (grab + PNG
// encode) is the driver's own work, not the app's, so shot() pauses it. On a loaded machine a
// gap can also be the GUI thread waiting for a core (other processes, here the engine's own
// threads or a parallel build): the kernel counts that wait per thread (schedstat), and the
// gap less that wait (worstOwn: running, or blocked in the app's code) is what is bounded.
// The GUI thread's CPU time within each gap (worstCpu) is printed too.
qint64 threadCpuNs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return qint64(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// Nanoseconds this thread has spent runnable but waiting for a core (second field of
// /proc/thread-self/schedstat); -1 where the kernel does not say.
qint64 runQueueWaitNs(int fd) {
  char buf[128];
  const ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  buf[n] = '\0';
  unsigned long long run = 0, wait = 0;
  return std::sscanf(buf, "%llu %llu", &run, &wait) == 2 ? qint64(wait) : -1;
}

struct StallProbe {
  QElapsedTimer clock;
  QTimer ticker;
  int schedstat = -1;
  qint64 last = 0, lastCpu = 0, lastWait = 0, worst = 0, worstCpu = 0, worstOwn = 0;
  int over16 = 0, cpuOver16 = 0, ticks = 0;
  QVector<QPair<qint64, qint64>> busy;  // (ms since start, GUI-thread CPU ms) of busy gaps
  StallProbe() {
    ticker.setInterval(1);
    QObject::connect(&ticker, &QTimer::timeout, [this] {
      const qint64 now = clock.nsecsElapsed(), cpu = threadCpuNs();
      const qint64 wait = runQueueWaitNs(schedstat);
      if (last) {
        worst = qMax(worst, now - last);
        over16 += now - last > 16'000'000;
        worstCpu = qMax(worstCpu, cpu - lastCpu);
        const qint64 waited = wait >= 0 && lastWait >= 0 ? wait - lastWait : 0;
        worstOwn = qMax(worstOwn, now - last - waited);
        if (cpu - lastCpu > 16'000'000) {
          ++cpuOver16;
          if (busy.size() < 8) busy.push_back({now / 1'000'000, (cpu - lastCpu) / 1'000'000});
        }
      }
      ++ticks;
      last = now;
      lastCpu = cpu;
      lastWait = wait;
    });
  }
  ~StallProbe() {
    if (schedstat >= 0) ::close(schedstat);
  }
  StallProbe(const StallProbe&) = delete;
  StallProbe& operator=(const StallProbe&) = delete;
  // Prints the gaps seen during `what`; throws when the longest exceeds the bound.
  void check(const char* what) const {
    std::printf(
        "GUI-thread gaps during %s: longest %.1f ms wall (%d over 16 ms), longest %.1f ms of "
        "GUI-thread CPU (%d over 16 ms), %d ticks\n",
        what, worst / 1e6, over16, worstCpu / 1e6, cpuOver16, ticks);
    for (const auto& [at, ms] : busy)
      std::printf("  %lld ms of GUI-thread CPU in one gap, %.2f s after the start\n",
                  static_cast<long long>(ms), at / 1e3);
    const bool ok = worstOwn / 1e6 < kMaxGuiStallMs;
    std::printf("GUI-thread stall during %s, less waiting for a core: %.1f ms (bound %.0f ms)%s\n",
                what, worstOwn / 1e6, kMaxGuiStallMs, ok ? "" : ": TOO LONG");
    if (schedstat < 0)
      std::printf("  (no /proc/thread-self/schedstat: waiting for a core is counted as a stall)\n");
    if (ticks < 10)
      throw DriverFailure(std::string("the stall probe ticked only ") + std::to_string(ticks) +
                          " times during " + what);
    if (!ok) {
      std::string message = "the GUI thread stalled ";
      message += std::to_string(qRound64(worstOwn / 1e6));
      message += " ms during ";
      message += what;
      message += " (bound ";
      message += std::to_string(qRound(kMaxGuiStallMs));
      message += " ms)";
      throw DriverFailure(message);
    }
  }
  void start() {
    // Opened on the GUI thread: the descriptor stays that thread's.
    if (schedstat < 0) schedstat = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    last = 0;
    clock.start();
    ticker.start();
  }
  void stop() { ticker.stop(); }
  void pause() { last = 0; }  // the next tick starts a new interval
};
StallProbe* probe = nullptr;

void shot(const QString& name) {
  for (int i = 0; i < 10; ++i) {
    QCoreApplication::processEvents();
    QTest::qWait(30);
  }
  QScreen* screen = QGuiApplication::primaryScreen();
  const QString path = QDir(outDir).filePath(
      QStringLiteral("%1-%2.png").arg(++shotCount, 2, 10, QChar('0')).arg(name));
  if (!screen->grabWindow(0).save(path) || QFileInfo(path).size() == 0) {
    std::string message = "could not write the screenshot ";
    message += path.toStdString();
    throw DriverFailure(message);
  }
  if (probe) probe->pause();
  std::printf("wrote %s\n", qPrintable(path));
}

// A small synthetic landscape: sky, sun, hills, a lake.
QImage landscape() {
  QImage img(640, 427, QImage::Format_RGB32);
  QPainter p(&img);
  p.setRenderHint(QPainter::Antialiasing);
  QLinearGradient sky(0, 0, 0, 260);
  sky.setColorAt(0, QColor(70, 130, 200));
  sky.setColorAt(1, QColor(235, 200, 160));
  p.fillRect(img.rect(), sky);
  p.setBrush(QColor(255, 230, 150));
  p.setPen(Qt::NoPen);
  p.drawEllipse(QPointF(470, 150), 42, 42);
  QPainterPath hills;
  hills.moveTo(0, 300);
  hills.cubicTo(150, 200, 260, 330, 400, 250);
  hills.cubicTo(500, 200, 580, 260, 640, 240);
  hills.lineTo(640, 427);
  hills.lineTo(0, 427);
  p.setBrush(QColor(70, 110, 60));
  p.drawPath(hills);
  p.setBrush(QColor(60, 100, 150));
  p.drawEllipse(QRectF(120, 330, 330, 70));
  return img;
}

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

void paint(CanvasView* canvas, const QVector<QPointF>& imagePoints) {
  QVector<QPoint> w;
  for (const QPointF& p : imagePoints) w << canvas->imageToWidget(p).toPoint();
  QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, w.first());
  for (int i = 1; i < w.size(); ++i) QTest::mouseMove(canvas, w[i]);
  QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, w.last());
}

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

bool writeTinyGlide(const QString& fixtures, const QString& models) {
  const QString tok = QDir(fixtures).filePath("tokenizer");
  if (!QFile::copy(QDir(tok).filePath("encoder.json.gz"),
                   QDir(models).filePath("encoder.json.gz")) ||
      !QFile::copy(QDir(tok).filePath("vocab.bpe.gz"), QDir(models).filePath("vocab.bpe.gz")))
    return false;
  for (bool superRes : {false, true}) {
    const std::string options =
        std::string(R"({"image_size": )") +
        (superRes ? R"(64, "channel_mult": "1,1,1,1")" : R"(32, "channel_mult": "1,1,1")") +
        R"(, "num_channels": 32, "num_res_blocks": 1,
        "attention_resolutions": "16,8", "num_head_channels": 8, "text_ctx": 16, "xf_width": 8,
        "xf_layers": 1, "xf_heads": 2, "inpaint": true, "super_res": )" +
        (superRes ? "true" : "false") + "}";
    const QString name = superRes ? "upsample_inpaint" : "base_inpaint";
    pb::nn::glide::GlideUNet model(pb::nn::glide::config_from_json(options));
    pb::io::save_safetensors(QDir(models).filePath(name + ".pt").toStdString(),
                             pb::io::named_tensors(*model));
    QFile json(QDir(models).filePath(name + ".json"));
    if (!json.open(QIODevice::WriteOnly)) return false;
    json.write(options.c_str());
  }
  return true;
}

void openImage(MainWindow& window, const QString& path) {
  if (!window.openFile(path)) {
    std::string message = "could not open ";
    message += path.toStdString();
    throw DriverFailure(message);
  }
}

// The screens, in order; throws DriverFailure at the first that does not appear.
void drive(const QString& fixtures) {
  QTemporaryDir work, emptyModels, glideModels;
  const QString imagePath = work.filePath("landscape.png");
  if (!landscape().save(imagePath)) throw DriverFailure("could not write the test image");

  {
    // No weights: first-run dialog, classic fill.
    ShownApp app(emptyModels.path());
    MainWindow& window = app.window;
    shot("empty-window");
    if (!app.controller.showFirstRunIfNeeded())
      throw DriverFailure("the first-run dialog was not offered (no weights installed)");
    waitFor(
        "the first-run models dialog",
        [&] {
          const auto* dialog = window.findChild<ModelsDialog*>();
          return dialog && dialog->isVisible();
        },
        5000);
    shot("first-run-dialog");
    for (QWidget* w : QApplication::topLevelWidgets())
      if (w != &window && w->isVisible()) w->close();
    {
      SettingsDialog settings(window.engineSettings(), &window);
      settings.show();
      waitFor(
          "the settings dialog", [&] { return settings.isVisible(); }, 5000);
      shot("settings-dialog");
    }

    openImage(window, imagePath);
    shot("image-opened");
    paint(window.canvas(), {{150, 230}, {200, 210}, {250, 225}, {300, 215}});
    window.promptPanel()->promptEdit()->setText("a wooden sailing boat");
    shot("mask-painted");
    StallProbe classicStalls;
    probe = &classicStalls;
    classicStalls.start();
    QTest::mouseClick(window.promptPanel()->generateButton(), Qt::LeftButton);
    waitFor(
        "the classic fill", [&] { return window.galleryPanel()->count() > 0; }, 30000);
    QTest::qWait(300);
    classicStalls.stop();
    probe = nullptr;
    classicStalls.check("the classic fill");
    shot("classic-fill-candidate");
    QTest::mouseClick(window.galleryPanel()->applyButton(), Qt::LeftButton);
    shot("classic-fill-applied");
    window.document()->undoStack()->setClean();  // close without the save question
    window.close();
  }

  if (!fixtures.isEmpty()) qputenv("PROMPTBRUSH_FIXTURES", fixtures.toLocal8Bit());
  QTemporaryDir karloModels;
  const bool karlo =
      !fixtures.isEmpty() && pbtest::make_karlo_models_dir(karloModels.path(), false);
  if (!karlo)
    std::printf("no unCLIP fixtures: skipping the Variations and Interpolate screenshots\n");
  if (karlo) {
    // Tiny unCLIP models: Variations (a run, its candidates), then Interpolate.
    ShownApp app(karloModels.path());
    MainWindow& window = app.window;
    openImage(window, imagePath);
    PromptPanel* prompt = window.promptPanel();
    QTest::mouseClick(prompt->modeButton(GenerationMode::Variations), Qt::LeftButton);
    RunSettings s = prompt->settings();
    s.quality = QualityPreset::Custom;
    s.customSteps = 60;
    s.candidates = 4;
    s.randomSeed = false;
    s.seed = 3;
    prompt->setSettings(s);
    shot("variations-mode");
    QTest::mouseClick(prompt->generateButton(), Qt::LeftButton);
    waitFor(
        "variations progress", [&] { return prompt->progressBar()->value() > 20; }, 60000);
    shot("variations-running");
    waitFor(
        "the variations", [&] { return window.galleryPanel()->count() == 4; }, 300000);
    shot("variations-candidates");
    window.galleryPanel()->select(2);
    QTest::mouseClick(window.galleryPanel()->applyButton(), Qt::LeftButton);
    shot("variations-applied");
    window.document()->undoStack()->undo();

    QTest::mouseClick(prompt->modeButton(GenerationMode::Interpolate), Qt::LeftButton);
    InterpolatePanel* interp = window.interpolatePanel();
    QImage b = landscape().mirrored(true, false);
    {
      QPainter p(&b);
      p.fillRect(QRect(60, 60, 200, 120), QColor(200, 60, 60));
    }
    interp->setImage(InterpolatePanel::Well::A, window.document()->image());
    interp->setImage(InterpolatePanel::Well::B, b);
    interp->requestStrip();
    StallProbe stalls;
    probe = &stalls;
    stalls.start();
    waitFor(
        "the first strip frames", [&] { return interp->stripFrames().count(QImage()) <= 5; },
        120000);
    shot("interpolate-strip-filling");
    waitFor(
        "the strip", [&] { return interp->stripComplete(); }, 300000);
    // A drag across: the view follows from the strip at once.
    for (int v = 0; v <= 600; v += 20) {
      interp->slider()->setValue(v);
      QTest::qWait(15);
    }
    shot("interpolate-dragged");
    waitFor(
        "the exact frame", [&] { return interp->shownFrameIsExact(); }, 300000);
    stalls.stop();
    probe = nullptr;
    stalls.check("the interpolation strip and a drag");
    shot("interpolate-exact-frame");
    interp->setTextDiff(true);
    interp->setCaptions("a photo of a landscape", "an oil painting of a landscape");
    waitFor(
        "the text-diff strip", [&] { return interp->stripComplete(); }, 300000);
    shot("interpolate-text-diff");
    window.document()->undoStack()->setClean();
    window.close();
  }
  if (fixtures.isEmpty()) {
    std::printf("no GLIDE tokenizer fixtures: skipping the diffusion screenshots\n");
    return;
  }
  if (!writeTinyGlide(fixtures, glideModels.path()))
    throw DriverFailure("could not write the tiny GLIDE models (tokenizer fixtures copied?)");
  {
    // Tiny GLIDE models: a run in progress, then its candidates in the gallery.
    ShownApp app(glideModels.path());
    MainWindow& window = app.window;
    openImage(window, imagePath);
    paint(window.canvas(), {{150, 230}, {200, 210}, {250, 225}, {300, 215}});
    RunSettings s;
    s.prompt = "a wooden sailing boat";
    s.quality = QualityPreset::Custom;
    s.customSteps = 400;
    s.candidates = 3;
    window.promptPanel()->setSettings(s);
    QTest::qWait(300);  // the set-up's relayout and repaint are not the run's

    StallProbe stalls;
    probe = &stalls;
    stalls.start();
    QTest::mouseClick(window.promptPanel()->generateButton(), Qt::LeftButton);
    waitFor(
        "progress", [&] { return window.promptPanel()->progressBar()->value() > 60; }, 60000);
    std::printf("screenshot of the run %.2f s after the start\n", stalls.clock.elapsed() / 1e3);
    shot("glide-running");
    waitFor(
        "the GLIDE run", [&] { return window.galleryPanel()->count() > 0; }, 300000);
    std::printf("candidates shown %.2f s after the start\n", stalls.clock.elapsed() / 1e3);
    QTest::qWait(500);  // the candidates' first paint belongs to the run
    stalls.stop();
    probe = nullptr;
    stalls.check("the GLIDE run");
    shot("glide-candidates");
    window.document()->undoStack()->setClean();
    window.close();
  }
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  applyAppStyle(app);
  QStandardPaths::setTestModeEnabled(true);
  QCoreApplication::setOrganizationName("PromptbrushScreenshots");
  QSettings().clear();
  if (argc < 2) {
    std::fprintf(stderr, "usage: promptbrush-screenshots OUTDIR [FIXTURES_DIR]\n");
    return 2;
  }
  outDir = QString::fromLocal8Bit(argv[1]);
  QDir().mkpath(outDir);
  try {
    drive(argc > 2 ? QString::fromLocal8Bit(argv[2]) : QString());
  } catch (const DriverFailure& e) {
    std::fprintf(stderr, "promptbrush-screenshots: FAILED: %s\n", e.what());
    return 1;
  }
  return 0;
}
