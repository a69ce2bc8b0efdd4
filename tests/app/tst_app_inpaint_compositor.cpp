// The engine is the one compositor: an inpainting run driven through the window as a person
// drives it (open a file, paint with the brush, type a prompt and a seed, Generate, Apply)
// shows and applies exactly the bytes `promptbrush-cli inpaint` writes for the same image,
// mask, prompt, settings and seed, and pixels far from the mask keep their input bytes. The
// mask-edge controls reach the engine request and persist, and the canvas shows the region
// the compositor will change, computed by the engine, growing with Grow.
// LibTorch headers before Qt's: Qt's "slots" macro breaks ATen's ivalue_inl.h.
#include "engine/pipelines/compositor.h"
#include "tests/common/glide_models.h"
#include "app/gui/run_requests.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QStyleOptionButton>
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>

#include "app/gui/image_convert.h"
#include "tests/app/app_harness.h"
#include "tests/common/fixtures.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/mask_refine_box.h"
#include "ui/panels/optional_spin_box.h"
#include "ui/panels/prompt_panel.h"

namespace {

constexpr int kThreads = 2;  // the same CPU thread count in the GUI's engine and the CLI

// The widget under `root` a screen reader calls `name`.
template <class T>
T* named(QWidget* root, const QString& name) {
  for (T* w : root->findChildren<T*>())
    if (w->accessibleName() == name) return w;
  return nullptr;
}

// The centre of a check box's box: a click beyond its text does not toggle it.
QPoint indicator(QCheckBox* check) {
  QStyleOptionButton option;
  option.initFrom(check);
  return check->style()->subElementRect(QStyle::SE_CheckBoxIndicator, &option, check).center();
}

int nonzero(const QImage& gray) {
  int n = 0;
  for (int y = 0; y < gray.height(); ++y)
    for (int x = 0; x < gray.width(); ++x) n += gray.constScanLine(y)[x] != 0;
  return n;
}

// Where two RGB888 images of one size first differ, and how many pixels do.
QString firstDifference(const QImage& a, const QImage& b, int* count) {
  QString first;
  *count = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x)
      if (std::memcmp(a.constScanLine(y) + 3 * x, b.constScanLine(y) + 3 * x, 3) != 0) {
        if (first.isEmpty())
          first = QStringLiteral("(%1,%2): %3 vs %4")
                      .arg(x)
                      .arg(y)
                      .arg(QColor(a.pixel(x, y)).name(), QColor(b.pixel(x, y)).name());
        ++*count;
      }
  return first;
}

}  // namespace

class TestInpaintCompositor : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    apptest::isolateSettings();
    QSettings engine(pbapp::kOrganization, pbapp::kApplication);
    engine.setValue(pbapp::keys::device, "cpu");
    engine.setValue(pbapp::keys::threads, kThreads);
    engine.setValue(pbapp::keys::precision, "float32");
    QVERIFY(models_.isValid() && work_.isValid());
    if (!pbtest::make_glide_inpaint_models_dir(models_.path()))
      QSKIP("GLIDE tokenizer fixtures not found (set PROMPTBRUSH_FIXTURES)");
    imagePath_ = work_.filePath("gradient.png");
    QVERIFY(apptest::gradientImage(QSize(240, 180)).save(imagePath_));
  }

  void init() {
    QSettings().clear();  // the window's own settings: each case starts from the defaults
    app_ = std::make_unique<apptest::App>(models_.path());
    QVERIFY(app_->exposed());
    QVERIFY(app_->window->openFile(imagePath_));
    app_->canvas()->fitToWindow();
    QCOMPARE(FillMethod(panel()->methodCombo()->currentData().toInt()), FillMethod::Glide);
  }
  void cleanup() { app_.reset(); }

  void guiAppliesExactlyWhatTheCliWrites() {
    // A soft brush (hardness 0.8): the mask has an antialiased, graded edge.
    app_->paint({{90, 70}, {120, 85}, {140, 100}});
    QVERIFY(!app_->doc()->maskIsEmpty());
    const QImage input = app_->doc()->image().convertToFormat(QImage::Format_RGB888);

    apptest::typeInto(panel()->promptEdit(), QStringLiteral("a red apple"));
    auto* quality = named<QComboBox>(panel(), "Quality");
    QVERIFY(quality);
    quality->setFocus();
    QTest::keyClick(quality, Qt::Key_Home);  // Fast: the CLI's --preset fast
    QCOMPARE(QualityPreset(quality->currentData().toInt()), QualityPreset::Fast);
    QCheckBox* random = nullptr;
    for (auto* c : panel()->findChildren<QCheckBox*>())
      if (c->text() == QLatin1String("Random")) random = c;
    QVERIFY(random && random->isChecked());
    QTest::mouseClick(random, Qt::LeftButton, {}, indicator(random));
    QVERIFY(!random->isChecked());
    auto* seed = named<QLineEdit>(panel(), "Seed");
    QVERIFY(seed && seed->isEnabled());
    apptest::typeInto(seed, QStringLiteral("42"));
    apptest::typeInto(box()->growSpin(), QStringLiteral("5"));
    QCOMPARE(box()->growSpin()->optionalValue(), std::optional<int>(5));

    QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(gallery()->count(), 1, 180000);
    const QImage shown = app_->doc()->preview().convertToFormat(QImage::Format_RGB888);
    QTest::mouseClick(gallery()->applyButton(), Qt::LeftButton);
    const QImage applied = app_->doc()->image().convertToFormat(QImage::Format_RGB888);
    QVERIFY(app_->doc()->preview().isNull());

    // The same run from the command line, with the GUI's own mask.
    const QString maskPath = work_.filePath("mask.png"), outPath = work_.filePath("cli.png");
    QString error;
    QVERIFY2(app_->doc()->exportMask(maskPath, &error), qPrintable(error));
    QProcess cli;
    cli.start(QStringLiteral(PB_CLI),
              {"inpaint",      "--image",     imagePath_, "--mask",     maskPath,
               "--prompt",     "a red apple", "--out",    outPath,      "--models",
               models_.path(), "--preset",    "fast",     "--guidance", "5",
               "--seed",       "42",          "--grow",   "5",          "--device",
               "cpu",          "--precision", "float32",  "--threads",  QString::number(kThreads),
               "--quiet"});
    QVERIFY2(cli.waitForFinished(300000), "promptbrush-cli did not finish within 5 minutes");
    QVERIFY2(cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0,
             cli.readAllStandardError().constData());
    const QImage written = QImage(outPath).convertToFormat(QImage::Format_RGB888);
    QCOMPARE(written.size(), applied.size());

    int differ = 0;
    QString where = firstDifference(applied, written, &differ);
    QVERIFY2(differ == 0, qPrintable(QStringLiteral("%1 applied pixels differ from the CLI's, "
                                                    "first at %2")
                                         .arg(differ)
                                         .arg(where)));
    where = firstDifference(shown, written, &differ);
    QVERIFY2(differ == 0, qPrintable(QStringLiteral("%1 shown pixels differ from the CLI's, "
                                                    "first at %2")
                                         .arg(differ)
                                         .arg(where)));
    // The engine changed something, and beyond the mask's grown edge nothing at all.
    where = firstDifference(applied, input, &differ);
    QVERIFY(differ > 0);
    const QRect near = app_->doc()->maskBounds().adjusted(-12, -12, 12, 12);
    for (int y = 0; y < input.height(); ++y)
      for (int x = 0; x < input.width(); ++x)
        if (!near.contains(x, y) &&
            std::memcmp(applied.constScanLine(y) + 3 * x, input.constScanLine(y) + 3 * x, 3) != 0)
          QFAIL(
              qPrintable(QStringLiteral("pixel (%1,%2) far from the mask changed").arg(x).arg(y)));
  }

  void cliRejectsBadEdgeOptions() {
    app_->paint({{60, 60}, {100, 80}});
    const QString maskPath = work_.filePath("bad-mask.png");
    QString error;
    QVERIFY2(app_->doc()->exportMask(maskPath, &error), qPrintable(error));
    for (const QStringList& bad : {QStringList{"--grow", "wide"}, QStringList{"--feather", "-1"}}) {
      QProcess cli;
      cli.start(QStringLiteral(PB_CLI),
                QStringList{"inpaint", "--image", imagePath_, "--mask", maskPath, "--prompt", "x",
                            "--out", work_.filePath("bad.png"), "--models", models_.path()} +
                    bad);
      QVERIFY(cli.waitForFinished(60000));
      QCOMPARE(cli.exitCode(), 2);
      QVERIFY2(cli.readAllStandardError().contains(bad.first().toUtf8()),
               qPrintable(bad.join(' ')));
    }
  }

  void maskEdgeControlsReachTheRequestAndPersist() {
    app_->paint({{60, 60}, {100, 80}});
    QVERIFY(box()->isVisible());
    QCOMPARE(box()->growSpin()->accessibleName(), QStringLiteral("Grow mask"));
    QVERIFY(!box()->featherSpin()->toolTip().isEmpty());
    // Defaults: Auto, Auto, colours as generated (the engine's defaults).
    pb::InpaintRequest r =
        pbapp::inpaintRequest(app_->doc()->image(), app_->doc()->mask(), panel()->settings());
    QVERIFY(!r.mask_settings.grow_px && !r.mask_settings.feather_px);
    QVERIFY(!r.mask_settings.colour_match);

    apptest::typeInto(box()->growSpin(), QStringLiteral("-3"));
    apptest::typeInto(box()->featherSpin(), QStringLiteral("7"));
    QTest::mouseClick(box()->colourMatchCheck(), Qt::LeftButton, {},
                      indicator(box()->colourMatchCheck()));
    r = pbapp::inpaintRequest(app_->doc()->image(), app_->doc()->mask(), panel()->settings());
    QCOMPARE(r.mask_settings.grow_px, std::optional<int>(-3));
    QCOMPARE(r.mask_settings.feather_px, std::optional<int>(7));
    QVERIFY(r.mask_settings.colour_match);

    // Down from 0 is Auto again; up from Auto starts at a typical 2 px.
    box()->featherSpin()->setFocus();
    for (int i = 0; i < 8; ++i) QTest::keyClick(box()->featherSpin(), Qt::Key_Down);
    QVERIFY(box()->featherSpin()->isAuto());
    QCOMPARE(box()->featherSpin()->text(), QStringLiteral("Auto"));
    QTest::keyClick(box()->featherSpin(), Qt::Key_Up);
    QCOMPARE(box()->featherSpin()->optionalValue(), std::optional<int>(2));
    QTest::keyClick(box()->featherSpin(), Qt::Key_Down);
    QTest::keyClick(box()->featherSpin(), Qt::Key_Down);
    QTest::keyClick(box()->featherSpin(), Qt::Key_Down);
    r = pbapp::inpaintRequest(app_->doc()->image(), app_->doc()->mask(), panel()->settings());
    QVERIFY(!r.mask_settings.feather_px);

    // Saved with the other run settings, and the overlay switch with the view.
    QTest::mouseClick(box()->showRegionCheck(), Qt::LeftButton, {},
                      indicator(box()->showRegionCheck()));
    app_->window->saveSettings();
    MainWindow again;
    const MaskRefineBox* restored = again.promptPanel()->maskRefineBox();
    QCOMPARE(restored->refinement(), box()->refinement());
    QCOMPARE(restored->refinement().growPx, std::optional<int>(-3));
    QVERIFY(!restored->showRegion());
    // Only for GLIDE: classic fill has no such edge.
    panel()->methodCombo()->setCurrentIndex(
        panel()->methodCombo()->findData(int(FillMethod::ClassicTelea)));
    QVERIFY(!box()->isVisible());
  }

  void canvasShowsTheRegionThatChanges() {
    CanvasView* canvas = app_->canvas();
    QVERIFY(canvas->changeRegion().isNull());
    app_->paint({{100, 80}, {130, 95}});
    QTRY_VERIFY_WITH_TIMEOUT(!canvas->changeRegion().isNull(), 10000);
    const QImage mask = app_->doc()->mask();
    auto expected = [&](std::optional<int> grow) {
      pb::MaskSettings m;
      m.grow_px = grow;
      return pbapp::toQImage(pb::pipelines::composite_alpha(pbapp::toMask(mask), m));
    };
    // Exactly the engine's compositor alpha, holding every painted pixel.
    QCOMPARE(canvas->changeRegion().alpha, expected(std::nullopt));
    for (int y = 0; y < mask.height(); ++y)
      for (int x = 0; x < mask.width(); ++x)
        if (mask.constScanLine(y)[x]) QVERIFY(canvas->changeRegion().alpha.constScanLine(y)[x] > 0);
    const int autoPixels = nonzero(canvas->changeRegion().alpha);
    QVERIFY(autoPixels > nonzero(mask));  // it reaches past the painted pixels

    apptest::typeInto(box()->growSpin(), QStringLiteral("12"));
    QTRY_VERIFY_WITH_TIMEOUT(nonzero(canvas->changeRegion().alpha) > autoPixels, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(canvas->changeRegion().alpha, expected(12), 10000);

    // The switch hides it, a classic fill has none, and GLIDE brings it back.
    QTest::mouseClick(box()->showRegionCheck(), Qt::LeftButton, {},
                      indicator(box()->showRegionCheck()));
    QTRY_VERIFY_WITH_TIMEOUT(canvas->changeRegion().isNull(), 10000);
    QTest::mouseClick(box()->showRegionCheck(), Qt::LeftButton, {},
                      indicator(box()->showRegionCheck()));
    QTRY_VERIFY_WITH_TIMEOUT(!canvas->changeRegion().isNull(), 10000);
    panel()->methodCombo()->setCurrentIndex(
        panel()->methodCombo()->findData(int(FillMethod::ClassicTelea)));
    QTRY_VERIFY_WITH_TIMEOUT(canvas->changeRegion().isNull(), 10000);
    panel()->methodCombo()->setCurrentIndex(
        panel()->methodCombo()->findData(int(FillMethod::Glide)));
    QTRY_COMPARE_WITH_TIMEOUT(canvas->changeRegion().alpha, expected(12), 10000);
    // Clearing the mask leaves nothing to change.
    app_->doc()->clearMask();
    QTRY_VERIFY_WITH_TIMEOUT(canvas->changeRegion().isNull(), 10000);
  }

 private:
  PromptPanel* panel() const { return app_->window->promptPanel(); }
  MaskRefineBox* box() const { return panel()->maskRefineBox(); }
  GalleryPanel* gallery() const { return app_->window->galleryPanel(); }

  QTemporaryDir models_, work_;
  QString imagePath_;
  std::unique_ptr<apptest::App> app_;
};

QTEST_MAIN(TestInpaintCompositor)
#include "tst_app_inpaint_compositor.moc"
