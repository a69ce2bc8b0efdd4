// The Interpolate panel alone (no engine): set-up edits are reported at once and the strip is
// asked for once they settle; the strip fills as frames arrive; moving the slider shows the
// nearest frame it has at once (no waiting) and asks for the exact frame only when the slider
// rests, once per rest; stale frames are dropped; the text-diff variant; export buttons.
#include <QCheckBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>
#include <QtTest>

#include "ui/panels/interpolate_panel.h"
#include "ui/panels/interpolation_strip.h"

namespace {
QImage solid(int edge, int value) {
  QImage im(edge, edge, QImage::Format_RGB32);
  im.fill(qRgb(value, 255 - value, value / 2));
  return im;
}
}  // namespace

class TestInterpolatePanel : public QObject {
  Q_OBJECT
  using Well = InterpolatePanel::Well;

 private slots:
  void init() {
    panel_ = std::make_unique<InterpolatePanel>();
    panel_->resize(900, 300);
    panel_->show();
    QVERIFY(QTest::qWaitForWindowExposed(panel_.get()));
  }
  void cleanup() { panel_.reset(); }

  void stripIsAskedForOnceTheSetupSettles() {
    QSignalSpy changed(panel_.get(), &InterpolatePanel::setupChanged);
    QSignalSpy strip(panel_.get(), &InterpolatePanel::stripRequested);
    panel_->setImage(Well::A, solid(64, 10));
    QCOMPARE(changed.count(), 1);  // at once
    QTest::qWait(InterpolatePanel::kSettleMs + 200);
    QCOMPARE(strip.count(), 0);  // B missing: nothing to render
    panel_->setImage(Well::B, solid(64, 200));
    panel_->setInvert(true);
    panel_->setFrameCount(6);
    QCOMPARE(changed.count(), 4);
    QCOMPARE(strip.count(), 0);
    QTRY_COMPARE(strip.count(), 1);
    QTest::qWait(InterpolatePanel::kSettleMs + 100);
    QCOMPARE(strip.count(), 1);  // one request for the settled set-up, not one per edit
    const auto s = strip.at(0).at(0).value<InterpolationSetup>();
    QVERIFY(s.isComplete());
    QVERIFY(s.invert);
    QCOMPARE(s.frames, 6);
    QCOMPARE(s.generation, panel_->generation());
    QCOMPARE(s.stripPositions(), (QVector<double>{0, 0.2, 0.4, 0.6, 0.8, 1.0}));
    QCOMPARE(panel_->strip()->count(), 6);
  }

  void nearestFrameShowsAtOnceAndStaleFramesAreDropped() {
    setUpComplete(5);  // positions 0, .25, .5, .75, 1
    const int gen = panel_->generation();
    panel_->setStripFrame(gen - 1, 0, solid(64, 1));  // an older set-up's frame
    QVERIFY(panel_->shownFrame().isNull());
    QCOMPARE(panel_->strip()->filledCount(), 0);
    for (int i : {0, 4, 2}) panel_->setStripFrame(gen, i, solid(64, 50 * i));
    QCOMPARE(panel_->strip()->filledCount(), 3);
    QVERIFY(!panel_->stripComplete());
    QVERIFY(!panel_->exportButton(InterpolatePanel::ExportKind::AnimatedWebp)->isEnabled());

    // 0.3 is nearest to 0.5 (frame 2) among the rendered 0, 0.5 and 1.
    QElapsedTimer clock;
    clock.start();
    panel_->setPosition(0.3);
    const qint64 ms = clock.elapsed();
    QCOMPARE(panel_->shownFramePosition(), 0.5);
    QCOMPARE(panel_->shownFrame(), solid(64, 100));
    QVERIFY2(ms < 50, qPrintable(QString("%1 ms to show the nearest frame").arg(ms)));
    QVERIFY(!panel_->view()->pixmap().isNull());
    panel_->setPosition(0.2);
    QCOMPARE(panel_->shownFramePosition(), 0.0);
    panel_->setPosition(0.9);
    QCOMPARE(panel_->shownFramePosition(), 1.0);
    // Frame 3 (0.75) arrives: now the nearest to 0.9? No: 1.0 is nearer (0.1 vs 0.15).
    panel_->setStripFrame(gen, 3, solid(64, 150));
    QCOMPARE(panel_->shownFramePosition(), 1.0);
    panel_->setPosition(0.8);
    QCOMPARE(panel_->shownFramePosition(), 0.75);

    panel_->setStripFrame(gen, 1, solid(64, 60));
    QVERIFY(panel_->stripComplete());
    for (auto kind :
         {InterpolatePanel::ExportKind::PngFrames, InterpolatePanel::ExportKind::AnimatedWebp,
          InterpolatePanel::ExportKind::ContactSheet})
      QVERIFY(panel_->exportButton(kind)->isEnabled());

    // Any edit empties the strip: the frames belong to the old set-up.
    panel_->setSeed(3);
    QCOMPARE(panel_->strip()->filledCount(), 0);
    QVERIFY(panel_->shownFrame().isNull());
    QVERIFY(!panel_->exportButton(InterpolatePanel::ExportKind::PngFrames)->isEnabled());
  }

  void dragAsksForTheExactFrameOnlyWhenTheSliderRests() {
    setUpComplete(8);
    const int gen = panel_->generation();
    QSignalSpy exact(panel_.get(), &InterpolatePanel::exactFrameRequested);
    QTRY_COMPARE(exact.count(), 1);  // the resting slider after the strip request (at 0)
    exact.clear();
    panel_->setStripFrame(gen, 0, solid(64, 0));
    // A drag: 25 moves, 20 ms apart, far under the rest time.
    for (int i = 1; i <= 25; ++i) {
      panel_->slider()->setValue(i * 20);
      QTest::qWait(20);
      QCOMPARE(exact.count(), 0);
      QCOMPARE(panel_->shownFramePosition(), 0.0);  // shown without waiting
    }
    QTRY_COMPARE(exact.count(), 1);
    QTest::qWait(InterpolatePanel::kRestMs + 100);
    QCOMPARE(exact.count(), 1);
    QCOMPARE(exact.at(0).at(1).toDouble(), 0.5);
    QCOMPARE(exact.at(0).at(0).value<InterpolationSetup>().generation, gen);

    // The exact frame replaces the nearest one.
    panel_->setExactFrame(gen, 0.5, solid(256, 77));
    QVERIFY(panel_->shownFrameIsExact());
    QCOMPARE(panel_->shownFrame().size(), QSize(256, 256));
    QCOMPARE(panel_->exactFrameCount(), 1);
    // A stale exact frame is dropped.
    panel_->setExactFrame(gen - 1, 0.6, solid(256, 99));
    QCOMPARE(panel_->exactFrameCount(), 1);
    // Away and back to an exact frame: shown at once, nothing asked for.
    panel_->setPosition(0.1);
    QTRY_COMPARE(exact.count(), 2);
    panel_->setPosition(0.5);
    QVERIFY(panel_->shownFrameIsExact());
    QTest::qWait(InterpolatePanel::kRestMs + 150);
    QCOMPARE(exact.count(), 2);
  }

  void stripCellClickMovesTheSlider() {
    setUpComplete(5);
    InterpolationStrip* strip = panel_->strip();
    QTest::mouseClick(strip, Qt::LeftButton, Qt::NoModifier, strip->cellRect(3).center());
    QCOMPARE(panel_->position(), 0.75);
  }

  void textDiffTakesCaptionsInsteadOfImageB() {
    QSignalSpy strip(panel_.get(), &InterpolatePanel::stripRequested);
    panel_->setImage(Well::A, solid(64, 10));
    panel_->setTextDiff(true);
    QVERIFY(panel_->fromEdit()->isVisible());
    QVERIFY(!panel_->wellButton(Well::B)->isVisible());
    QVERIFY(!panel_->setup().isComplete());
    QTest::keyClicks(panel_->fromEdit(), "a photo of a cat");
    QVERIFY(!panel_->setup().isComplete());
    QTest::keyClicks(panel_->toEdit(), "an anime drawing of a cat");
    QTRY_COMPARE(strip.count(), 1);
    const auto s = strip.at(0).at(0).value<InterpolationSetup>();
    QVERIFY(s.textDiff);
    QCOMPARE(s.fromCaption, QStringLiteral("a photo of a cat"));
    QCOMPARE(s.toCaption, QStringLiteral("an anime drawing of a cat"));
    QVERIFY(s.imageB.isNull());
    panel_->setTextDiff(false);
    QVERIFY(panel_->wellButton(Well::B)->isVisible());
    QVERIFY(!panel_->setup().isComplete());
  }

  void exportButtonsAndWellMenusEmitIntents() {
    setUpComplete(2);
    const int gen = panel_->generation();
    panel_->setStripFrame(gen, 0, solid(64, 0));
    panel_->setStripFrame(gen, 1, solid(64, 255));
    QSignalSpy exportSpy(panel_.get(), &InterpolatePanel::exportRequested);
    QTest::mouseClick(panel_->exportButton(InterpolatePanel::ExportKind::ContactSheet),
                      Qt::LeftButton);
    QCOMPARE(exportSpy.count(), 1);
    QCOMPARE(exportSpy.at(0).at(0).value<InterpolatePanel::ExportKind>(),
             InterpolatePanel::ExportKind::ContactSheet);
    QSignalSpy imageSpy(panel_.get(), &InterpolatePanel::imageRequested);
    auto* paste = panel_->findChild<QAction*>("wellBSource3");
    QVERIFY(paste);
    paste->trigger();
    QCOMPARE(imageSpy.count(), 1);
    QCOMPARE(imageSpy.at(0).at(0).value<Well>(), Well::B);
    QCOMPARE(imageSpy.at(0).at(1).value<InterpolatePanel::ImageSource>(),
             InterpolatePanel::ImageSource::Clipboard);
  }

 private:
  // Both images set and the strip asked for (at once, without the settle wait).
  void setUpComplete(int frames) {
    panel_->setFrameCount(frames);
    panel_->setImage(Well::A, solid(64, 10));
    panel_->setImage(Well::B, solid(64, 200));
    QSignalSpy strip(panel_.get(), &InterpolatePanel::stripRequested);
    panel_->requestStrip();
    QCOMPARE(strip.count(), 1);
  }

  std::unique_ptr<InterpolatePanel> panel_;
};

QTEST_MAIN(TestInterpolatePanel)
#include "tst_ui_interpolate_panel.moc"
