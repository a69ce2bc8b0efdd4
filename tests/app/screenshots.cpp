// promptbrush-screenshots OUTDIR [FIXTURES_DIR]: drives the real window with QTest events
// and saves screenshots of its main states as PNGs (run by screenshots.sh under Xvfb).
// With the GLIDE tokenizer fixtures it also writes tiny random-weight GLIDE models into a
// temporary models folder and shows a diffusion run in progress (the pixels are noise: the
// weights are random). Prints the longest GUI-thread stall seen during that run.
#include <torch/torch.h>

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QPainter>
#include <QPainterPath>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUndoStack>
#include <cstdio>

#include "app/gui/app_controller.h"
#include "app/gui/engine_bridge.h"
#include "engine/io/safetensors_writer.h"
#include "engine/nn/glide/config.h"
#include "engine/nn/glide/model.h"
#include "ui/canvas/canvas_view.h"
#include "ui/document/document.h"
#include "ui/mainwindow/app_style.h"
#include "ui/mainwindow/main_window.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/prompt_panel.h"

namespace {

QString outDir;
int shotCount = 0;

void shot(const QString& name) {
  for (int i = 0; i < 10; ++i) {
    QCoreApplication::processEvents();
    QTest::qWait(30);
  }
  QScreen* screen = QGuiApplication::primaryScreen();
  const QString path = QDir(outDir).filePath(
      QStringLiteral("%1-%2.png").arg(++shotCount, 2, 10, QChar('0')).arg(name));
  screen->grabWindow(0).save(path);
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

// Waits for `done`; says so (and carries on) when it does not happen in time.
template <class Fn>
void waitFor(const char* what, Fn done, int ms) {
  if (!QTest::qWaitFor(done, ms)) std::fprintf(stderr, "timed out waiting for %s\n", what);
}

void paint(CanvasView* canvas, const QVector<QPointF>& imagePoints) {
  QVector<QPoint> w;
  for (const QPointF& p : imagePoints) w << canvas->imageToWidget(p).toPoint();
  QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, w.first());
  for (int i = 1; i < w.size(); ++i) QTest::mouseMove(canvas, w[i]);
  QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, w.last());
}

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
  QTemporaryDir work, emptyModels, glideModels;
  const QString imagePath = work.filePath("landscape.png");
  landscape().save(imagePath);

  {
    // No weights: first-run dialog, classic fill.
    const pbapp::ModelsDirChoice models{emptyModels.path(), "--models"};
    pbapp::EngineBridge bridge(pbapp::engineConfigFromSettings(models));
    MainWindow window;
    pbapp::AppController controller(&window, &bridge, models);
    window.setGeometry(QGuiApplication::primaryScreen()->availableGeometry());
    window.show();
    waitFor(
        "the window", [&] { return window.isVisible(); }, 5000);
    shot("empty-window");
    controller.showFirstRunIfNeeded();
    shot("first-run-dialog");
    for (QWidget* w : QApplication::topLevelWidgets())
      if (w != &window && w->isVisible()) w->close();

    window.openFile(imagePath);
    shot("image-opened");
    paint(window.canvas(), {{150, 230}, {200, 210}, {250, 225}, {300, 215}});
    window.promptPanel()->promptEdit()->setText("a wooden sailing boat");
    shot("mask-painted");
    QTest::mouseClick(window.promptPanel()->generateButton(), Qt::LeftButton);
    waitFor(
        "the classic fill", [&] { return window.galleryPanel()->count() > 0; }, 30000);
    shot("classic-fill-candidate");
    QTest::mouseClick(window.galleryPanel()->applyButton(), Qt::LeftButton);
    shot("classic-fill-applied");
    window.document()->undoStack()->setClean();  // close without the save question
    window.close();
  }

  const QString fixtures = argc > 2 ? QString::fromLocal8Bit(argv[2]) : QString();
  if (fixtures.isEmpty() || !writeTinyGlide(fixtures, glideModels.path())) {
    std::printf("no GLIDE tokenizer fixtures: skipping the diffusion screenshots\n");
    return 0;
  }
  {
    // Tiny GLIDE models: a run in progress, then its candidates in the gallery.
    const pbapp::ModelsDirChoice models{glideModels.path(), "--models"};
    pbapp::EngineBridge bridge(pbapp::engineConfigFromSettings(models));
    MainWindow window;
    pbapp::AppController controller(&window, &bridge, models);
    window.setGeometry(QGuiApplication::primaryScreen()->availableGeometry());
    window.show();
    waitFor(
        "the window", [&] { return window.isVisible(); }, 5000);
    window.openFile(imagePath);
    paint(window.canvas(), {{150, 230}, {200, 210}, {250, 225}, {300, 215}});
    RunSettings s;
    s.prompt = "a wooden sailing boat";
    s.quality = QualityPreset::Custom;
    s.customSteps = 400;
    s.candidates = 3;
    window.promptPanel()->setSettings(s);

    // The longest gap between two ticks of a 1 ms timer while the run works.
    QElapsedTimer clock;
    qint64 last = 0, worst = 0;
    QTimer ticker;
    ticker.setInterval(1);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
      const qint64 now = clock.nsecsElapsed();
      if (last) worst = qMax(worst, now - last);
      last = now;
    });
    clock.start();
    ticker.start();
    QTest::mouseClick(window.promptPanel()->generateButton(), Qt::LeftButton);
    waitFor(
        "progress", [&] { return window.promptPanel()->progressBar()->value() > 60; }, 60000);
    shot("glide-running");
    waitFor(
        "the GLIDE run", [&] { return window.galleryPanel()->count() > 0; }, 300000);
    ticker.stop();
    std::printf("longest GUI-thread gap during the run: %.1f ms\n", worst / 1e6);
    shot("glide-candidates");
    window.document()->undoStack()->setClean();
    window.close();
  }
  return 0;
}
