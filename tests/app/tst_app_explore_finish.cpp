// Explore, then finish, through the real window with tiny GLIDE models: "64 px preview only"
// stops the candidates at the base stage (shown in the frame, enlarged), the gallery offers
// Finish for them, and finishing a candidate gives the pixels a whole run with its seed gives:
// exactly in float32; in bfloat16 within its rounding (oneDNN's bf16 kernels round a batch
// of two candidates differently from a batch of one).
#include <QCheckBox>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/core/cpu_features.h"
#include "tests/app/app_harness.h"
#include "tests/app/tiny_glide.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"

class TestExploreFinish : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    apptest::isolateSettings();
    QVERIFY(models_.isValid());
    PB_WRITE_TINY_GLIDE_MODELS(models_.path());
  }

  void cleanup() { app_.reset(); }

  void finishingEqualsAWholeRun_data() {
    QTest::addColumn<QString>("precision");
    QTest::newRow("float32") << QStringLiteral("float32");
    QTest::newRow("bfloat16") << QStringLiteral("bfloat16");
  }
  void finishingEqualsAWholeRun() {
    QFETCH(QString, precision);
    open(precision);
    if (QTest::currentTestFailed()) return;  // the window did not open
    // The whole run of seed 12, for reference.
    panel()->setSettings(settings(12, 1));
    QVERIFY(!panel()->previewOnlyCheck()->isChecked());
    QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
    HistoryPanel* history = app_->window->historyPanel();
    QTRY_COMPARE_WITH_TIMEOUT(history->count(), 1, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(!app_->controller->isRunning(), 30000);
    QVERIFY(!gallery()->finishButton()->isVisible());  // a whole run has nothing to finish
    const QImage whole = gallery()->candidate(0).convertToFormat(QImage::Format_RGB32);

    // Explore two candidates (seeds 11 and 12) with the base stage only, as a person does.
    panel()->setSettings(settings(11, 2));
    QVERIFY(panel()->previewOnlyCheck()->isVisible());
    QTest::mouseClick(panel()->previewOnlyCheck(), Qt::LeftButton, {},
                      QPoint(8, panel()->previewOnlyCheck()->height() / 2));
    QVERIFY(panel()->previewOnlyCheck()->isChecked());
    QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(history->count(), 2, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(!app_->controller->isRunning(), 30000);
    QCOMPARE(gallery()->count(), 2);
    QCOMPARE(gallery()->candidate(1).size(), original_.size());  // enlarged into the frame
    QVERIFY(history->run(1).parameters.value("upsample_steps").isUndefined());  // in run order
    QVERIFY(gallery()->finishButton()->isVisible());
    gallery()->select(1);
    QVERIFY(gallery()->finishButton()->isEnabled());

    QTest::mouseClick(gallery()->finishButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(history->count(), 3, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(!app_->controller->isRunning(), 30000);
    const RunRecord finished = history->run(2);
    QCOMPARE(finished.parameters.value("finished_from_base").toString(), QStringLiteral("yes"));
    QCOMPARE(finished.parameters.value("seed").toString(), QStringLiteral("12"));
    QCOMPARE(gallery()->count(), 1);
    const QImage result = gallery()->candidate(0).convertToFormat(QImage::Format_RGB32);
    if (precision == QStringLiteral("float32") || !pb::cpu_has_native_bf16()) {
      QVERIFY2(result == whole, "the finished candidate differs from the whole run with its seed");
    } else {
      const double diff = meanAbsDifference(result, whole);
      qInfo("bfloat16: finished vs whole run, mean |difference| %.3f levels", diff);
      QVERIFY2(diff < 4.0, "the finished candidate is far from the whole run with its seed");
    }
    // Its settings reproduce it as a whole run: full resolution, its seed, one candidate.
    QVERIFY(!finished.settings.previewOnly);
    QCOMPARE(finished.settings.seed, quint64(12));
    QCOMPARE(finished.settings.candidates, 1);
  }

 private:
  // The app with this CPU precision ("auto" where the processor has no bfloat16).
  void open(const QString& precision) {
    app_.reset();
    QSettings(pbapp::kOrganization, pbapp::kApplication)
        .setValue(pbapp::keys::precision, precision);
    app_ = std::make_unique<apptest::App>(models_.path());
    QVERIFY(app_->exposed());
    original_ = apptest::gradientImage(QSize(160, 120));
    app_->doc()->setImage(original_, QStringLiteral("/tmp/gradient.png"));
    app_->canvas()->fitToWindow();
    app_->paint({{50, 40}, {90, 60}, {110, 70}});
    QVERIFY(!app_->doc()->maskIsEmpty());
  }
  static RunSettings settings(quint64 seed, int candidates) {
    RunSettings s;
    s.mode = GenerationMode::Inpaint;
    s.method = FillMethod::Glide;
    s.prompt = QStringLiteral("a red apple");
    s.quality = QualityPreset::Custom;
    s.customSteps = 4;
    s.randomSeed = false;
    s.seed = seed;
    s.candidates = candidates;
    return s;
  }
  static double meanAbsDifference(const QImage& a, const QImage& b) {
    if (a.size() != b.size()) return 255;
    double sum = 0;
    for (int y = 0; y < a.height(); ++y)
      for (int x = 0; x < a.width(); ++x) {
        const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
        sum += std::abs(qRed(p) - qRed(q)) + std::abs(qGreen(p) - qGreen(q)) +
               std::abs(qBlue(p) - qBlue(q));
      }
    return sum / (3.0 * a.width() * a.height());
  }
  PromptPanel* panel() const { return app_->window->promptPanel(); }
  GalleryPanel* gallery() const { return app_->window->galleryPanel(); }

  QTemporaryDir models_;
  std::unique_ptr<apptest::App> app_;
  QImage original_;
};

QTEST_MAIN(TestExploreFinish)
#include "tst_app_explore_finish.moc"
