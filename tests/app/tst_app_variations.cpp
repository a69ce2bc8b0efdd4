// The Variations mode through the real window with the unCLIP fixtures' tiny random-weight
// models: the mode (and Interpolate) is off with the missing files named while the models
// folder lacks them and comes on after a refresh once they are there; a run fills the gallery
// with N candidates, Apply replaces the image at the original's size and undo restores it;
// the 64 px preview option stops before super-resolution; Cancel stops a run.
#include <QAbstractButton>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

#include "tests/app/app_harness.h"
#include "tests/common/karlo_models.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"

class TestVariations : public QObject {
  Q_OBJECT

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
    original_ = apptest::gradientImage(QSize(160, 120));
    app_->doc()->setImage(original_, QStringLiteral("/tmp/gradient.png"));
    app_->canvas()->fitToWindow();
  }
  void cleanup() { app_.reset(); }

  void modesFollowTheModelsFolder() {
    QTemporaryDir dir;
    apptest::App app(dir.path());
    QVERIFY(app.exposed());
    PromptPanel* p = app.window->promptPanel();
    for (GenerationMode m : {GenerationMode::Variations, GenerationMode::Interpolate}) {
      QAbstractButton* b = p->modeButton(m);
      QVERIFY(!b->isEnabled());
      // The reason names the files to get.
      QVERIFY2(b->toolTip().contains("ViT-L-14.pt"), qPrintable(b->toolTip()));
      QVERIFY(b->toolTip().contains("decoder-ckpt-step=01000000-of-01000000.ckpt"));
    }
    QVERIFY(p->modeButton(GenerationMode::Variations)
                ->toolTip()
                .contains("improved-sr-ckpt-step=1.2M.ckpt"));
    // Installed while the app runs: a refresh (the models dialog's button) enables them.
    QVERIFY(pbtest::make_karlo_models_dir(dir.path(), false));
    emit app.window->modelsRefreshRequested();
    for (GenerationMode m : {GenerationMode::Variations, GenerationMode::Interpolate}) {
      QVERIFY(p->modeButton(m)->isEnabled());
      QVERIFY(!p->modeButton(m)->toolTip().contains("Unavailable"));
    }
    // Clicking the mode selects it; Generate is on; the prompt is not used.
    QTest::mouseClick(p->modeButton(GenerationMode::Variations), Qt::LeftButton);
    QCOMPARE(p->mode(), GenerationMode::Variations);
    QVERIFY(p->generateButton()->isEnabled());
    QVERIFY(!p->promptEdit()->isEnabled());
    QVERIFY(p->previewOnlyCheck()->isVisible());
  }

  void runFillsGalleryApplyKeepsSizeUndoRestores() {
    int progressEvents = 0;
    QObject ctx;
    connect(app_->bridge.get(), &pbapp::EngineBridge::progress, &ctx,
            [&](quint64, const RunProgress& p) { progressEvents += p.stage == "decoder"; });
    selectVariations(quick(3));
    QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
    QVERIFY(panel()->isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(gallery()->count(), 3, 180000);
    QVERIFY(progressEvents > 0);
    QVERIFY(!panel()->isRunning());
    const RunRecord run = app_->window->historyPanel()->run(0);
    QCOMPARE(run.settings.mode, GenerationMode::Variations);
    QCOMPARE(run.parameters.value("mode").toString(), QStringLiteral("variations"));
    QVERIFY(run.parameters.contains("upsample_respacing"));  // finished to full size
    QCOMPARE(run.seeds.size(), 3);
    for (int i = 0; i < 3; ++i) QCOMPARE(gallery()->candidate(i).size(), original_.size());
    QVERIFY(gallery()->candidate(0) != gallery()->candidate(1));

    gallery()->select(1);
    QCOMPARE(app_->doc()->preview(), gallery()->candidate(1));
    QTest::mouseClick(gallery()->applyButton(), Qt::LeftButton);
    const QImage applied = app_->doc()->image();
    QCOMPARE(applied.size(), original_.size());
    QCOMPARE(applied.convertToFormat(QImage::Format_RGB32),
             gallery()->candidate(1).convertToFormat(QImage::Format_RGB32));
    QVERIFY(applied.convertToFormat(QImage::Format_RGB32) != original_);
    QCOMPARE(app_->doc()->appliedParameters().last().toObject().value("mode").toString(),
             QStringLiteral("variations"));
    app_->doc()->undoStack()->undo();
    QCOMPARE(app_->doc()->image().convertToFormat(QImage::Format_RGB32), original_);
    app_->doc()->undoStack()->redo();
    QCOMPARE(app_->doc()->image(), applied);
  }

  void previewOnlyStopsAtTheDecoder() {
    int superRes = 0;
    QObject ctx;
    connect(app_->bridge.get(), &pbapp::EngineBridge::progress, &ctx,
            [&](quint64, const RunProgress& p) { superRes += p.stage == "super-resolution"; });
    RunSettings s = quick(1);
    s.previewOnly = true;
    selectVariations(s);
    QVERIFY(panel()->previewOnlyCheck()->isChecked());
    QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(gallery()->count(), 1, 180000);
    const RunRecord run = app_->window->historyPanel()->run(0);
    QVERIFY(!run.parameters.contains("upsample_respacing"));
    QCOMPARE(superRes, 0);
    QCOMPARE(gallery()->candidate(0).size(), original_.size());
  }

  void cancelStopsTheRun() {
    int lastStep = 0;
    QObject ctx;
    connect(app_->bridge.get(), &pbapp::EngineBridge::progress, &ctx,
            [&](quint64, const RunProgress& p) {
              if (p.stage == "decoder") lastStep = p.step;
            });
    RunSettings s = quick(1);
    s.customSteps = 1000;
    selectVariations(s);
    QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(lastStep >= 2, 120000);
    QTest::mouseClick(panel()->cancelButton(), Qt::LeftButton);
    const int stepAtCancel = lastStep;
    QTRY_VERIFY_WITH_TIMEOUT(!panel()->isRunning(), 30000);
    QCOMPARE(panel()->progressLabel()->text(), QStringLiteral("Cancelled"));
    QVERIFY(lastStep <= stepAtCancel + 2);
    QCOMPARE(gallery()->count(), 0);
    QCOMPARE(app_->doc()->image().convertToFormat(QImage::Format_RGB32), original_);
  }

 private:
  static RunSettings quick(int candidates) {
    RunSettings s;
    s.mode = GenerationMode::Variations;
    s.guidanceScale = 8.0;
    s.quality = QualityPreset::Custom;
    s.customSteps = 2;
    s.randomSeed = false;
    s.seed = 11;
    s.candidates = candidates;
    return s;
  }
  void selectVariations(const RunSettings& s) {
    QTest::mouseClick(panel()->modeButton(GenerationMode::Variations), Qt::LeftButton);
    QCOMPARE(panel()->mode(), GenerationMode::Variations);
    panel()->setSettings(s);
  }
  PromptPanel* panel() const { return app_->window->promptPanel(); }
  GalleryPanel* gallery() const { return app_->window->galleryPanel(); }

  QTemporaryDir models_;
  bool have_ = false;
  std::unique_ptr<apptest::App> app_;
  QImage original_;
};

QTEST_MAIN(TestVariations)
#include "tst_app_variations.moc"
