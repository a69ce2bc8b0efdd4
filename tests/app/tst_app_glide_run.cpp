// GLIDE inpainting through the real window with tiny random-weight models written by the
// test into a temporary models folder: progress and previews arrive, Cancel stops the run
// within a step, results land in the gallery, Apply and undo round-trip, rapid Generate
// presses queue up (every one runs to the end unless removed from the queue; Cancel stops
// only the running one), and closing mid-run is prompt.
#include <torch/torch.h>

#include <QAbstractButton>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSet>
#include <QTemporaryDir>
#include <QToolButton>
#include <QUndoStack>
#include <QtTest>

#include "app/gui/image_convert.h"
#include "engine/pipelines/compositor.h"
#include "tests/app/app_harness.h"
#include "tests/app/tiny_glide.h"
#include "tests/common/fixtures.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"
#include "ui/panels/run_queue_view.h"

class TestGlideRun : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    apptest::isolateSettings();
    QVERIFY(models_.isValid());
    PB_WRITE_TINY_GLIDE_MODELS(models_.path());
  }

  void init() {
    app_ = std::make_unique<apptest::App>(models_.path());
    QVERIFY(app_->exposed());
    original_ = apptest::gradientImage(QSize(160, 120));
    app_->doc()->setImage(original_, QStringLiteral("/tmp/gradient.png"));
    app_->canvas()->fitToWindow();
    app_->paint({{50, 40}, {90, 60}, {110, 70}});
    QVERIFY(!app_->doc()->maskIsEmpty());
    panel()->setSettings(fixedSettings(20));
  }
  void cleanup() { app_.reset(); }

  void glideIsAvailable() {
    QCOMPARE(FillMethod(panel()->methodCombo()->currentData().toInt()), FillMethod::Glide);
    QVERIFY(panel()->generateButton()->isEnabled());
  }

  void runShowsProgressPreviewAndLandsInGallery() {
    int progressEvents = 0, previews = 0;
    QObject ctx;
    connect(app_->bridge.get(), &pbapp::EngineBridge::progress, &ctx,
            [&](quint64, const RunProgress& p) { progressEvents += p.stage == "base"; });
    connect(app_->bridge.get(), &pbapp::EngineBridge::preview, &ctx, [&] { ++previews; });
    QSignalSpy previewShown(app_->doc(), &Document::previewChanged);

    panel()->setSettings(fixedSettings(20, /*candidates=*/2));
    QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
    QVERIFY(panel()->isRunning());
    QVERIFY(panel()->cancelButton()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(progressEvents > 0, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(panel()->progressLabel()->text().contains("step"), 60000);
    QTRY_COMPARE_WITH_TIMEOUT(gallery()->count(), 2, 120000);
    QVERIFY(previews > 0);
    QVERIFY(previewShown.count() > 0);
    QVERIFY(!panel()->isRunning());
    QCOMPARE(app_->window->historyPanel()->count(), 1);
    QCOMPARE(app_->window->historyPanel()->run(0).settings.prompt, QStringLiteral("a red apple"));

    // Apply the second candidate: only pixels of the engine's compositing region change;
    // undo restores the original.
    const QImage region = pbapp::toQImage(
        pb::pipelines::composite_alpha(pbapp::toMask(app_->doc()->mask()), pb::MaskSettings{}));
    gallery()->select(1);
    QCOMPARE(app_->doc()->preview(), gallery()->candidate(1));
    QTest::mouseClick(gallery()->applyButton(), Qt::LeftButton);
    const QImage applied = app_->doc()->image();
    int changed = 0;
    for (int y = 0; y < applied.height(); ++y)
      for (int x = 0; x < applied.width(); ++x) {
        const bool differs = (applied.pixel(x, y) & 0xffffff) != (original_.pixel(x, y) & 0xffffff);
        if (region.constScanLine(y)[x] == 0) QVERIFY(!differs);
        changed += differs;
      }
    QVERIFY(changed > 0);
    QVERIFY(app_->doc()->appliedParameters().last().toObject().contains("prompt"));
    app_->doc()->undoStack()->undo();
    QCOMPARE(app_->doc()->image().convertToFormat(QImage::Format_RGB32), original_);
    app_->doc()->undoStack()->redo();
    QCOMPARE(app_->doc()->image(), applied);
  }

  void cancelStopsWithinAStep() {
    int lastStep = 0;
    QObject ctx;
    connect(app_->bridge.get(), &pbapp::EngineBridge::progress, &ctx,
            [&](quint64, const RunProgress& p) {
              if (p.stage == "base") lastStep = p.step;
            });
    panel()->setSettings(fixedSettings(1000));
    QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(lastStep >= 2, 60000);
    app_->window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(app_->window.get()));
    QTest::keyClick(app_->window.get(), Qt::Key_Escape);  // Cancel (Esc)
    const int stepAtCancel = lastStep;
    QTRY_VERIFY_WITH_TIMEOUT(!panel()->isRunning(), 30000);
    QCOMPARE(panel()->progressLabel()->text(), QStringLiteral("Cancelled"));
    QCOMPARE(app_->bridge->outstanding(), 0);
    QVERIFY2(lastStep <= stepAtCancel + 2,
             qPrintable(QString("ran on from step %1 to %2").arg(stepAtCancel).arg(lastStep)));
    QCOMPARE(gallery()->count(), 0);
    QVERIFY(app_->doc()->preview().isNull());
    QCOMPARE(app_->doc()->image().convertToFormat(QImage::Format_RGB32), original_);
  }

  void rapidGeneratePressesQueue() {
    // 20 presses: the first starts a long run, the 19 others queue behind it, each with the
    // prompt it was pressed with. Two are removed from the queue and never reach the engine;
    // Cancel stops the running one only; the other 17 run to their last step, in order.
    // Nothing is cancelled that the person did not cancel.
    QList<quint64> finished, cancelled, failed;
    QStringList finishedPrompts;
    // Per job, the furthest overall step and the overall total any progress report named
    // (the bridge keeps only the newest report of a job: a later phase may replace the one of
    // the last step).
    QHash<quint64, QPair<int, int>> reached;
    QSet<quint64> jobs;
    QObject ctx;
    pbapp::EngineBridge* bridge = app_->bridge.get();
    connect(bridge, &pbapp::EngineBridge::finished, &ctx,
            [&](quint64 job, const pbapp::BridgeResult& r) {
              finished << job;
              finishedPrompts << r.parameters.value("prompt").toString();
            });
    connect(bridge, &pbapp::EngineBridge::cancelled, &ctx, [&](quint64 job) { cancelled << job; });
    connect(bridge, &pbapp::EngineBridge::failed, &ctx,
            [&](quint64 job, const QString&) { failed << job; });
    connect(bridge, &pbapp::EngineBridge::progress, &ctx, [&](quint64 job, const RunProgress& p) {
      jobs.insert(job);
      QPair<int, int>& r = reached[job];
      r = {qMax(r.first, p.overallStep), qMax(r.second, p.overallTotal)};
    });
    RunQueueView* queue = panel()->queueView();
    // The first run is long enough for all the presses to queue behind it; the others are
    // short (2 steps in both stages, as a restored run's exact sampling can say).
    RunSettings quick = fixedSettings(2);
    quick.sampling = {"DDPM", "2", "DDPM", "2"};
    for (int i = 0; i < 20; ++i) {
      if (i < 2) panel()->setSettings(i == 0 ? fixedSettings(1000) : quick);
      panel()->promptEdit()->setText(QStringLiteral("press %1").arg(i));
      QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
      QCoreApplication::processEvents();
    }
    QCOMPARE(bridge->outstanding(), 1);
    QCOMPARE(app_->controller->queuedTickets().size(), 19);
    QCOMPARE(queue->count(), 19);
    QVERIFY(queue->isVisible());
    QCOMPARE(queue->label(0)->text(), QStringLiteral("Queued: press 1 (2 steps, seed 7)"));
    QCOMPARE(queue->label(18)->text(), QStringLiteral("Queued: press 19 (2 steps, seed 7)"));

    auto removeQueued = [&](const QString& prompt) {
      for (int i = 0; i < queue->count(); ++i)
        if (queue->label(i)->text().startsWith(QStringLiteral("Queued: %1 (").arg(prompt))) {
          QVERIFY(!queue->removeButton(i)->accessibleName().isEmpty());
          QVERIFY(!queue->removeButton(i)->toolTip().isEmpty());
          QTest::mouseClick(queue->removeButton(i), Qt::LeftButton);
          return;
        }
      QFAIL(qPrintable(prompt + QStringLiteral(" is not queued")));
    };
    removeQueued(QStringLiteral("press 5"));
    removeQueued(QStringLiteral("press 12"));
    QCOMPARE(queue->count(), 17);

    // Cancel: the running job ends cancelled, the next in the queue starts.
    QTRY_VERIFY_WITH_TIMEOUT(!jobs.isEmpty(), 60000);
    const quint64 first = *jobs.begin();
    QTest::mouseClick(panel()->cancelButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(cancelled, QList<quint64>{first}, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(queue->count(), 16, 30000);
    QVERIFY(panel()->isRunning());

    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 17, 300000);
    QTRY_VERIFY_WITH_TIMEOUT(!panel()->isRunning(), 30000);
    QCOMPARE(failed.size(), 0);
    QCOMPARE(cancelled, QList<quint64>{first});
    QStringList expected;
    for (int i = 1; i < 20; ++i)
      if (i != 5 && i != 12) expected << QStringLiteral("press %1").arg(i);
    QCOMPARE(finishedPrompts, expected);  // in the order pressed, the removed ones never
    for (quint64 job : finished) {
      const auto [step, total] = reached.value(job);
      QVERIFY2(
          total > 0 && step == total,
          qPrintable(QStringLiteral("job %1 reached step %2 of %3").arg(job).arg(step).arg(total)));
    }
    QCOMPARE(jobs.size(), 18);  // the two removed ones never reached the engine
    QCOMPARE(bridge->outstanding(), 0);
    QCOMPARE(queue->count(), 0);
    QVERIFY(!queue->isVisible());
    HistoryPanel* history = app_->window->historyPanel();
    QCOMPARE(history->count(), 17);
    for (int i = 0; i < history->count(); ++i)
      QCOMPARE(history->run(i).settings.prompt, expected[i]);
    QCOMPARE(gallery()->runId(), history->run(16).id);  // the gallery shows the newest
  }

  void windowClosesPromptlyWhileRunning() {
    // Closing cancels the run; the engine stops at its next step and the thread is joined.
    // A tiny model's step takes milliseconds; without cancellation the 1000 steps would
    // take tens of seconds. The bound leaves room for a loaded 2-core machine.
    constexpr qint64 kMaxCloseMs = 5000;
    panel()->setSettings(fixedSettings(1000));
    QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(panel()->progressLabel()->text().contains("step"), 60000);
    apptest::answerNextMessageBox(QMessageBox::Discard);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(app_->window->close());
    app_.reset();  // joins the engine thread
    const qint64 ms = clock.elapsed();
    QVERIFY2(ms < kMaxCloseMs, qPrintable(QStringLiteral("closing the window mid-run took %1 ms "
                                                         "(bound %2 ms)")
                                              .arg(ms)
                                              .arg(kMaxCloseMs)));
    qInfo("closing the window mid-run took %lld ms (bound %lld ms)", ms, kMaxCloseMs);
  }

 private:
  static RunSettings fixedSettings(int steps, int candidates = 1) {
    RunSettings s;
    s.mode = GenerationMode::Inpaint;
    s.method = FillMethod::Glide;
    s.prompt = QStringLiteral("a red apple");
    s.quality = QualityPreset::Custom;
    s.customSteps = steps;
    s.randomSeed = false;
    s.seed = 7;
    s.candidates = candidates;
    return s;
  }
  PromptPanel* panel() const { return app_->window->promptPanel(); }
  GalleryPanel* gallery() const { return app_->window->galleryPanel(); }

  QTemporaryDir models_;
  std::unique_ptr<apptest::App> app_;
  QImage original_;
};

QTEST_MAIN(TestGlideRun)
#include "tst_app_glide_run.moc"
