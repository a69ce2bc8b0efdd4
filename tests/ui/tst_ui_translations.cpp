// The UI is translatable: the build embeds the .qm made from ui/translations/*.ts, and
// installTranslations loads it (and Qt's own) for a locale. German is the proof.
#include <QAction>
#include <QApplication>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QtTest>

#include "ui/dialogs/shortcuts_dialog.h"
#include "ui/mainwindow/main_window.h"
#include "ui/mainwindow/translations.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/prompt_panel.h"

namespace {
QStringList menuTitles(const MainWindow& w) {
  QStringList out;
  for (QAction* a : w.menuBar()->actions()) out << a->text();
  return out;
}
}  // namespace

class TestTranslations : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("PromptbrushTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_ui_translations"));
    QSettings().clear();
  }

  void germanIsEmbedded() { QVERIFY(availableTranslations().contains(QStringLiteral("de"))); }

  void germanMenusAndButtons() {
    QVERIFY(installTranslations(QLocale(QLocale::German, QLocale::Germany)));
    MainWindow w;
    QCOMPARE(menuTitles(w),
             QStringList({"&Datei", "&Bearbeiten", "&Maske", "&Lauf", "&Ansicht", "&Hilfe"}));
    QCOMPARE(w.action("actionOpen")->text(), QStringLiteral("Ö&ffnen…"));
    QCOMPARE(w.action("actionShortcuts")->text(), QStringLiteral("&Tastenkürzel"));
    QCOMPARE(w.galleryPanel()->applyButton()->text(), QStringLiteral("Übernehmen"));
    QCOMPARE(w.promptPanel()->generateButton()->text(), QStringLiteral("Generieren"));
    QCOMPARE(w.findChild<QDockWidget*>("galleryDock")->windowTitle(), QStringLiteral("Galerie"));

    // Qt's own strings come from qtbase_de.qm.
    auto* dialog = w.showShortcutsDialog();
    QCOMPARE(dialog->windowTitle(), QStringLiteral("Tastenkürzel"));
    QCOMPARE(dialog->findChild<QDialogButtonBox*>()
                 ->button(QDialogButtonBox::Close)
                 ->text()
                 .remove(QLatin1Char('&')),
             QStringLiteral("Schließen"));
  }

  void englishNeedsNone() {
    QVERIFY(!installTranslations(QLocale(QLocale::English, QLocale::UnitedStates)));
    MainWindow w;
    QCOMPARE(menuTitles(w).value(0), QStringLiteral("&File"));
    QCOMPARE(w.galleryPanel()->applyButton()->text(), QStringLiteral("Apply"));
  }
};

QTEST_MAIN(TestTranslations)
#include "tst_ui_translations.moc"
