// The no-weights path through the real window: paint a mask with the mouse, Generate with
// the classic (OpenCV) fill, preview the candidate, Apply, undo and redo with the keyboard.
#include <QAbstractButton>
#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QUndoStack>
#include <QtTest>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <atomic>

#include "engine/runtime/engine.h"
#include "tests/app/app_harness.h"
#include "ui/mainwindow/message_bar.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"

class TestClassicFill : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { apptest::isolateSettings(); }

  void modesWithoutWeights() {
    QTemporaryDir models;
    apptest::App app(models.path());
    PromptPanel* panel = app.window->promptPanel();
    // Inpaint always works (classic fill); the others need weights and say why.
    QVERIFY(panel->modeButton(GenerationMode::Inpaint)->isEnabled());
    for (GenerationMode m :
         {GenerationMode::TextToImage, GenerationMode::Variations, GenerationMode::Interpolate}) {
      QVERIFY(!panel->modeButton(m)->isEnabled());
      QVERIFY2(panel->modeButton(m)->toolTip().contains("Unavailable"),
               qPrintable(panel->modeButton(m)->toolTip()));
    }
    QVERIFY(panel->modeButton(GenerationMode::TextToImage)->toolTip().contains("base.pt"));
    QCOMPARE(FillMethod(panel->methodCombo()->currentData().toInt()), FillMethod::ClassicTelea);
    QVERIFY(panel->generateButton()->isEnabled());
  }

  void generateWithoutMaskExplains() {
    QTemporaryDir models;
    apptest::App app(models.path());
    QVERIFY(app.exposed());
    app.doc()->setImage(apptest::gradientImage(QSize(120, 90)));
    QTest::mouseClick(app.window->promptPanel()->generateButton(), Qt::LeftButton);
    QVERIFY(app.window->messageBar()->text().contains("Paint over"));
    QCOMPARE(app.bridge->outstanding(), 0);
  }

  void classicFillChangesOnlyMaskedPixels() {
    QTemporaryDir models;
    apptest::App app(models.path());
    QVERIFY(app.exposed());
    const QImage original = apptest::gradientImage(QSize(240, 160));
    app.doc()->setImage(original, QStringLiteral("/tmp/gradient.png"));
    app.canvas()->fitToWindow();
    app.paint({{60, 60}, {120, 80}, {180, 90}});
    QVERIFY(!app.doc()->maskIsEmpty());
    const QImage mask = app.doc()->mask();

    for (FillMethod method : {FillMethod::ClassicTelea, FillMethod::ClassicNavierStokes}) {
      PromptPanel* panel = app.window->promptPanel();
      panel->methodCombo()->setCurrentIndex(panel->methodCombo()->findData(int(method)));
      const int runsBefore = app.window->historyPanel()->count();
      QTest::mouseClick(panel->generateButton(), Qt::LeftButton);
      QTRY_COMPARE_WITH_TIMEOUT(app.window->historyPanel()->count(), runsBefore + 1, 30000);
      QCOMPARE(app.window->galleryPanel()->count(), 1);
      QVERIFY(!panel->isRunning());
      // The first candidate is previewed in place until applied.
      QVERIFY(!app.doc()->preview().isNull());
      QCOMPARE(app.doc()->image(), original.convertToFormat(app.doc()->image().format()));

      QTest::mouseClick(app.window->galleryPanel()->applyButton(), Qt::LeftButton);
      const QImage filled = app.doc()->image();
      QVERIFY(app.doc()->preview().isNull());
      int changed = 0;
      for (int y = 0; y < original.height(); ++y)
        for (int x = 0; x < original.width(); ++x) {
          const bool masked = qGray(mask.pixel(x, y)) > 0;
          const bool differs = (filled.pixel(x, y) & 0xffffff) != (original.pixel(x, y) & 0xffffff);
          if (!masked)
            QVERIFY2(!differs,
                     qPrintable(QString("pixel %1,%2 outside the mask changed").arg(x).arg(y)));
          changed += differs;
        }
      QVERIFY(changed > 100);

      // Undo and redo through the window's shortcuts.
      app.window->activateWindow();
      QVERIFY(QTest::qWaitForWindowActive(app.window.get()));
      QTest::keyClick(app.window.get(), Qt::Key_Z, Qt::ControlModifier);
      QCOMPARE(app.doc()->image().convertToFormat(QImage::Format_RGB32),
               original.convertToFormat(QImage::Format_RGB32));
      QTest::keyClick(app.window.get(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
      QCOMPARE(app.doc()->image(), filled);
      QTest::keyClick(app.window.get(), Qt::Key_Z, Qt::ControlModifier);
    }
    QCOMPARE(app.window->historyPanel()->count(), 2);
  }

  void generateShortcutAndHistoryRerun() {
    QTemporaryDir models;
    apptest::App app(models.path());
    QVERIFY(app.exposed());
    app.doc()->setImage(apptest::gradientImage(QSize(100, 100)), QStringLiteral("/tmp/g.png"));
    app.paint({{30, 30}, {70, 70}});
    app.window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(app.window.get()));
    QTest::keyClick(app.window.get(), Qt::Key_Return, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(app.window->historyPanel()->count(), 1, 30000);
    HistoryPanel* history = app.window->historyPanel();
    history->tree()->setCurrentItem(history->tree()->topLevelItem(0));
    QTest::mouseClick(history->rerunButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(history->count(), 2, 30000);
    QCOMPARE(history->run(1).settings.method, history->run(0).settings.method);
  }

#ifdef __linux__
  // Background runs leave the cores to the GUI thread first: the engine's worker thread
  // (where the done callback runs) is niced, the caller's thread is not.
  void engineWorkerYieldsToTheGuiThread() {
    QTemporaryDir models;
    pb::EngineConfig config;
    config.models_dir = models.path().toStdString();
    pb::Engine engine(config);
    std::atomic<int> workerNice{-100};
    std::atomic<bool> done{false};
    pb::ClassicFillRequest fill{pb::Image(32, 32, 3, 128), pb::Image(32, 32, 1, 0)};
    fill.mask.row(10)[10] = 255;
    engine.submit(pb::Job{std::move(fill), ""}, {}, [&](pb::JobId, pb::Result<pb::RunResult>) {
      workerNice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
      done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done.load(), 30000);
    const int guiNice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
    QVERIFY2(workerNice.load() > guiNice,
             qPrintable(QStringLiteral("worker %1, GUI %2").arg(workerNice.load()).arg(guiNice)));
  }
#endif
};

QTEST_MAIN(TestClassicFill)
#include "tst_app_classic_fill.moc"
