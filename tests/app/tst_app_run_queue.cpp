// Queued runs through the real window with tiny GLIDE models: a Generate pressed while a run
// is going keeps the image, mask, prompt and settings of that moment, whatever is edited
// afterwards; and the run buttons never take the keyboard focus, so Space after a click
// pans the canvas instead of pressing the button again.
#include <QAction>
#include <QApplication>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include "tests/app/app_harness.h"
#include "tests/app/tiny_glide.h"
#include "ui/panels/brush_panel.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"
#include "ui/panels/run_queue_view.h"

class TestRunQueue : public QObject {
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
  }
  void cleanup() { app_.reset(); }

  void queuedRunKeepsItsInputs() {
    panel()->setSettings(settings(QStringLiteral("long one"), 1000, 1));
    QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
    QVERIFY(app_->controller->isRunning());
    const QImage queuedMask = app_->doc()->mask();
    panel()->setSettings(settings(QStringLiteral("queued"), 10, 11));
    QTest::mouseClick(panel()->generateButton(), Qt::LeftButton);
    QCOMPARE(panel()->queueView()->count(), 1);

    // Everything changes after the press: the mask (cleared, painted elsewhere), the prompt,
    // the seed and the steps.
    app_->window->action(QStringLiteral("actionClearMask"))->trigger();
    QVERIFY(app_->doc()->maskIsEmpty());
    app_->window->brushPanel()->setBrushSize(6);  // a corner far from the first mask
    app_->paint({{148, 112}, {156, 114}});
    QVERIFY(!app_->doc()->maskIsEmpty());
    apptest::typeInto(panel()->promptEdit(), QStringLiteral("edited"));
    panel()->setSettings(settings(QStringLiteral("edited"), 40, 99));

    QTest::mouseClick(panel()->cancelButton(), Qt::LeftButton);  // the long one only
    HistoryPanel* history = app_->window->historyPanel();
    QTRY_COMPARE_WITH_TIMEOUT(history->count(), 1, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(!app_->controller->isRunning(), 30000);
    const RunRecord run = history->run(0);
    QCOMPARE(run.settings.prompt, QStringLiteral("queued"));
    QCOMPARE(run.parameters.value("prompt").toString(), QStringLiteral("queued"));
    QCOMPARE(run.parameters.value("seed").toString(), QStringLiteral("11"));
    QCOMPARE(run.parameters.value("steps").toString(), QStringLiteral("10"));
    // The pixels changed under the mask of the press, not under the one painted later.
    QCOMPARE(gallery()->count(), 1);
    const QImage result = gallery()->candidate(0).convertToFormat(QImage::Format_RGB32);
    int changedInQueuedMask = 0, changedInLaterMask = 0;
    for (int y = 0; y < result.height(); ++y)
      for (int x = 0; x < result.width(); ++x) {
        const bool differs = (result.pixel(x, y) & 0xffffff) != (original_.pixel(x, y) & 0xffffff);
        changedInQueuedMask += differs && qGray(queuedMask.pixel(x, y)) > 0;
        changedInLaterMask += differs && qGray(app_->doc()->mask().pixel(x, y)) > 0;
      }
    QVERIFY(changedInQueuedMask > 0);
    QCOMPARE(changedInLaterMask, 0);
  }

  void runButtonsLeaveTheFocusOnTheCanvas() {
    MainWindow* w = app_->window.get();
    w->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(w));
    CanvasView* canvas = app_->canvas();
    QPushButton* generate = panel()->generateButton();
    // A short run first, for a history entry to re-run.
    panel()->setSettings(settings(QStringLiteral("short"), 5, 3));
    QTest::mouseClick(generate, Qt::LeftButton);
    HistoryPanel* history = w->historyPanel();
    QTRY_COMPARE_WITH_TIMEOUT(history->count(), 1, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(!app_->controller->isRunning(), 30000);
    history->tree()->setCurrentItem(history->tree()->topLevelItem(0));

    // Every job the bridge ends, finished or cancelled: one per press, none for Space.
    int ended = 0;
    QObject ctx;
    connect(app_->bridge.get(), &pbapp::EngineBridge::finished, &ctx, [&] { ++ended; });
    connect(app_->bridge.get(), &pbapp::EngineBridge::cancelled, &ctx, [&] { ++ended; });
    connect(app_->bridge.get(), &pbapp::EngineBridge::failed, &ctx, [&] { ++ended; });
    panel()->setSettings(settings(QStringLiteral("long"), 1000, 5));
    for (QPushButton* button : {generate, history->rerunButton()}) {
      const QString what = button->text();
      canvas->setFocus();
      QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget*>(canvas));
      const int endedBefore = ended;
      QTest::mouseClick(button, Qt::LeftButton);
      QVERIFY2(app_->controller->isRunning(), qPrintable(what));
      QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(canvas));
      // Space goes where the focus is: the canvas, which pans while it is held.
      QTest::keyPress(QApplication::focusWidget(), Qt::Key_Space);
      QCOMPARE(canvas->cursor().shape(), Qt::OpenHandCursor);
      QTest::keyRelease(QApplication::focusWidget(), Qt::Key_Space);
      QCOMPARE(canvas->cursor().shape(), Qt::CrossCursor);
      QVERIFY2(app_->controller->queuedTickets().isEmpty(),
               qPrintable(what + QStringLiteral(" was pressed again by Space")));
      QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(canvas));
      if (button == generate)
        QTest::mouseClick(panel()->cancelButton(), Qt::LeftButton);  // the long one
      QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(canvas));
      QTRY_VERIFY_WITH_TIMEOUT(!app_->controller->isRunning(), 120000);
      QTRY_COMPARE_WITH_TIMEOUT(app_->bridge->outstanding(), 0, 30000);
      QVERIFY2(
          ended == endedBefore + 1,
          qPrintable(
              QStringLiteral("%1 jobs after one press of %2").arg(ended - endedBefore).arg(what)));
    }
    QCOMPARE(history->count(), 2);  // the short run and its re-run; the long one was cancelled
    // Tab still reaches them, for the keyboard.
    QCOMPARE(generate->focusPolicy(), Qt::TabFocus);
    QCOMPARE(history->rerunButton()->focusPolicy(), Qt::TabFocus);
  }

 private:
  static RunSettings settings(const QString& prompt, int steps, quint64 seed) {
    RunSettings s;
    s.mode = GenerationMode::Inpaint;
    s.method = FillMethod::Glide;
    s.prompt = prompt;
    s.quality = QualityPreset::Custom;
    s.customSteps = steps;
    s.randomSeed = false;
    s.seed = seed;
    s.candidates = 1;
    return s;
  }
  PromptPanel* panel() const { return app_->window->promptPanel(); }
  GalleryPanel* gallery() const { return app_->window->galleryPanel(); }

  QTemporaryDir models_;
  std::unique_ptr<apptest::App> app_;
  QImage original_;
};

QTEST_MAIN(TestRunQueue)
#include "tst_app_run_queue.moc"
