// promptbrush-screenshots OUTDIR [FIXTURES_DIR]: drives the real window with QTest events
// and saves screenshots of its main states as PNGs (run by screenshots.sh under Xvfb).
// With the GLIDE tokenizer fixtures it also writes tiny random-weight GLIDE models into a
// temporary models folder and shows a diffusion run: the region that will change, the run in
// progress, its candidates, the applied result and a 1:1 crop of its seam (the pixels are
// noise: the weights are random). Fails (exit 1, naming it) when a screen does not appear in
// time or a screenshot cannot be written, and (exit 3) when the GUI thread stalls longer than
// kMaxGuiStallMs while the engine works.
#include <QApplication>
#include <QDir>
#include <QLineEdit>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include "tests/app/screenshot_support.h"
#include "tests/common/glide_models.h"
#include "tests/common/karlo_models.h"
#include "ui/canvas/canvas_view.h"
#include "ui/dialogs/models_dialog.h"
#include "ui/dialogs/settings_dialog.h"
#include "ui/dialogs/shortcuts_dialog.h"
#include "ui/document/document.h"
#include "ui/mainwindow/app_style.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/interpolate_panel.h"
#include "ui/panels/prompt_panel.h"

using namespace shots;

namespace {

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
    {
      ShortcutsDialog* shortcuts = window.showShortcutsDialog();
      waitFor(
          "the keyboard shortcuts dialog", [&] { return shortcuts->isVisible(); }, 5000);
      shot("shortcuts-dialog");
      shortcuts->close();
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
    runEventLoop(300);
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
      runEventLoop(15);
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
  if (!pbtest::make_glide_inpaint_models_dir(glideModels.path()))
    throw DriverFailure("could not write the tiny GLIDE models (tokenizer fixtures copied?)");
  {
    // Tiny GLIDE models: the region that will change, a run in progress, its candidates, the
    // applied result and its seam.
    ShownApp app(glideModels.path());
    MainWindow& window = app.window;
    openImage(window, imagePath);
    paint(window.canvas(), {{150, 230}, {200, 210}, {250, 225}, {300, 215}});
    RunSettings s;
    s.prompt = "a wooden sailing boat";
    s.quality = QualityPreset::Custom;
    s.customSteps = 400;
    s.candidates = 3;
    s.mask.growPx = 8;
    window.promptPanel()->setSettings(s);
    waitFor(
        "the region that changes", [&] { return !window.canvas()->changeRegion().isNull(); },
        10000);
    shot("glide-change-region");
    runEventLoop(300);  // the set-up's relayout and repaint are not the run's

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
    runEventLoop(500);  // the candidates' first paint belongs to the run
    stalls.stop();
    probe = nullptr;
    stalls.check("the GLIDE run");
    // The candidate on the canvas before Apply, then the document after it.
    shot("glide-candidates");
    const QRect seam = window.document()->maskBounds().adjusted(-24, -24, 24, 24);
    QTest::mouseClick(window.galleryPanel()->applyButton(), Qt::LeftButton);
    waitFor(
        "the applied result", [&] { return window.document()->preview().isNull(); }, 5000);
    shot("glide-applied");
    saveImage("glide-seam-crop", window.document()->image().copy(seam));
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
  shots::outDir = QString::fromLocal8Bit(argv[1]);
  QDir().mkpath(shots::outDir);
  try {
    drive(argc > 2 ? QString::fromLocal8Bit(argv[2]) : QString());
  } catch (const StallFailure& e) {
    std::fprintf(stderr, "promptbrush-screenshots: FAILED: %s\n", e.what());
    return 3;
  } catch (const DriverFailure& e) {
    std::fprintf(stderr, "promptbrush-screenshots: FAILED: %s\n", e.what());
    return 1;
  }
  return 0;
}
