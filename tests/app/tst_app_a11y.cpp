// Every control of the real window and its dialogs has a name a screen reader can say (its
// accessible name: set, its own text, or a label's buddy) and a tooltip; icon-only buttons
// included.
#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QComboBox>
#include <QLineEdit>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSlider>
#include <QTabBar>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/app/app_harness.h"
#include "ui/dialogs/models_dialog.h"
#include "ui/dialogs/new_canvas_dialog.h"
#include "ui/dialogs/settings_dialog.h"
#include "ui/dialogs/shortcuts_dialog.h"
#include "ui/panels/gallery_panel.h"

namespace {

bool isControl(const QWidget* w) {
  return qobject_cast<const QAbstractButton*>(w) || qobject_cast<const QSlider*>(w) ||
         qobject_cast<const QAbstractSpinBox*>(w) || qobject_cast<const QComboBox*>(w) ||
         qobject_cast<const QLineEdit*>(w) || qobject_cast<const QPlainTextEdit*>(w) ||
         qobject_cast<const QAbstractItemView*>(w);
}

// Parts of a Qt widget that the widget itself presents (a spin box's line edit, a combo
// box's popup list, a view's header, a tab bar's scroll arrows, a menu bar's overflow button).
bool isPartOfQtWidget(const QWidget* w, const QWidget* root) {
  for (const QWidget* p = w->parentWidget(); p && p != root->parentWidget(); p = p->parentWidget())
    if (qobject_cast<const QAbstractSpinBox*>(p) || qobject_cast<const QComboBox*>(p) ||
        qobject_cast<const QTabBar*>(p) || qobject_cast<const QMenuBar*>(p) ||
        qobject_cast<const QScrollBar*>(p) || qobject_cast<const QAbstractItemView*>(p) ||
        p->inherits("QComboBoxPrivateContainer"))
      return true;
  return false;
}

QString describe(const QWidget* w) {
  QString path;
  for (const QWidget* p = w; p; p = p->parentWidget())
    path.prepend(QStringLiteral("/%1(%2)").arg(p->metaObject()->className(), p->objectName()));
  return path;
}

QStringList problems(QWidget* root, int* checked) {
  QStringList out;
  QList<QWidget*> all = root->findChildren<QWidget*>();
  all.prepend(root);
  for (QWidget* w : all) {
    if (!isControl(w) || isPartOfQtWidget(w, root)) continue;
    ++*checked;
    QAccessibleInterface* a = QAccessible::queryAccessibleInterface(w);
    const QString name = a ? a->text(QAccessible::Name).trimmed() : QString();
    if (name.isEmpty()) out << describe(w) + QStringLiteral(": no accessible name");
    if (w->toolTip().trimmed().isEmpty()) out << describe(w) + QStringLiteral(": no tooltip");
  }
  return out;
}

}  // namespace

class TestA11y : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { apptest::isolateSettings(); }

  void everyControlIsNamedAndExplained() {
    QTemporaryDir models;
    apptest::App app(models.path());
    QVERIFY(app.exposed());
    app.doc()->setImage(apptest::gradientImage(QSize(64, 48)));
    // A run in the gallery and a message with an action: their controls exist now.
    RunRecord run;
    run.id = 1;
    run.images = {apptest::gradientImage(QSize(64, 48))};
    run.seeds = {1};
    app.window->runFinished(run);
    app.window->showInfo(QStringLiteral("Hello"));

    int checked = 0;
    QStringList found = problems(app.window.get(), &checked);
    QVERIFY2(checked >= 40, qPrintable(QString::number(checked)));

    SettingsDialog settings(app.window->engineSettings(), app.window.get());
    found += problems(&settings, &checked);
    NewCanvasDialog canvas(app.window.get());
    found += problems(&canvas, &checked);
    found += problems(app.window->showShortcutsDialog(), &checked);
    app.window->showModelsDialog();
    auto* modelsDialog = app.window->findChild<ModelsDialog*>();
    QVERIFY(modelsDialog);
    found += problems(modelsDialog, &checked);
    QVERIFY2(found.isEmpty(), qPrintable(found.join(QLatin1Char('\n'))));
  }
};

QTEST_MAIN(TestA11y)
#include "tst_app_a11y.moc"
