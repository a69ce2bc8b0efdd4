// MainWindow: actions, menus and the file side (open, save, export, masks, recent files,
// drag and drop, paste, closing).
#include <QAction>
#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSaveFile>
#include <QStatusBar>
#include <QStyle>
#include <QUndoStack>

#include "ui/canvas/canvas_view.h"
#include "ui/dialogs/new_canvas_dialog.h"
#include "ui/document/document.h"
#include "ui/document/png_metadata.h"
#include "ui/mainwindow/main_window.h"
#include "ui/mainwindow/message_bar.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/prompt_panel.h"

namespace {
constexpr int kMaxRecent = 10;
const char* kImageFilter =
    QT_TRANSLATE_NOOP("MainWindow", "Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp)");

QAction* makeAction(QObject* parent, const QString& name, const QString& text,
                    const QKeySequence& key = {},
                    QStyle::StandardPixmap icon = QStyle::SP_CustomBase) {
  auto* a = new QAction(text, parent);
  a->setObjectName(name);
  if (!key.isEmpty()) a->setShortcut(key);
  if (icon != QStyle::SP_CustomBase) a->setIcon(qApp->style()->standardIcon(icon));
  return a;
}
}  // namespace

void MainWindow::createActions() {
  auto* open =
      makeAction(this, "actionOpen", tr("&Open…"), QKeySequence::Open, QStyle::SP_DialogOpenButton);
  connect(open, &QAction::triggered, this, &MainWindow::openDialog);
  auto* neu =
      makeAction(this, "actionNew", tr("&New Canvas…"), QKeySequence::New, QStyle::SP_FileIcon);
  connect(neu, &QAction::triggered, this, &MainWindow::newCanvasDialog);
  auto* save =
      makeAction(this, "actionSave", tr("&Save"), QKeySequence::Save, QStyle::SP_DialogSaveButton);
  connect(save, &QAction::triggered, this, [this] {
    const QString path = document_->filePath();
    if (path.isEmpty())
      saveAsDialog();
    else
      saveFile(path);
  });
  auto* saveAs = makeAction(this, "actionSaveAs", tr("Save &As…"), QKeySequence::SaveAs);
  connect(saveAs, &QAction::triggered, this, &MainWindow::saveAsDialog);
  auto* exportPng =
      makeAction(this, "actionExport", tr("&Export PNG…"), QKeySequence(tr("Ctrl+E")));
  connect(exportPng, &QAction::triggered, this, &MainWindow::exportDialog);
  auto* quit = makeAction(this, "actionQuit", tr("&Quit"), QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);

  auto* undo = document_->undoStack()->createUndoAction(this, tr("&Undo"));
  undo->setObjectName("actionUndo");
  undo->setShortcut(QKeySequence::Undo);
  auto* redo = document_->undoStack()->createRedoAction(this, tr("&Redo"));
  redo->setObjectName("actionRedo");
  // Both conventions, whatever the platform theme says.
  redo->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
  addAction(undo);
  addAction(redo);
  auto* paste = makeAction(this, "actionPaste", tr("&Paste Image"), QKeySequence::Paste);
  connect(paste, &QAction::triggered, this, &MainWindow::pasteFromClipboard);
  auto* copyImageAction =
      makeAction(this, "actionCopyImage", tr("&Copy Image"), QKeySequence::Copy);
  connect(copyImageAction, &QAction::triggered, this, &MainWindow::copyImage);
  auto* copyCandidateAction = makeAction(this, "actionCopyCandidate", tr("Copy Ca&ndidate"),
                                         QKeySequence(tr("Ctrl+Shift+C")));
  connect(copyCandidateAction, &QAction::triggered, this,
          [this] { copyCandidate(gallery_->selected()); });
  auto* saveCandidateAction = makeAction(this, "actionSaveCandidate", tr("Save Candi&date…"));
  connect(saveCandidateAction, &QAction::triggered, this,
          [this] { saveCandidateDialog(gallery_->selected()); });
  auto* exportCandidatesAction =
      makeAction(this, "actionExportCandidates", tr("Export A&ll Candidates…"));
  connect(exportCandidatesAction, &QAction::triggered, this, &MainWindow::exportCandidatesDialog);
  auto* prefs = makeAction(this, "actionSettings", tr("&Settings…"), QKeySequence::Preferences);
  connect(prefs, &QAction::triggered, this, &MainWindow::settingsDialog);

  // B, E, [ and ] belong to the canvas; these menu items only show them as text.
  auto* brushTool = makeAction(this, "actionBrush", tr("&Brush\tB"));
  connect(brushTool, &QAction::triggered, this,
          [this] { canvas_->setTool(CanvasView::Tool::Brush); });
  auto* eraserTool = makeAction(this, "actionEraser", tr("&Eraser\tE"));
  connect(eraserTool, &QAction::triggered, this,
          [this] { canvas_->setTool(CanvasView::Tool::Eraser); });
  auto* clearMask =
      makeAction(this, "actionClearMask", tr("&Clear Mask"), QKeySequence(tr("Ctrl+Shift+A")));
  connect(clearMask, &QAction::triggered, document_, &Document::clearMask);
  auto* invertMask =
      makeAction(this, "actionInvertMask", tr("&Invert Mask"), QKeySequence(tr("Ctrl+I")));
  connect(invertMask, &QAction::triggered, document_, &Document::invertMask);
  auto* fillMask = makeAction(this, "actionFillMask", tr("&Fill Mask"));
  connect(fillMask, &QAction::triggered, document_, &Document::fillMask);
  auto* importMask = makeAction(this, "actionImportMask", tr("I&mport Mask…"));
  connect(importMask, &QAction::triggered, this, &MainWindow::importMaskDialog);
  auto* exportMask = makeAction(this, "actionExportMask", tr("E&xport Mask…"));
  connect(exportMask, &QAction::triggered, this, &MainWindow::exportMaskDialog);

  auto* generate = makeAction(this, "actionGenerate", tr("&Generate"), {}, QStyle::SP_MediaPlay);
  generate->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  connect(generate, &QAction::triggered, prompt_, &PromptPanel::requestGenerate);
  auto* cancel = makeAction(this, "actionCancel", tr("&Cancel Run"), QKeySequence(Qt::Key_Escape),
                            QStyle::SP_MediaStop);
  connect(cancel, &QAction::triggered, this, [this] {
    if (running_) emit cancelRequested();
  });
  addAction(generate);
  addAction(cancel);

  auto* zoomIn = makeAction(this, "actionZoomIn", tr("Zoom &In"), QKeySequence::ZoomIn);
  connect(zoomIn, &QAction::triggered, canvas_, &CanvasView::zoomIn);
  auto* zoomOut = makeAction(this, "actionZoomOut", tr("Zoom &Out"), QKeySequence::ZoomOut);
  connect(zoomOut, &QAction::triggered, canvas_, &CanvasView::zoomOut);
  auto* fit = makeAction(this, "actionFit", tr("&Fit to Window"), QKeySequence(tr("Ctrl+0")));
  connect(fit, &QAction::triggered, canvas_, &CanvasView::fitToWindow);
  auto* actual =
      makeAction(this, "actionActualSize", tr("&Actual Size"), QKeySequence(tr("Ctrl+1")));
  connect(actual, &QAction::triggered, canvas_, &CanvasView::actualSize);
  auto* original = makeAction(this, "actionShowOriginal", tr("Show &Original"),
                              QKeySequence(tr("Ctrl+Shift+O")));
  original->setCheckable(true);
  connect(original, &QAction::toggled, canvas_, &CanvasView::setShowOriginal);

  auto* models = makeAction(this, "actionModels", tr("&Models…"));
  connect(models, &QAction::triggered, this, [this] { showModelsDialog(); });
  auto* shortcuts =
      makeAction(this, "actionShortcuts", tr("&Keyboard Shortcuts"), QKeySequence(Qt::Key_F1));
  connect(shortcuts, &QAction::triggered, this, &MainWindow::showShortcutsDialog);
  auto* about = makeAction(this, "actionAbout", tr("&About Promptbrush"));
  connect(about, &QAction::triggered, this, [this] {
    QMessageBox::about(this, tr("About Promptbrush"),
                       tr("<b>Promptbrush</b><p>Text-guided image editing with diffusion models "
                          "(GLIDE, unCLIP), running locally.</p>"));
  });
}

void MainWindow::createMenus() {
  auto add = [this](QMenu* m, const char* name) { m->addAction(action(QLatin1String(name))); };
  QMenu* file = menuBar()->addMenu(tr("&File"));
  add(file, "actionNew");
  add(file, "actionOpen");
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  file->addSeparator();
  add(file, "actionSave");
  add(file, "actionSaveAs");
  add(file, "actionExport");
  file->addSeparator();
  add(file, "actionSaveCandidate");
  add(file, "actionExportCandidates");
  file->addSeparator();
  add(file, "actionQuit");

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  add(edit, "actionUndo");
  add(edit, "actionRedo");
  edit->addSeparator();
  add(edit, "actionCopyImage");
  add(edit, "actionCopyCandidate");
  add(edit, "actionPaste");
  edit->addSeparator();
  add(edit, "actionSettings");

  QMenu* mask = menuBar()->addMenu(tr("&Mask"));
  add(mask, "actionBrush");
  add(mask, "actionEraser");
  mask->addSeparator();
  add(mask, "actionClearMask");
  add(mask, "actionInvertMask");
  add(mask, "actionFillMask");
  mask->addSeparator();
  add(mask, "actionImportMask");
  add(mask, "actionExportMask");

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  add(run, "actionGenerate");
  add(run, "actionCancel");

  viewMenu_ = menuBar()->addMenu(tr("&View"));
  add(viewMenu_, "actionZoomIn");
  add(viewMenu_, "actionZoomOut");
  add(viewMenu_, "actionFit");
  add(viewMenu_, "actionActualSize");
  add(viewMenu_, "actionShowOriginal");
  viewMenu_->addSeparator();
  for (QDockWidget* d : {promptDock_, galleryDock_, historyDock_, brushDock_, interpolateDock_})
    viewMenu_->addAction(d->toggleViewAction());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  add(help, "actionShortcuts");
  add(help, "actionModels");
  add(help, "actionAbout");
}

void MainWindow::updateActions() {
  const bool image = document_->hasImage();
  for (const char* name :
       {"actionSave", "actionSaveAs", "actionExport", "actionClearMask", "actionInvertMask",
        "actionFillMask", "actionImportMask", "actionExportMask", "actionFit", "actionActualSize",
        "actionZoomIn", "actionZoomOut", "actionShowOriginal", "actionCopyImage"})
    action(QLatin1String(name))->setEnabled(image);
  action("actionCancel")->setEnabled(running_);
  const bool one = gallery_->selected() >= 0;
  action("actionCopyCandidate")->setEnabled(one);
  action("actionSaveCandidate")->setEnabled(one);
  action("actionExportCandidates")->setEnabled(gallery_->count() > 0);
}

bool MainWindow::openFile(const QString& path) {
  QString error;
  if (!document_->load(path, &error)) {
    showError(tr("Could not open %1: %2").arg(QFileInfo(path).fileName(), error));
    return false;
  }
  messages_->dismiss();
  gallery_->clear();
  addRecent(path);
  setLastFolder(path);
  canvas_->fitToWindow();
  offerLoadedParameters();
  return true;
}

void MainWindow::offerLoadedParameters() {
  const QJsonObject params = document_->loadedParameters();
  if (params.isEmpty()) return;
  const QString prompt = params.value("prompt").toVariant().toString();
  messages_->showMessage(prompt.isEmpty()
                             ? tr("This image carries generation parameters.")
                             : tr("This image was made with the prompt “%1”.").arg(prompt.left(80)),
                         MessageBar::Level::Info);
  messages_->addAction(tr("Restore Parameters"), [this, params] {
    prompt_->setSettings(settingsFromParameters(params, prompt_->settings()));
  });
}

bool MainWindow::saveFile(const QString& path) {
  QString error;
  if (!document_->save(path, &error)) {
    showError(tr("Could not save %1: %2").arg(QFileInfo(path).fileName(), error));
    return false;
  }
  addRecent(path);
  setLastFolder(path);
  statusBar()->showMessage(tr("Saved %1").arg(QFileInfo(path).fileName()), 3000);
  return true;
}

QByteArray MainWindow::documentPng() const {
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  document_->image().save(&buffer, "PNG");
  QList<QPair<QString, QString>> texts;
  const QJsonArray applied = document_->appliedParameters();
  if (!applied.isEmpty()) {
    texts.append({kPngParametersKey, formatParametersText(applied.last().toObject())});
    texts.append({kPngPromptbrushKey, formatPromptbrushChunk(applied)});
  }
  return insertPngTextChunks(png, texts);
}

bool MainWindow::exportPng(const QString& path) {
  const QByteArray withText = documentPng();
  QSaveFile out(path);
  if (withText.isEmpty() || !out.open(QIODevice::WriteOnly) ||
      out.write(withText) != withText.size() || !out.commit()) {
    showError(tr("Could not export %1: %2").arg(QFileInfo(path).fileName(), out.errorString()));
    return false;
  }
  setLastFolder(path);
  statusBar()->showMessage(tr("Exported %1").arg(QFileInfo(path).fileName()), 3000);
  return true;
}

void MainWindow::newCanvas(QSize size, const QColor& background) {
  document_->newCanvas(size, background);
  gallery_->clear();
  canvas_->fitToWindow();
}

bool MainWindow::pasteFromClipboard() {
  const QMimeData* mime = QApplication::clipboard()->mimeData();
  if (!mime) return false;
  if (mime->hasImage()) {
    const QImage image = qvariant_cast<QImage>(mime->imageData());
    if (image.isNull() || !maybeSave()) return false;
    document_->setImage(image);
    gallery_->clear();
    canvas_->fitToWindow();
    return true;
  }
  for (const QUrl& url : mime->urls())
    if (url.isLocalFile()) return maybeSave() && openFile(url.toLocalFile());
  showInfo(tr("The clipboard holds no image."));
  return false;
}

void MainWindow::openDialog() {
  if (!maybeSave()) return;
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Open Image"), lastFolder(), tr(kImageFilter));
  if (!path.isEmpty()) openFile(path);
}

bool MainWindow::saveAsDialog() {
  QString suggestion = document_->filePath();
  if (suggestion.isEmpty()) suggestion = QDir(lastFolder()).filePath(tr("untitled.png"));
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Save Image"), suggestion, tr(kImageFilter));
  return !path.isEmpty() && saveFile(path);
}

void MainWindow::exportDialog() {
  const QString base = QFileInfo(document_->filePath()).completeBaseName();
  const QString suggestion =
      QDir(lastFolder()).filePath((base.isEmpty() ? tr("untitled") : base) + tr("-export.png"));
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export PNG"), suggestion, tr("PNG images (*.png)"));
  if (!path.isEmpty()) exportPng(path);
}

void MainWindow::importMaskDialog() {
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Import Mask"), lastFolder(), tr(kImageFilter));
  QString error, notice;
  if (path.isEmpty()) return;
  if (!document_->importMask(path, &error, &notice))
    showError(tr("Could not import the mask: %1").arg(error));
  else if (!notice.isEmpty())
    showInfo(notice);
}

void MainWindow::exportMaskDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export Mask"),
                                                    QDir(lastFolder()).filePath(tr("mask.png")),
                                                    tr("PNG images (*.png)"));
  QString error;
  if (!path.isEmpty() && !document_->exportMask(path, &error))
    showError(tr("Could not export the mask: %1").arg(error));
}

void MainWindow::newCanvasDialog() {
  if (!maybeSave()) return;
  NewCanvasDialog dialog(this);
  if (dialog.exec() == QDialog::Accepted) newCanvas(dialog.canvasSize(), dialog.background());
}

void MainWindow::settingsDialog() {
  SettingsDialog dialog(engineSettings_, this);
  if (dialog.exec() != QDialog::Accepted) return;
  engineSettings_ = dialog.settings();
  emit engineSettingsChanged(engineSettings_);
}

QString MainWindow::lastFolder() const {
  return lastFolder_.isEmpty() ? QDir::homePath() : lastFolder_;
}

void MainWindow::setLastFolder(const QString& fileOrDir) {
  const QFileInfo info(fileOrDir);
  lastFolder_ = info.isDir() ? info.absoluteFilePath() : info.absolutePath();
}

void MainWindow::addRecent(const QString& path) {
  const QString abs = QFileInfo(path).absoluteFilePath();
  recent_.removeAll(abs);
  recent_.prepend(abs);
  while (recent_.size() > kMaxRecent) recent_.removeLast();
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  if (!recentMenu_) return;
  recentMenu_->clear();
  for (const QString& path : recent_) {
    recentMenu_
        ->addAction(QFileInfo(path).fileName(), this,
                    [this, path] {
                      if (maybeSave()) openFile(path);
                    })
        ->setToolTip(path);
  }
  recentMenu_->setEnabled(!recent_.isEmpty());
}

bool MainWindow::maybeSave() {
  if (!document_->isModified()) return true;
  const auto answer = QMessageBox::warning(
      this, tr("Unsaved Changes"), tr("The image has unsaved changes. Save them first?"),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Cancel) return false;
  if (answer == QMessageBox::Discard) return true;
  const QString path = document_->filePath();
  return path.isEmpty() ? saveAsDialog() : saveFile(path);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!maybeSave()) {
    event->ignore();
    return;
  }
  saveSettings();
  emit closing();
  event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (mime->hasImage() || (mime->hasUrls() && mime->urls().value(0).isLocalFile()))
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (mime->hasUrls() && mime->urls().value(0).isLocalFile()) {
    event->acceptProposedAction();
    if (maybeSave()) openFile(mime->urls().value(0).toLocalFile());
  } else if (mime->hasImage()) {
    event->acceptProposedAction();
    if (maybeSave()) {
      document_->setImage(qvariant_cast<QImage>(mime->imageData()));
      canvas_->fitToWindow();
    }
  }
}
