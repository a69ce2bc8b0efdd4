// The window side without the engine doing work: opening, saving with parameters and the
// offer to restore them, title and unsaved mark, recent files, paste, drag and drop, new
// canvas, closing with unsaved work, settings that persist, and crash recovery.
#include <QAbstractButton>
#include <QApplication>
#include <QClipboard>
#include <QColorDialog>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPushButton>
#include <QScrollBar>
#include <QSlider>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <QUndoStack>
#include <QtTest>

#include "app/gui/recovery.h"
#include "engine/runtime/model_files.h"
#include "tests/app/app_harness.h"
#include "ui/dialogs/new_canvas_dialog.h"
#include "ui/dialogs/settings_dialog.h"
#include "ui/document/png_metadata.h"
#include "ui/mainwindow/message_bar.h"
#include "ui/panels/brush_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"

class TestWindow : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    apptest::isolateSettings();
    QVERIFY(dir_.isValid());
    imagePath_ = dir_.filePath("photo.png");
    QVERIFY(apptest::gradientImage(QSize(200, 140)).save(imagePath_));
  }
  void init() {
    apptest::isolateSettings();
    app_ = std::make_unique<apptest::App>(models_.path());
    QVERIFY(app_->exposed());
  }
  void cleanup() { app_.reset(); }

  void openSetsTitleRecentAndUnsavedMark() {
    MainWindow* w = app_->window.get();
    QCOMPARE(w->windowTitle(), QStringLiteral("Promptbrush"));
    QVERIFY(!w->action("actionSave")->isEnabled());
    QVERIFY(w->openFile(imagePath_));
    QVERIFY(w->windowTitle().startsWith("photo.png[*]"));
    QVERIFY(!w->isWindowModified());
    QVERIFY(w->action("actionSave")->isEnabled());
    QCOMPARE(w->recentFiles().value(0), QFileInfo(imagePath_).absoluteFilePath());
    app_->paint({{40, 40}, {80, 60}});
    QVERIFY(w->isWindowModified());
    app_->doc()->undoStack()->undo();
    QVERIFY(!w->isWindowModified());
  }

  void openFailureIsAMessageNotADialog() {
    QVERIFY(!app_->window->openFile(dir_.filePath("missing.png")));
    QCOMPARE(app_->window->messageBar()->level(), MessageBar::Level::Error);
    QVERIFY(app_->window->messageBar()->text().contains("missing.png"));
    QVERIFY(!QApplication::activeModalWidget());
    // A file name with markup is shown as it is, not rendered.
    QVERIFY(!app_->window->openFile(dir_.filePath("<img src=x><b>bold</b>.png")));
    bool shown = false;
    for (const QLabel* label : app_->window->messageBar()->findChildren<QLabel*>())
      if (label->text().contains("<b>bold</b>")) {
        QCOMPARE(label->textFormat(), Qt::PlainText);
        shown = true;
      }
    QVERIFY(shown);
  }

  void savedParametersAreOfferedBack() {
    MainWindow* w = app_->window.get();
    QVERIFY(w->openFile(imagePath_));
    const QJsonObject params{{"prompt", "a red fox in snow"},
                             {"cfg_scale", "3.5"},
                             {"seed", "4242"},
                             {"steps", "25"},
                             {"model", "base_inpaint.pt"}};
    app_->doc()->applyResult(apptest::gradientImage(QSize(200, 140)).mirrored(), "test", params);
    const QString saved = dir_.filePath("saved.png");
    QVERIFY(w->saveFile(saved));
    QVERIFY(w->windowTitle().startsWith("saved.png"));
    const QString exported = dir_.filePath("exported.png");
    QVERIFY(w->exportPng(exported));
    QCOMPARE(app_->doc()->filePath(), saved);  // export does not retarget the document
    bool found = false;
    for (const auto& [key, text] : readPngTextChunks(exported))
      found = found || (key == kPngParametersKey && text.contains("a red fox in snow"));
    QVERIFY(found);

    QVERIFY(w->openFile(exported));
    MessageBar* bar = w->messageBar();
    QVERIFY(bar->text().contains("a red fox in snow"));
    QPushButton* restore = nullptr;
    for (auto* b : bar->findChildren<QPushButton*>())
      if (b->text() == "Restore Parameters" && !b->isHidden()) restore = b;
    QVERIFY(restore);
    QTest::mouseClick(restore, Qt::LeftButton);
    const RunSettings s = w->promptPanel()->settings();
    QCOMPARE(s.prompt, QStringLiteral("a red fox in snow"));
    QCOMPARE(s.guidanceScale, 3.5);
    QVERIFY(!s.randomSeed);
    QCOMPARE(s.seed, quint64(4242));
    QCOMPARE(s.quality, QualityPreset::Custom);
    QCOMPARE(s.customSteps, 25);
  }

  void pasteAndDropOpenImages() {
    MainWindow* w = app_->window.get();
    w->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(w));
    QApplication::clipboard()->setImage(apptest::gradientImage(QSize(64, 48)));
    QTest::keyClick(w, Qt::Key_V, Qt::ControlModifier);
    QCOMPARE(app_->doc()->image().size(), QSize(64, 48));
    QVERIFY(w->windowTitle().startsWith("Untitled"));
    QVERIFY(w->isWindowModified());  // pasted content has no file yet

    apptest::answerNextMessageBox(QMessageBox::Discard);
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(imagePath_)});
    QDragEnterEvent enter(QPoint(100, 100), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(100, 100), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w, &drop);
    QCOMPARE(app_->doc()->filePath(), imagePath_);
    QCOMPARE(app_->doc()->image().size(), QSize(200, 140));
  }

  // File > New Canvas...: a preset fills both sizes, typed sizes switch it back to Custom,
  // the background comes from the colour dialog; Cancel leaves the document alone.
  void newCanvasThroughItsDialog() {
    MainWindow* w = app_->window.get();
    apptest::ModalWatch<QColorDialog> colour([](QColorDialog* d) {
      auto* html = apptest::fieldLabeled<QLineEdit>(d, "HTML:");
      QVERIFY(html);
      apptest::typeInto(html, "#000000");
      QCOMPARE(d->currentColor(), QColor(Qt::black));
      QVERIFY(apptest::clickButton(d, QDialogButtonBox::Ok));
    });
    apptest::ModalWatch<NewCanvasDialog> accepted([&colour](NewCanvasDialog* d) {
      auto* preset = apptest::fieldLabeled<QComboBox>(d, "Preset");
      auto* width = apptest::fieldLabeled<QSpinBox>(d, "Width");
      auto* height = apptest::fieldLabeled<QSpinBox>(d, "Height");
      auto* background = apptest::fieldLabeled<QToolButton>(d, "Background");
      QVERIFY(preset && width && height && background);
      QCOMPARE(preset->currentText(), QStringLiteral("256 × 256"));
      preset->setFocus();
      QTest::keyClick(preset, Qt::Key_Down);
      QCOMPARE(preset->currentText(), QStringLiteral("512 × 512"));
      QCOMPARE(width->value(), 512);
      QCOMPARE(height->value(), 512);
      apptest::typeInto(width, "320");
      apptest::typeInto(height, "200");
      QCOMPARE(preset->currentText(), QStringLiteral("Custom"));
      QTest::mouseClick(background, Qt::LeftButton);  // returns when the colour dialog closed
      QVERIFY2(colour.seen(), "the background button did not open a colour dialog");
      QVERIFY(apptest::clickButton(d, QDialogButtonBox::Ok));
    });
    QVERIFY(apptest::pickMenuItem(w, w->action("actionNew")));
    QVERIFY2(accepted.seen(), "File > New Canvas... did not open the New Canvas dialog");
    QCOMPARE(app_->doc()->image().size(), QSize(320, 200));
    QCOMPARE(QColor(app_->doc()->image().pixel(10, 10)), QColor(Qt::black));

    apptest::ModalWatch<NewCanvasDialog> cancelled([](NewCanvasDialog* d) {
      auto* width = apptest::fieldLabeled<QSpinBox>(d, "Width");
      QVERIFY(width);
      apptest::typeInto(width, "64");
      QVERIFY(apptest::clickButton(d, QDialogButtonBox::Cancel));
    });
    QVERIFY(apptest::pickMenuItem(w, w->action("actionNew")));
    QVERIFY2(cancelled.seen(), "File > New Canvas... did not open the New Canvas dialog again");
    QCOMPARE(app_->doc()->image().size(), QSize(320, 200));
  }

  void closingAsksAboutUnsavedWork() {
    MainWindow* w = app_->window.get();
    QVERIFY(w->openFile(imagePath_));
    app_->paint({{20, 20}, {60, 60}});
    apptest::answerNextMessageBox(QMessageBox::Cancel);
    QVERIFY(!w->close());
    QVERIFY(w->isVisible());
    apptest::answerNextMessageBox(QMessageBox::Discard);
    QVERIFY(w->close());
  }

  void settingsPersistAcrossSessions() {
    MainWindow* w = app_->window.get();
    w->brushPanel()->setBrushSize(77);
    w->brushPanel()->setOverlayOpacity(0.3);
    w->promptPanel()->promptEdit()->setText("a lighthouse at dusk");
    w->promptPanel()->rememberPrompt("a lighthouse at dusk");
    QVERIFY(w->openFile(imagePath_));
    w->findChild<QDockWidget*>("historyDock")->hide();
    w->saveSettings();
    app_.reset();

    app_ = std::make_unique<apptest::App>(models_.path());
    QVERIFY(app_->exposed());
    MainWindow* again = app_->window.get();
    QCOMPARE(again->brushPanel()->brushSize(), 77);
    QCOMPARE(app_->canvas()->brushSize(), 77);
    QCOMPARE(again->brushPanel()->overlayOpacity(), 0.3);
    QCOMPARE(again->promptPanel()->promptHistory().value(0),
             QStringLiteral("a lighthouse at dusk"));
    QCOMPARE(again->promptPanel()->settings().prompt, QStringLiteral("a lighthouse at dusk"));
    QCOMPARE(again->recentFiles().value(0), QFileInfo(imagePath_).absoluteFilePath());
    QVERIFY(again->findChild<QDockWidget*>("historyDock")->isHidden());
    QVERIFY(!again->findChild<QDockWidget*>("promptDock")->isHidden());
  }

  void brushPanelAndCanvasStayInSync() {
    MainWindow* w = app_->window.get();
    QVERIFY(w->openFile(imagePath_));
    w->brushPanel()->sizeSlider()->setValue(120);
    QCOMPARE(app_->canvas()->brushSize(), 120);
    app_->canvas()->setFocus();
    QTest::keyClick(app_->canvas(), Qt::Key_E);
    QVERIFY(w->brushPanel()->eraser());
    QTest::mouseClick(w->brushPanel()->brushButton(), Qt::LeftButton);
    QCOMPARE(app_->canvas()->tool(), CanvasView::Tool::Brush);
  }

  void modelsDialogListsFilesAndChecksAgain() {
    MainWindow* w = app_->window.get();
    w->showModelsDialog(true);
    auto* dialog = w->findChild<ModelsDialog*>();
    QVERIFY(dialog && dialog->isVisible());
    QTableWidget* table = dialog->table();
    QCOMPARE(table->rowCount(), int(pb::model_files().size()));
    auto rowOf = [table](const QString& name) {
      for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 0)->text() == name) return r;
      return -1;
    };
    const int row = rowOf("base_inpaint.pt");
    QVERIFY(row >= 0);
    QCOMPARE(table->item(row, ModelsDialog::StatusColumn)->text(), QStringLiteral("Missing"));
    const QString url = table->item(row, 0)->data(ModelsDialog::UrlRole).toString();
    QVERIFY(url.startsWith("https://"));
    // The selected file's link is shown (clickable) below the table.
    table->selectRow(row);
    QCOMPARE(dialog->selectedUrl(), url);
    QVERIFY(dialog->linkLabel()->text().contains(QStringLiteral("href=\"%1\"").arg(url)));
    // Readable at 900 px: nothing scrolls sideways, every column is in view.
    dialog->resize(900, 600);
    QApplication::processEvents();
    QVERIFY(table->horizontalScrollBar()->maximum() == 0);
    int columns = 0;
    for (int c = 0; c < table->columnCount(); ++c) columns += table->columnWidth(c);
    QVERIFY2(columns <= table->viewport()->width(),
             qPrintable(QStringLiteral("%1 > %2").arg(columns).arg(table->viewport()->width())));
    QVERIFY(dialog->width() <= 900);
    bool mentionsTool = false;
    for (QLabel* l : dialog->findChildren<QLabel*>())
      mentionsTool |= l->text().contains("promptbrush-fetch-models");
    QVERIFY(mentionsTool);
    QFile touch(QDir(models_.path()).filePath("base_inpaint.pt"));
    QVERIFY(touch.open(QIODevice::WriteOnly));
    touch.close();
    QPushButton* again = nullptr;
    for (auto* b : dialog->findChildren<QPushButton*>())
      if (b->text() == "Check Again") again = b;
    QVERIFY(again);
    QTest::mouseClick(again, Qt::LeftButton);
    // An empty file is not installed: it is checked, and found unreadable.
    QVERIFY(dialog->table()
                ->item(rowOf("base_inpaint.pt"), ModelsDialog::StatusColumn)
                ->text()
                .startsWith(QStringLiteral("Unreadable: ")));
    QFile::remove(touch.fileName());
  }

  // Edit > Settings...: a typed models folder, a picked precision and a typed memory budget
  // are stored, reach the engine and change which modes are available; the dialog shows them
  // when opened again, and Cancel keeps them.
  void engineSettingsChangeTheModelsFolder() {
    app_.reset();
    app_ = std::make_unique<apptest::App>(models_.path(), QStringLiteral("settings"));
    QVERIFY(app_->exposed());
    MainWindow* w = app_->window.get();
    PromptPanel* panel = w->promptPanel();
    QVERIFY(!panel->modeButton(GenerationMode::TextToImage)->isEnabled());
    QTemporaryDir other;
    for (const char* name : {"base.pt", "upsample.pt", "encoder.json.gz", "vocab.bpe.gz"}) {
      QFile f(QDir(other.path()).filePath(name));
      // Not empty: an empty file is a broken download, and the mode stays off.
      QVERIFY(f.open(QIODevice::WriteOnly) && f.write("stand-in") > 0);
    }
    // The folder field is the dialog's own line edit (the spin boxes' are theirs).
    const auto folderField = [](SettingsDialog* d) {
      return d->findChildren<QLineEdit*>(Qt::FindDirectChildrenOnly).value(0);
    };
    apptest::ModalWatch<SettingsDialog> changed([&](SettingsDialog* d) {
      QLineEdit* folder = folderField(d);
      auto* precision = apptest::fieldLabeled<QComboBox>(d, "CPU precision");
      auto* budget = apptest::fieldLabeled<QSpinBox>(d, "Memory budget");
      QVERIFY(folder && precision && budget);
      QCOMPARE(folder->text(), models_.path());
      // bfloat16 where the processor has it, float32 elsewhere, until the person picks.
      QCOMPARE(precision->currentData().toString(), QStringLiteral("auto"));
      QCOMPARE(budget->text(), QStringLiteral("Unlimited"));
      apptest::typeInto(folder, other.path());
      precision->setFocus();
      QTest::keyClick(precision, Qt::Key_Down);
      QCOMPARE(precision->currentData().toString(), QStringLiteral("float32"));
      QTest::keyClick(precision, Qt::Key_Down);
      QCOMPARE(precision->currentData().toString(), QStringLiteral("bfloat16"));
      apptest::typeInto(budget, "2048");
      QVERIFY(apptest::clickButton(d, QDialogButtonBox::Ok));
    });
    QVERIFY(apptest::pickMenuItem(w, w->action("actionSettings")));
    QVERIFY2(changed.seen(), "Edit > Settings... did not open the settings dialog");
    QSettings appSettings(pbapp::kOrganization, pbapp::kApplication);
    QCOMPARE(appSettings.value(pbapp::keys::modelsDir).toString(), other.path());
    QCOMPARE(appSettings.value(pbapp::keys::memoryBudgetMb).toInt(), 2048);
    QCOMPARE(appSettings.value(pbapp::keys::precision).toString(), QStringLiteral("bfloat16"));
    QCOMPARE(QString::fromStdString(app_->bridge->config().models_dir), other.path());
    QCOMPARE(app_->bridge->config().memory_budget_mb, std::size_t(2048));
    QCOMPARE(app_->bridge->config().precision, std::string("bfloat16"));
    QVERIFY(panel->modeButton(GenerationMode::TextToImage)->isEnabled());
    QVERIFY(!panel->modeButton(GenerationMode::Variations)->isEnabled());

    apptest::ModalWatch<SettingsDialog> kept([&](SettingsDialog* d) {
      QLineEdit* folder = folderField(d);
      auto* precision = apptest::fieldLabeled<QComboBox>(d, "CPU precision");
      auto* budget = apptest::fieldLabeled<QSpinBox>(d, "Memory budget");
      QVERIFY(folder && precision && budget);
      QCOMPARE(folder->text(), other.path());
      QCOMPARE(precision->currentData().toString(), QStringLiteral("bfloat16"));
      QCOMPARE(budget->value(), 2048);
      precision->setFocus();
      QTest::keyClick(precision, Qt::Key_Up);
      QCOMPARE(precision->currentData().toString(), QStringLiteral("float32"));
      QVERIFY(apptest::clickButton(d, QDialogButtonBox::Cancel));
    });
    QVERIFY(apptest::pickMenuItem(w, w->action("actionSettings")));
    QVERIFY2(kept.seen(), "Edit > Settings... did not open the settings dialog again");
    QCOMPARE(appSettings.value(pbapp::keys::precision).toString(), QStringLiteral("bfloat16"));
    QCOMPARE(app_->bridge->config().precision, std::string("bfloat16"));
  }

  void engineErrorsAreMessagesAndKeepTheWork() {
    QTemporaryDir broken;
    for (const char* name :
         {"base_inpaint.pt", "upsample_inpaint.pt", "encoder.json.gz", "vocab.bpe.gz"}) {
      QFile f(QDir(broken.path()).filePath(name));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("not a checkpoint");
    }
    app_.reset();
    app_ = std::make_unique<apptest::App>(broken.path());
    QVERIFY(app_->exposed());
    MainWindow* w = app_->window.get();
    QVERIFY(w->openFile(imagePath_));
    app_->paint({{40, 40}, {90, 70}});
    const QImage image = app_->doc()->image();
    const QImage mask = app_->doc()->mask();
    PromptPanel* panel = w->promptPanel();
    QCOMPARE(FillMethod(panel->methodCombo()->currentData().toInt()), FillMethod::Glide);
    QTest::mouseClick(panel->generateButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!panel->isRunning(), 60000);
    QCOMPARE(w->messageBar()->level(), MessageBar::Level::Error);
    QVERIFY2(w->messageBar()->text().contains("base_inpaint.pt"),
             qPrintable(w->messageBar()->text()));
    QVERIFY(!QApplication::activeModalWidget());
    QCOMPARE(app_->doc()->image(), image);
    QCOMPARE(app_->doc()->mask(), mask);
    QVERIFY(app_->doc()->isModified());
  }

  void recoveryFileRoundTrip() {
    const QString path = dir_.filePath("recovery/autosave.pbrecovery");
    {
      MainWindow* w = app_->window.get();
      pbapp::RecoveryManager recovery(w, path, 10);
      QVERIFY(w->openFile(imagePath_));
      QVERIFY(!recovery.hasRecovery());
      app_->paint({{30, 30}, {90, 90}});
      RunRecord run;
      run.id = 3;
      run.settings.prompt = "remembered";
      w->historyPanel()->addRun(run);
      QTRY_VERIFY(recovery.hasRecovery());
      QTRY_VERIFY(QFileInfo(path).size() > 0);
      app_.reset();  // a "crash": the file stays behind
    }
    QVERIFY(QFileInfo::exists(path));
    app_ = std::make_unique<apptest::App>(models_.path());
    pbapp::RecoveryManager recovery(app_->window.get(), path, 10);
    QVERIFY(recovery.hasRecovery());
    QString error;
    QVERIFY2(recovery.restore(&error), qPrintable(error));
    QCOMPARE(app_->doc()->image().size(), QSize(200, 140));
    QVERIFY(!app_->doc()->maskIsEmpty());
    QCOMPARE(app_->window->historyPanel()->count(), 1);
    QCOMPARE(app_->window->historyPanel()->run(0).settings.prompt, QStringLiteral("remembered"));
    // Saving the work removes the recovery file.
    QVERIFY(app_->window->saveFile(dir_.filePath("recovered.png")));
    QVERIFY(!recovery.hasRecovery());
  }

  void emptyCanvasSaysWhatToDoFirst() {
    app_.reset();
    app_ = std::make_unique<apptest::App>(models_.path());
    QVERIFY(app_->exposed());
    MainWindow* w = app_->window.get();
    QVERIFY(w->emptyHint()->isVisible());
    QVERIFY(w->emptyHint()->text().contains("Ctrl+O"));
    QVERIFY(w->emptyHint()->testAttribute(Qt::WA_TransparentForMouseEvents));
    QVERIFY(w->openFile(imagePath_));
    QVERIFY(!w->emptyHint()->isVisible());
  }

  void recoveryWritesInTheBackgroundAndDiscardWins() {
    const QString path = dir_.filePath("background/autosave.pbrecovery");
    MainWindow* w = app_->window.get();
    pbapp::RecoveryManager recovery(w, path, 60000);  // the timer never fires here
    QVERIFY(w->openFile(imagePath_));
    app_->paint({{30, 30}, {90, 90}});
    recovery.saveInBackground();
    recovery.waitForWrites();
    QVERIFY(recovery.hasRecovery());
    Document loaded;
    QString error;
    QVERIFY2(loaded.loadRecovery(path, &error), qPrintable(error));
    QCOMPARE(loaded.mask(), app_->doc()->mask());
    // A write queued before a discard never brings the file back.
    for (int i = 0; i < 5; ++i) recovery.saveInBackground();
    recovery.discard();
    recovery.waitForWrites();
    QVERIFY(!recovery.hasRecovery());
  }

 private:
  QTemporaryDir dir_;
  QTemporaryDir models_;
  QString imagePath_;
  std::unique_ptr<apptest::App> app_;
};

QTEST_MAIN(TestWindow)
#include "tst_app_window.moc"
