// The Interpolate mode through the real window and engine with the unCLIP fixtures' tiny
// random-weight models: wells filled from the canvas and the clipboard, the strip fills in
// frame by frame, the frame under the resting slider is finished to full size and shown in
// place of the nearest strip frame, a drag asks for nothing until the slider rests and newer
// rests supersede older exact-frame jobs, an edit cancels the strip, the text-diff variant
// renders, and the exports are written and readable.
#include <QAbstractButton>
#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QFile>
#include <QImageReader>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>

#include "app/gui/interpolation_controller.h"
#include "tests/app/app_harness.h"
#include "tests/common/karlo_models.h"
#include "ui/panels/interpolate_panel.h"
#include "ui/panels/interpolation_strip.h"
#include "ui/panels/prompt_panel.h"

class TestInterpolate : public QObject {
  Q_OBJECT
  using Well = InterpolatePanel::Well;
  using Kind = InterpolatePanel::ExportKind;

 private slots:
  void initTestCase() {
    apptest::isolateSettings();
    QVERIFY(models_.isValid());
    have_ = pbtest::make_karlo_models_dir(models_.path(), /*prior=*/false);
  }

  void init() {
    if (!have_) QSKIP("unCLIP fixtures not found");
    app_ = std::make_unique<apptest::App>(models_.path());
    QVERIFY(app_->exposed());
    app_->doc()->setImage(apptest::gradientImage(QSize(160, 120)), "/tmp/a.png");
    PromptPanel* prompt = app_->window->promptPanel();
    QVERIFY(prompt->modeButton(GenerationMode::Interpolate)->isEnabled());
    QTest::mouseClick(prompt->modeButton(GenerationMode::Interpolate), Qt::LeftButton);
    QVERIFY(app_->window->interpolateDock()->isVisible());
  }
  void cleanup() { app_.reset(); }

  void stripFillsAndTheRestingFrameIsFinished() {
    panel()->setFrameCount(4);
    fillWells();
    QTRY_VERIFY_WITH_TIMEOUT(panel()->stripComplete(), 240000);
    QCOMPARE(stats().stripJobs, 4);
    QCOMPARE(stats().stripFrames, 4);
    QCOMPARE(panel()->strip()->filledCount(), 4);
    const QSize stripSize = panel()->stripFrames().first().size();
    QCOMPARE(stripSize.width(), stripSize.height());
    for (const QImage& f : panel()->stripFrames()) QCOMPARE(f.size(), stripSize);
    // The ends differ (A and B are different pictures).
    QVERIFY(panel()->stripFrames().first() != panel()->stripFrames().last());

    // The slider rested at 0 when the strip was asked for: that frame is finished to full
    // size and replaces the strip's frame in the view.
    QTRY_VERIFY_WITH_TIMEOUT(panel()->shownFrameIsExact(), 240000);
    QCOMPARE(panel()->shownFramePosition(), 0.0);
    QVERIFY(panel()->shownFrame().width() > stripSize.width());
    QCOMPARE(stats().exactFinished, 1);

    // Moving the slider shows the nearest rendered frame at once, without the engine.
    QElapsedTimer clock;
    clock.start();
    panel()->setPosition(0.7);  // nearest: 2/3
    const qint64 ms = clock.elapsed();
    QCOMPARE(panel()->shownFrame(), panel()->stripFrames().at(2));
    QVERIFY2(ms < 50, qPrintable(QString("%1 ms").arg(ms)));
    QTRY_VERIFY_WITH_TIMEOUT(panel()->shownFrameIsExact() && panel()->shownFramePosition() == 0.7,
                             240000);
    QCOMPARE(stats().exactFinished, 2);
    QCOMPARE(stats().exactSuperseded, 0);
    QTRY_COMPARE_WITH_TIMEOUT(controller()->outstanding(), 0, 30000);
  }

  // A multi-frame job reports each frame through frameReady, before finished().
  void bridgeDeliversEveryFrameBeforeTheEnd() {
    InterpolationSetup setup;
    setup.imageA = app_->doc()->image();
    setup.imageB = setup.imageA.mirrored(true, false);
    QVector<int> indices;
    bool endedFirst = false;
    quint64 job = 0;
    bool done = false;
    QObject ctx;
    connect(app_->bridge.get(), &pbapp::EngineBridge::frameReady, &ctx,
            [&](quint64 id, int index, const QImage& frame) {
              if (id != job) return;
              QVERIFY(!frame.isNull());
              endedFirst = endedFirst || done;
              indices << index;
            });
    connect(app_->bridge.get(), &pbapp::EngineBridge::finished, &ctx,
            [&](quint64 id) { done = done || id == job; });
    job = app_->bridge->submit(pbapp::interpolationRequest(setup, {0.0f, 0.5f, 1.0f}, false),
                               pbapp::JobFrame{});
    QTRY_VERIFY_WITH_TIMEOUT(done, 240000);
    std::sort(indices.begin(), indices.end());
    QVERIFY2(indices == (QVector<int>{0, 1, 2}),
             "no per-frame callbacks: pb::Engine must forward RunCallbacks::on_frame");
    QVERIFY(!endedFirst);
  }

  void dragsAskForNothingAndNewerRestsSupersede() {
    panel()->setFrameCount(8);
    fillWells();
    QTRY_VERIFY_WITH_TIMEOUT(stats().stripJobs == 8, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(stats().exactSubmitted, 1, 30000);  // the rest at 0
    // A drag while the strip renders: 40 moves, 10 ms apart, submit nothing.
    for (int i = 1; i <= 40; ++i) {
      panel()->slider()->setValue(i * 10);
      QTest::qWait(10);
    }
    QCOMPARE(stats().exactSubmitted, 1);
    // Three rests in a row, each just past the rest time: each asks for its frame; while the
    // engine is busy with the strip, every newer one supersedes the older ones.
    for (double t : {0.45, 0.55, 0.65}) {
      const int before = stats().exactSubmitted;
      panel()->setPosition(t);
      QTRY_COMPARE_WITH_TIMEOUT(stats().exactSubmitted, before + 1, 5000);
    }
    QCOMPARE(stats().exactSubmitted, 4);  // 0, 0.45, 0.55, 0.65: the drag never rested
    QTRY_COMPARE_WITH_TIMEOUT(controller()->outstanding(), 0, 300000);
    const pbapp::InterpolationStats s = stats();
    qInfo("exact frames: %d asked for, %d finished, %d superseded; strip %d/%d frames",
          s.exactSubmitted, s.exactFinished, s.exactSuperseded, s.stripFrames, s.stripJobs);
    QCOMPARE(s.exactFinished + s.exactSuperseded, s.exactSubmitted);
    QVERIFY(s.exactSuperseded >= 2);  // 0.45 and 0.55 at least: newer rests came in time
    QCOMPARE(s.failed, 0);
    QCOMPARE(s.stripFrames, 8);
    QVERIFY(panel()->shownFrameIsExact());
    QCOMPARE(panel()->shownFramePosition(), 0.65);
  }

  void anEditCancelsTheStrip() {
    panel()->setFrameCount(8);
    fillWells();
    QTRY_VERIFY_WITH_TIMEOUT(stats().stripFrames >= 1, 240000);
    const int generation = panel()->generation();
    const int live = controller()->outstanding();
    QVERIFY(live >= 5);
    panel()->setInvert(true);  // every queued and running frame is stale now
    // At once, not when the new set-up settles and its strip is asked for.
    QCOMPARE(stats().cancelRequests, live);
    QVERIFY(panel()->generation() != generation);
    QCOMPARE(panel()->strip()->filledCount(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(stats().stripCancelled >= 5, 60000);
    // The new set-up's strip renders in full.
    QTRY_VERIFY_WITH_TIMEOUT(panel()->stripComplete(), 300000);
    QCOMPARE(stats().stripJobs, 16);
  }

  void textDiffRenders() {
    panel()->setFrameCount(2);
    triggerWell(Well::A, InterpolatePanel::ImageSource::Canvas);
    panel()->setTextDiff(true);
    panel()->setCaptions("a photo of a cat", "an anime drawing of a cat");
    QTRY_VERIFY_WITH_TIMEOUT(panel()->stripComplete(), 240000);
    QCOMPARE(stats().failed, 0);
  }

  void exportsAreWrittenAndReadable() {
    panel()->setFrameCount(4);
    fillWells();
    QTRY_VERIFY_WITH_TIMEOUT(panel()->stripComplete(), 240000);
    QTemporaryDir out;
    QString error;
    const QSize frame = panel()->stripFrames().first().size();

    const QString folder = out.filePath("frames");
    QVERIFY2(controller()->exportStrip(Kind::PngFrames, folder, &error), qPrintable(error));
    for (int i = 1; i <= 4; ++i) {
      QImageReader reader(QStringLiteral("%1/frame_%2.png").arg(folder).arg(i, 4, 10, QChar('0')));
      QVERIFY2(reader.canRead(), qPrintable(reader.fileName()));
      QCOMPARE(reader.size(), frame);
      QCOMPARE(reader.text("frame"), QString::number(i));
      QVERIFY(!reader.text("position").isEmpty());
      QCOMPARE(reader.text("mode"), QStringLiteral("interpolate"));
    }

    const QString webp = out.filePath("strip.webp");
    QVERIFY2(controller()->exportStrip(Kind::AnimatedWebp, webp, &error), qPrintable(error));
    QFile f(webp);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY(bytes.size() > 12);
    QCOMPARE(bytes.left(4), QByteArray("RIFF"));
    QCOMPARE(bytes.mid(8, 4), QByteArray("WEBP"));
    QVERIFY(bytes.contains("ANIM"));  // an animation, not one still

    const QString sheet = out.filePath("sheet.png");
    QVERIFY2(controller()->exportStrip(Kind::ContactSheet, sheet, &error), qPrintable(error));
    const QImage s(sheet);
    QCOMPARE(s.size(), QSize(2 * frame.width() + 4, 2 * frame.height() + 4));  // 2x2, 4 px gap
    QCOMPARE(s.pixel(0, 0), panel()->stripFrames().at(0).pixel(0, 0));

    // An unwritable target fails with a message, no crash.
    QVERIFY(!controller()->exportStrip(Kind::AnimatedWebp, "/nonexistent/dir/x.webp", &error));
    QVERIFY(!error.isEmpty());
  }

 private:
  void triggerWell(Well well, InterpolatePanel::ImageSource source) {
    auto* a = panel()->findChild<QAction*>(
        QStringLiteral("well%1Source%2").arg(well == Well::A ? "A" : "B").arg(int(source)));
    QVERIFY(a);
    a->trigger();
  }
  // A from the canvas, B (the mirrored picture) from the clipboard.
  void fillWells() {
    triggerWell(Well::A, InterpolatePanel::ImageSource::Canvas);
    QCOMPARE(panel()->image(Well::A), app_->doc()->image());
    const QImage b = app_->doc()->image().mirrored(true, true);
    QApplication::clipboard()->setImage(b);
    triggerWell(Well::B, InterpolatePanel::ImageSource::Clipboard);
    QVERIFY(!panel()->image(Well::B).isNull());
    QVERIFY(panel()->setup().isComplete());
  }
  InterpolatePanel* panel() const { return app_->window->interpolatePanel(); }
  pbapp::InterpolationController* controller() const { return app_->controller->interpolation(); }
  const pbapp::InterpolationStats& stats() const { return controller()->stats(); }

  QTemporaryDir models_;
  bool have_ = false;
  std::unique_ptr<apptest::App> app_;
};

QTEST_MAIN(TestInterpolate)
#include "tst_app_interpolate.moc"
