// GLIDE inpainting through the real window with tiny random-weight models written by the
// test into a temporary models folder: progress and previews arrive, Cancel stops the run
// within a step, results land in the gallery, Apply and undo round-trip, rapid Generate
// presses supersede each other (one job runs to the end), and closing mid-run is prompt.
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
#include <QUndoStack>
#include <QtTest>

#include "app/gui/image_convert.h"
#include "engine/io/safetensors_writer.h"
#include "engine/nn/glide/config.h"
#include "engine/nn/glide/model.h"
#include "engine/pipelines/window.h"
#include "tests/app/app_harness.h"
#include "tests/common/fixtures.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"

namespace {

// Options of a tiny model: 32x32 base, 64x64 upsampler, short text context.
std::string tinyOptions(bool superRes) {
  // 2^(levels+2) == image_size: 3 levels at 32, 4 at 64.
  return std::string(R"({"image_size": )") +
         (superRes ? R"(64, "channel_mult": "1,1,1,1")" : R"(32, "channel_mult": "1,1,1")") +
         R"(, "num_channels": 32, "num_res_blocks": 1,
            "attention_resolutions": "16,8", "num_head_channels": 8, "text_ctx": 16,
            "xf_width": 8, "xf_layers": 1, "xf_heads": 2, "inpaint": true, "super_res": )" +
         (superRes ? "true" : "false") + "}";
}

// Writes <name>.pt (safetensors content: the readers go by content) and <name>.json.
void writeTinyModel(const QString& dir, const QString& name, bool superRes) {
  const std::string options = tinyOptions(superRes);
  torch::manual_seed(superRes ? 2 : 1);
  pb::nn::glide::GlideUNet model(pb::nn::glide::config_from_json(options));
  pb::io::save_safetensors(QDir(dir).filePath(name + ".pt").toStdString(),
                           pb::io::named_tensors(*model));
  QFile json(QDir(dir).filePath(name + ".json"));
  QVERIFY(json.open(QIODevice::WriteOnly));
  json.write(options.c_str());
}

}  // namespace

class TestGlideRun : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    apptest::isolateSettings();
    PB_REQUIRE_FIXTURE(encoder, "tokenizer/encoder.json.gz");
    PB_REQUIRE_FIXTURE(merges, "tokenizer/vocab.bpe.gz");
    QVERIFY(models_.isValid());
    QVERIFY(QFile::copy(encoder, models_.filePath("encoder.json.gz")));
    QVERIFY(QFile::copy(merges, models_.filePath("vocab.bpe.gz")));
    writeTinyModel(models_.path(), "base_inpaint", false);
    writeTinyModel(models_.path(), "upsample_inpaint", true);
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

  void rapidGeneratePressesSupersede() {
    // Today's behaviour (AppController's "generate" supersede group; issue 10 will queue
    // instead): each press supersedes the job before it, queued or running. 20 presses start
    // 20 jobs; exactly one, the newest, runs its sampling to the end and shows results; the
    // other 19 end cancelled, stopped before their last step. How many of those 19 began
    // sampling depends on when the engine thread picked them up between two presses: only
    // reported.
    panel()->setSettings(fixedSettings(200));
    QList<quint64> finished, cancelled, failed;
    // Per job, the furthest overall step and the overall total any progress report named
    // (the bridge keeps only the newest report of a job: a later phase may replace the one of
    // the last step), and the jobs that reported a sampling step.
    QHash<quint64, QPair<int, int>> reached;
    QSet<quint64> sampled;
    QObject ctx;
    pbapp::EngineBridge* bridge = app_->bridge.get();
    connect(bridge, &pbapp::EngineBridge::finished, &ctx,
            [&](quint64 job, const pbapp::BridgeResult&) { finished << job; });
    connect(bridge, &pbapp::EngineBridge::cancelled, &ctx, [&](quint64 job) { cancelled << job; });
    connect(bridge, &pbapp::EngineBridge::failed, &ctx,
            [&](quint64 job, const QString&) { failed << job; });
    connect(bridge, &pbapp::EngineBridge::progress, &ctx, [&](quint64 job, const RunProgress& p) {
      QPair<int, int>& r = reached[job];
      r = {qMax(r.first, p.overallStep), qMax(r.second, p.overallTotal)};
      if (p.phase == RunPhase::Sampling) sampled.insert(job);
    });
    int maxOutstanding = 0;
    for (int i = 0; i < 20; ++i) {
      panel()->promptEdit()->setText(QStringLiteral("press %1").arg(i));
      QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
      QCoreApplication::processEvents();
      maxOutstanding = qMax(maxOutstanding, bridge->outstanding());
    }
    QTRY_COMPARE_WITH_TIMEOUT(finished.size() + cancelled.size() + failed.size(), 20, 180000);
    QCOMPARE(failed.size(), 0);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(cancelled.size(), 19);
    const quint64 newest = finished.first();
    for (quint64 job : cancelled) {
      QVERIFY2(job < newest,
               qPrintable(QStringLiteral("job %1 superseded the newest, %2").arg(job).arg(newest)));
      const auto [step, total] = reached.value(job);
      QVERIFY2(
          total == 0 || step < total,
          qPrintable(QStringLiteral("superseded job %1 sampled all %2 steps").arg(job).arg(total)));
    }
    QVERIFY(reached.value(newest).second > 0);
    QCOMPARE(reached.value(newest).first, reached.value(newest).second);
    QCOMPARE(bridge->outstanding(), 0);
    QCOMPARE(gallery()->count(), 1);
    QCOMPARE(app_->window->historyPanel()->count(), 1);
    QCOMPARE(app_->window->historyPanel()->run(0).settings.prompt, QStringLiteral("press 19"));
    qInfo(
        "20 presses: 1 job ran to the end, 19 superseded (%d of them began sampling); at most "
        "%d jobs outstanding",
        int(sampled.size()) - int(sampled.contains(newest)), maxOutstanding);
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
