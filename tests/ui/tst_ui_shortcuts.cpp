// The keyboard shortcuts dialog lists every shortcut the window really has, and the shortcuts
// work wherever the focus is: window actions from the prompt box, the gallery and the history;
// the canvas's own keys (B, E, [ ], Tab and Space held, + - 0 1) from the gallery, the history
// and the brush panel's slider, but not while typing in a text field. Also: the brush panel
// and the canvas share one brush size range.
#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTreeWidget>
#include <QWheelEvent>
#include <QtTest>

#include <memory>

#include "ui/canvas/canvas_view.h"
#include "ui/dialogs/shortcuts_dialog.h"
#include "ui/document/document.h"
#include "ui/mainwindow/main_window.h"
#include "ui/panels/brush_panel.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"

namespace {

QImage solid(QSize size, QColor c) {
  QImage image(size, QImage::Format_RGB32);
  image.fill(c);
  return image;
}

RunRecord fakeRun(int id) {
  RunRecord run;
  run.id = id;
  run.images = {solid({64, 48}, Qt::red), solid({64, 48}, Qt::green)};
  run.seeds = {11, 12};
  run.parameters = QJsonObject{{"prompt", "a red apple"}, {"seed", "11"}};
  return run;
}

// What Qt does before a key press becomes a shortcut: does `w` want the key for itself?
bool widgetClaims(QWidget* w, const QKeySequence& key) {
  const QKeyCombination c = key[0];
  QKeyEvent override(QEvent::ShortcutOverride, c.key(), c.keyboardModifiers());
  override.ignore();
  QApplication::sendEvent(w, &override);
  return override.isAccepted();
}

struct Window {
  Window() {
    window = std::make_unique<MainWindow>();
    window->resize(1100, 760);
    window->show();
    window->activateWindow();
    // GLIDE "installed": the prompt box is enabled (the classic fill takes no prompt).
    Availability available;
    available.glideInpaint.available = true;
    window->setAvailability(available);
    window->document()->setImage(solid({64, 48}, Qt::white));
    window->runFinished(fakeRun(1));
    window->historyPanel()->tree()->setCurrentItem(window->historyPanel()->tree()->topLevelItem(0));
  }
  MainWindow* operator->() const { return window.get(); }
  std::unique_ptr<MainWindow> window;
};

}  // namespace

class TestShortcuts : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("PromptbrushTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_ui_shortcuts"));
    QSettings().clear();
  }

  void dialogListsEveryShortcut() {
    Window w;
    QVERIFY(w->action("actionShortcuts"));
    QCOMPARE(w->action("actionShortcuts")->shortcut(), QKeySequence(Qt::Key_F1));
    w->action("actionShortcuts")->trigger();
    auto* dialog = w->findChild<ShortcutsDialog*>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());

    // The rows the person sees, as "command|keys".
    QSet<QString> rows;
    QTreeWidget* table = dialog->table();
    for (int g = 0; g < table->topLevelItemCount(); ++g)
      for (int i = 0; i < table->topLevelItem(g)->childCount(); ++i) {
        const QTreeWidgetItem* row = table->topLevelItem(g)->child(i);
        rows.insert(row->text(0) + QLatin1Char('|') + row->text(1));
      }

    int actions = 0;
    for (QAction* a : w->findChildren<QAction*>()) {
      if (a->shortcuts().isEmpty()) continue;
      ++actions;
      const QString row = ShortcutsDialog::commandText(a->text()) + QLatin1Char('|') +
                          ShortcutsDialog::keysText(a->shortcuts());
      QVERIFY2(rows.contains(row), qPrintable(a->objectName() + ": no row " + row));
    }
    QVERIFY2(actions >= 15, qPrintable(QString::number(actions)));

    // Every key the canvas handles, the held ones marked so.
    const QString keys = [&] {
      QStringList all;
      for (const QString& r : rows) all << r.section(QLatin1Char('|'), 1);
      return all.join(QStringLiteral(", "));
    }();
    for (const CanvasView::KeyBinding& b : CanvasView::keyBindings()) {
      const QString name = QKeySequence(b.key).toString(QKeySequence::NativeText);
      QVERIFY2(keys.contains(b.held ? name + QStringLiteral(" (hold)") : name), qPrintable(name));
    }
    QVERIFY(keys.contains(QStringLiteral("Tab (hold)")));
    QVERIFY(keys.contains(QStringLiteral("Space (hold)")));
    // Where they work, and where Space and Tab keep their text meaning.
    QVERIFY(dialog->note()->text().contains(QStringLiteral("text field")));
    QVERIFY(dialog->note()->text().contains(QStringLiteral("Space")));
    QVERIFY(dialog->note()->text().contains(QStringLiteral("Tab")));
  }

  void canvasKeysRouteToPanelsKeyBindingsAgree() {
    // handlesKey and the dialog's list are the same table.
    for (const CanvasView::KeyBinding& b : CanvasView::keyBindings()) {
      QKeyEvent e(QEvent::KeyPress, b.key, Qt::NoModifier);
      QVERIFY(CanvasView::handlesKey(&e));
    }
    QKeyEvent ctrlB(QEvent::KeyPress, Qt::Key_B, Qt::ControlModifier);
    QVERIFY(!CanvasView::handlesKey(&ctrlB));
    QKeyEvent x(QEvent::KeyPress, Qt::Key_X, Qt::NoModifier);
    QVERIFY(!CanvasView::handlesKey(&x));
  }

  void actionShortcutsWorkFromPanels() {
    Window w;
    QVERIFY(QTest::qWaitForWindowActive(w.window.get()));
    // Some actions would open modal dialogs or quit: count the triggers instead.
    QList<QAction*> actions;
    for (QAction* a : w->findChildren<QAction*>())
      if (!a->shortcuts().isEmpty() && a->isEnabled()) actions << a;
    for (QAction* a : actions) disconnect(a, &QAction::triggered, nullptr, nullptr);
    QVERIFY2(actions.size() >= 15, qPrintable(QString::number(actions.size())));

    struct Place {
      const char* name;
      QWidget* widget;
    };
    const Place places[] = {{"prompt box", w->promptPanel()->promptEdit()},
                            {"gallery", w->galleryPanel()->list()},
                            {"history", w->historyPanel()->tree()},
                            {"brush slider", w->brushPanel()->sizeSlider()}};
    for (const Place& place : places) {
      place.widget->setFocus();
      QTRY_COMPARE(QApplication::focusWidget(), place.widget);
      int tried = 0;
      for (QAction* a : actions) {
        for (const QKeySequence& key : a->shortcuts()) {
          // A text field keeps its own editing keys (Ctrl+Z, Ctrl+C, Ctrl+V, ...): the dialog
          // says so, and that is what Qt asks the focus widget first.
          if (widgetClaims(place.widget, key)) {
            QVERIFY2(qobject_cast<QLineEdit*>(place.widget),
                     qPrintable(QString("%1 keeps %2 from %3")
                                    .arg(place.name, key.toString(), a->objectName())));
            continue;
          }
          QSignalSpy spy(a, &QAction::triggered);
          const QKeyCombination c = key[0];
          QTest::keyClick(place.widget, c.key(), c.keyboardModifiers());
          QVERIFY2(spy.count() == 1,
                   qPrintable(QString("%1 (%2) from the %3: %4 triggers")
                                  .arg(a->objectName(), key.toString(), place.name)
                                  .arg(spy.count())));
          ++tried;
        }
      }
      QVERIFY2(tried >= 10, qPrintable(QString("%1: %2").arg(place.name).arg(tried)));
    }
  }

  void canvasKeysWorkFromPanelsNotFromTextFields() {
    Window w;
    QVERIFY(QTest::qWaitForWindowActive(w.window.get()));
    CanvasView* canvas = w->canvas();
    for (QWidget* place : QList<QWidget*>{w->galleryPanel()->list(), w->historyPanel()->tree(),
                                          w->brushPanel()->sizeSlider()}) {
      place->setFocus();
      QTRY_COMPARE(QApplication::focusWidget(), place);
      const QString where = place->metaObject()->className();
      QTest::keyClick(place, Qt::Key_E);
      QVERIFY2(canvas->tool() == CanvasView::Tool::Eraser, qPrintable(where));
      QTest::keyClick(place, Qt::Key_B);
      QVERIFY2(canvas->tool() == CanvasView::Tool::Brush, qPrintable(where));
      const int size = canvas->brushSize();
      QTest::keyClick(place, Qt::Key_BracketRight);
      QVERIFY2(canvas->brushSize() > size, qPrintable(where));
      QCOMPARE(w->brushPanel()->brushSize(), canvas->brushSize());
      QTest::keyClick(place, Qt::Key_BracketLeft);
      QCOMPARE(canvas->brushSize(), size);
      // Held keys: Tab shows the original while down; Space makes a left drag pan.
      QTest::keyPress(place, Qt::Key_Tab);
      QVERIFY2(canvas->showOriginal(), qPrintable(where));
      QCOMPARE(QApplication::focusWidget(), place);  // Tab did not move the focus
      QTest::keyRelease(place, Qt::Key_Tab);
      QVERIFY(!canvas->showOriginal());
      QTest::keyPress(place, Qt::Key_Space);
      QCOMPARE(canvas->cursor().shape(), Qt::OpenHandCursor);
      QTest::keyRelease(place, Qt::Key_Space);
      QCOMPARE(canvas->cursor().shape(), Qt::CrossCursor);
      const qreal zoom = canvas->zoom();
      QTest::keyClick(place, Qt::Key_Plus);
      QVERIFY2(canvas->zoom() > zoom, qPrintable(where));
      QTest::keyClick(place, Qt::Key_0);
    }

    // Typing in the prompt: letters, Space and Tab are text (and focus navigation).
    QLineEdit* prompt = w->promptPanel()->promptEdit();
    prompt->setFocus();
    QTRY_COMPARE(QApplication::focusWidget(), prompt);
    prompt->clear();
    QTest::keyClicks(prompt, QStringLiteral("e b[ ]"));
    QCOMPARE(prompt->text(), QStringLiteral("e b[ ]"));
    QCOMPARE(canvas->tool(), CanvasView::Tool::Brush);
    QTest::keyPress(prompt, Qt::Key_Tab);
    QVERIFY(!canvas->showOriginal());
    QVERIFY(QApplication::focusWidget() != prompt);  // Tab moved on, as in any form
    QTest::keyRelease(QApplication::focusWidget(), Qt::Key_Tab);

    // A spin box takes digits; they are not zoom keys there.
    QSpinBox* spin = w->brushPanel()->sizeSpinBox();
    spin->setFocus();
    QTRY_COMPARE(QApplication::focusWidget(), spin);
    const qreal zoom = canvas->zoom();
    QTest::keyClick(spin, Qt::Key_1);
    QCOMPARE(canvas->zoom(), zoom);
  }

  void brushPanelAndCanvasShareOneRange() {
    Window w;
    CanvasView* canvas = w->canvas();
    BrushPanel* panel = w->brushPanel();
    QCOMPARE(panel->sizeSlider()->minimum(), CanvasView::kMinBrushSize);
    QCOMPARE(panel->sizeSlider()->maximum(), CanvasView::kMaxBrushSize);
    QCOMPARE(panel->sizeSpinBox()->minimum(), CanvasView::kMinBrushSize);
    QCOMPARE(panel->sizeSpinBox()->maximum(), CanvasView::kMaxBrushSize);
    QCOMPARE(CanvasView::kMaxBrushSize, kMaxBrushDiameter);

    // ] up to the canvas's limit: the panel follows all the way and does not pull it back.
    canvas->setFocus();
    for (int i = 0; i < 200 && canvas->brushSize() < CanvasView::kMaxBrushSize; ++i)
      QTest::keyClick(canvas, Qt::Key_BracketRight);
    QCOMPARE(canvas->brushSize(), CanvasView::kMaxBrushSize);
    QCOMPARE(panel->brushSize(), CanvasView::kMaxBrushSize);
    QCOMPARE(panel->sizeSlider()->value(), CanvasView::kMaxBrushSize);
    QTest::keyClick(canvas, Qt::Key_BracketRight);
    QCOMPARE(canvas->brushSize(), CanvasView::kMaxBrushSize);

    // Ctrl+wheel down to the bottom.
    const QPointF centre = QRectF(canvas->rect()).center();
    for (int i = 0; i < 200 && canvas->brushSize() > CanvasView::kMinBrushSize; ++i) {
      QWheelEvent e(centre, canvas->mapToGlobal(centre), QPoint(), QPoint(0, -120), Qt::NoButton,
                    Qt::ControlModifier, Qt::NoScrollPhase, false);
      QApplication::sendEvent(canvas, &e);
    }
    QCOMPARE(canvas->brushSize(), CanvasView::kMinBrushSize);
    QCOMPARE(panel->sizeSlider()->value(), CanvasView::kMinBrushSize);

    // And the panel's own ends reach the canvas unchanged.
    panel->sizeSlider()->setValue(panel->sizeSlider()->maximum());
    QCOMPARE(canvas->brushSize(), CanvasView::kMaxBrushSize);
  }
};

QTEST_MAIN(TestShortcuts)
#include "tst_ui_shortcuts.moc"
