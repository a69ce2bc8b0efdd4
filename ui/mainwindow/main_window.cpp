#include "ui/mainwindow/main_window.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMenuBar>
#include <QMouseEvent>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QUndoStack>
#include <QVBoxLayout>

#include "ui/canvas/canvas_key_router.h"
#include "ui/canvas/canvas_view.h"
#include "ui/dialogs/dialog_buttons.h"
#include "ui/dialogs/shortcuts_dialog.h"
#include "ui/document/document.h"
#include "ui/document/image_file.h"
#include "ui/mainwindow/message_bar.h"
#include "ui/panels/brush_panel.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/interpolate_panel.h"
#include "ui/panels/mask_refine_box.h"
#include "ui/panels/prompt_panel.h"

namespace {
QDockWidget* makeDock(const QString& title, const QString& name, QWidget* content) {
  auto* dock = new QDockWidget(title);
  dock->setObjectName(name);
  dock->setWidget(content);
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable |
                    QDockWidget::DockWidgetFloatable);
  // Qt's title bar buttons are icon-only and say nothing on hover.
  const std::pair<const char*, QString> buttons[] = {
      {"qt_dockwidget_closebutton", MainWindow::tr("Close the %1 panel").arg(title)},
      {"qt_dockwidget_floatbutton", MainWindow::tr("Float or dock the %1 panel").arg(title)}};
  for (const auto& [name, text] : buttons)
    if (auto* b = dock->findChild<QAbstractButton*>(QLatin1String(name))) {
      b->setToolTip(text);
      b->setAccessibleName(text);
    }
  return dock;
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setObjectName(QStringLiteral("MainWindow"));
  setAcceptDrops(true);
  setDockNestingEnabled(true);
  document_ = new Document(this);

  auto* central = new QWidget;
  auto* column = new QVBoxLayout(central);
  column->setContentsMargins(6, 6, 6, 0);
  column->setSpacing(6);
  messages_ = new MessageBar;
  canvas_ = new CanvasView;
  canvas_->setDocument(document_);
  canvas_->setMouseTracking(true);
  canvas_->installEventFilter(this);
  column->addWidget(messages_);
  column->addWidget(canvas_, 1);
  setCentralWidget(central);
  // Empty state: what to do first, over the empty canvas. Mouse events and drops pass
  // through to the canvas and the window.
  emptyHint_ =
      new QLabel(tr("<p style='font-size:15pt'>Open an image to start</p>"
                    "<p>File ▸ Open (Ctrl+O), drop an image here, paste one (Ctrl+V),<br>"
                    "or File ▸ New Canvas for Text to image.</p>"
                    "<p>Then paint over what should change and press Generate.</p>"));
  emptyHint_->setAlignment(Qt::AlignCenter);
  emptyHint_->setTextFormat(Qt::RichText);
  emptyHint_->setAttribute(Qt::WA_TransparentForMouseEvents);
  emptyHint_->setStyleSheet(QStringLiteral("color: #c8c8cc;"));
  auto* canvasLayout = new QVBoxLayout(canvas_);
  canvasLayout->addWidget(emptyHint_, 0, Qt::AlignCenter);

  createDocks();
  createActions();
  createMenus();
  createStatusBar();
  connectCanvas();
  new CanvasKeyRouter(canvas_, this);  // B, E, [ ], Tab, Space... from any panel

  connect(document_, &Document::modifiedChanged, this, &MainWindow::updateTitle);
  connect(document_, &Document::filePathChanged, this, &MainWindow::updateTitle);
  connect(document_, &Document::imageReplaced, this, [this] {
    emptyHint_->setVisible(!document_->hasImage());
    // Candidates and a running job belong to the image that was replaced.
    if (running_) emit cancelRequested();
    gallery_->clear();
    updateTitle();
    updateStatus();
    updateActions();
  });
  connect(document_, &Document::maskChanged, this, &MainWindow::updateActions);

  resize(1280, 820);
  restoreSettings();
  interpolateDock_->setVisible(prompt_->mode() == GenerationMode::Interpolate);
  updateTitle();
  updateStatus();
  updateActions();
}

MainWindow::~MainWindow() = default;

QAction* MainWindow::action(const QString& objectName) const {
  return findChild<QAction*>(objectName);
}

void MainWindow::createDocks() {
  prompt_ = new PromptPanel;
  gallery_ = new GalleryPanel;
  history_ = new HistoryPanel;
  brush_ = new BrushPanel;
  interpolate_ = new InterpolatePanel;
  promptDock_ = makeDock(tr("Prompt"), QStringLiteral("promptDock"), prompt_);
  galleryDock_ = makeDock(tr("Gallery"), QStringLiteral("galleryDock"), gallery_);
  historyDock_ = makeDock(tr("History"), QStringLiteral("historyDock"), history_);
  brushDock_ = makeDock(tr("Mask Brush"), QStringLiteral("brushDock"), brush_);
  addDockWidget(Qt::RightDockWidgetArea, promptDock_);
  addDockWidget(Qt::RightDockWidgetArea, galleryDock_);
  tabifyDockWidget(galleryDock_, historyDock_);
  galleryDock_->raise();
  addDockWidget(Qt::LeftDockWidgetArea, brushDock_);
  resizeDocks({promptDock_, brushDock_}, {360, 220}, Qt::Horizontal);
  // The Interpolate mode's panel is wide: under the canvas (the side docks keep the bottom
  // corners, so that it does not add to their height), shown with its mode.
  interpolateDock_ = makeDock(tr("Interpolate"), QStringLiteral("interpolateDock"), interpolate_);
  setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
  setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
  addDockWidget(Qt::BottomDockWidgetArea, interpolateDock_);
  interpolateDock_->hide();
  connect(prompt_, &PromptPanel::modeChanged, this, [this](GenerationMode mode) {
    interpolateDock_->setVisible(mode == GenerationMode::Interpolate);
    if (mode == GenerationMode::Interpolate) interpolateDock_->raise();
  });
  connect(interpolate_, &InterpolatePanel::imageRequested, this,
          [this](InterpolatePanel::Well well, InterpolatePanel::ImageSource source) {
            fillInterpolationWell(int(well), int(source));
          });

  connect(prompt_, &PromptPanel::generateRequested, this, &MainWindow::generateRequested);
  connect(prompt_, &PromptPanel::cancelRequested, this, &MainWindow::cancelRequested);
  connect(prompt_, &PromptPanel::modelsDialogRequested, this, [this] { showModelsDialog(); });

  connect(gallery_, &GalleryPanel::candidateSelected, this, [this](int i) {
    // Preview in place; -1 shows the document itself again.
    if (i < 0)
      document_->clearPreview();
    else
      document_->setPreview(gallery_->candidate(i));
  });
  connect(gallery_, &GalleryPanel::applyRequested, this, &MainWindow::applyCandidate);
  connect(gallery_, &GalleryPanel::discardRequested, this, [this] {
    gallery_->clear();
    document_->clearPreview();
    updateActions();
  });
  connect(gallery_, &GalleryPanel::candidateSelected, this, [this] { updateActions(); });
  connect(gallery_, &GalleryPanel::copyRequested, this, &MainWindow::copyCandidate);
  connect(gallery_, &GalleryPanel::saveRequested, this, &MainWindow::saveCandidateDialog);
  connect(gallery_, &GalleryPanel::exportAllRequested, this, &MainWindow::exportCandidatesDialog);

  connect(history_, &HistoryPanel::reuseRequested, prompt_, &PromptPanel::setSettings);
  connect(history_, &HistoryPanel::rerunRequested, this, [this](const RunSettings& s) {
    prompt_->setSettings(s);
    emit generateRequested(s);
  });
}

void MainWindow::connectCanvas() {
  connect(brush_, &BrushPanel::brushSizeChanged, canvas_, &CanvasView::setBrushSize);
  connect(brush_, &BrushPanel::hardnessChanged, canvas_, &CanvasView::setHardness);
  connect(brush_, &BrushPanel::overlayOpacityChanged, canvas_, &CanvasView::setOverlayOpacity);
  connect(brush_, &BrushPanel::eraserSelected, canvas_, [this](bool eraser) {
    canvas_->setTool(eraser ? CanvasView::Tool::Eraser : CanvasView::Tool::Brush);
  });
  connect(canvas_, &CanvasView::brushSizeChanged, brush_, &BrushPanel::setBrushSize);
  connect(canvas_, &CanvasView::hardnessChanged, brush_, &BrushPanel::setHardness);
  connect(canvas_, &CanvasView::toolChanged, brush_,
          [this](CanvasView::Tool t) { brush_->setEraser(t == CanvasView::Tool::Eraser); });
  connect(canvas_, &CanvasView::zoomChanged, this, &MainWindow::updateStatus);
  connect(brush_, &BrushPanel::clearMaskRequested, document_, &Document::clearMask);
  connect(brush_, &BrushPanel::invertMaskRequested, document_, &Document::invertMask);
  connect(brush_, &BrushPanel::fillMaskRequested, document_, &Document::fillMask);
  canvas_->setBrushSize(brush_->brushSize());
  canvas_->setHardness(brush_->hardness());
  canvas_->setOverlayOpacity(brush_->overlayOpacity());
}

void MainWindow::createStatusBar() {
  zoomLabel_ = new QLabel;
  sizeLabel_ = new QLabel;
  cursorLabel_ = new QLabel;
  for (QLabel* l : {cursorLabel_, sizeLabel_, zoomLabel_}) {
    l->setMinimumWidth(90);
    l->setAlignment(Qt::AlignCenter);
    statusBar()->addPermanentWidget(l);
  }
}

void MainWindow::updateTitle() {
  const QString path = document_->filePath();
  QString name = path.isEmpty() ? (document_->hasImage() ? tr("Untitled") : QString())
                                : QFileInfo(path).fileName();
  setWindowTitle(name.isEmpty() ? QStringLiteral("Promptbrush")
                                : QStringLiteral("%1[*] — Promptbrush").arg(name));
  setWindowModified(document_->isModified());
}

void MainWindow::updateStatus() {
  zoomLabel_->setText(tr("%1%").arg(qRound(canvas_->zoom() * 100)));
  const QSize s = document_->image().size();
  sizeLabel_->setText(document_->hasImage() ? tr("%1 × %2").arg(s.width()).arg(s.height())
                                            : QString());
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
  if (watched == canvas_ && event->type() == QEvent::MouseMove && document_->hasImage()) {
    const QPoint p = canvas_->widgetToImage(static_cast<QMouseEvent*>(event)->position()).toPoint();
    const bool inside = QRect(QPoint(), document_->image().size()).contains(p);
    cursorLabel_->setText(inside ? tr("%1, %2").arg(p.x()).arg(p.y()) : QString());
  } else if (watched == canvas_ && event->type() == QEvent::Leave) {
    cursorLabel_->clear();
  }
  return QMainWindow::eventFilter(watched, event);
}

void MainWindow::setAvailability(const Availability& availability) {
  prompt_->setAvailability(availability);
}

void MainWindow::runStarted(int runId, const RunSettings& settings) {
  running_ = true;
  prompt_->setRunning(true);
  statusBar()->showMessage(
      tr("Run %1: %2…")
          .arg(runId)
          .arg(settings.usesDiffusion() ? modeName(settings.mode) : methodName(settings.method)));
  updateActions();
}

void MainWindow::runProgress(const RunProgress& progress) { prompt_->setProgress(progress); }

void MainWindow::runPreview(const QImage& preview) {
  if (running_) document_->setPreview(preview);
}

void MainWindow::runFinished(const RunRecord& run) {
  running_ = false;
  prompt_->setRunning(false);
  prompt_->setStatusText(tr("Run %1 done in %2 s").arg(run.id).arg(run.seconds, 0, 'f', 1));
  statusBar()->clearMessage();
  galleryRun_ = run;
  gallery_->showRun(run);
  galleryDock_->raise();
  history_->addRun(run);
  if (!run.seeds.isEmpty() && run.settings.usesDiffusion()) prompt_->setLastSeed(run.seeds.front());
  gallery_->select(run.images.isEmpty() ? -1 : 0);  // previews the first candidate in place
  updateActions();
}

void MainWindow::runFailed(const QString& message) {
  running_ = false;
  prompt_->setRunning(false);
  prompt_->setStatusText(tr("Failed"));
  statusBar()->clearMessage();
  document_->clearPreview();
  showError(message);
  updateActions();
}

void MainWindow::runCancelled() {
  running_ = false;
  prompt_->setRunning(false);
  prompt_->setStatusText(tr("Cancelled"));
  statusBar()->clearMessage();
  document_->clearPreview();
  updateActions();
}

void MainWindow::showRunCandidates(const RunRecord& run) {
  galleryRun_ = run;
  gallery_->showRun(run);
  if (!running_) document_->clearPreview();  // a running job's preview stays
  updateActions();
}

void MainWindow::applyCandidate(int index) {
  const QImage image = gallery_->candidate(index);
  if (image.isNull()) return;
  const QJsonObject params = galleryRun_.candidateParameters(index);
  const RunSettings& s = galleryRun_.settings;
  const QString what = !s.usesDiffusion() ? methodName(s.method)
                       : s.prompt.isEmpty()
                           ? modeName(s.mode)
                           : tr("%1 “%2”").arg(modeName(s.mode), s.prompt.left(40));
  document_->applyResult(image, what, params);
  gallery_->select(-1);
  statusBar()->showMessage(tr("Applied candidate %1 (Ctrl+Z undoes)").arg(index + 1), 4000);
}

void MainWindow::fillInterpolationWell(int well, int source) {
  using Source = InterpolatePanel::ImageSource;
  QImage image;
  switch (Source(source)) {
    case Source::Canvas:
      image = document_->image();
      if (image.isNull()) showInfo(tr("Open an image first."));
      break;
    case Source::Candidate:
      image = gallery_->candidate(gallery_->selected());
      if (image.isNull()) showInfo(tr("Select a candidate in the gallery first."));
      break;
    case Source::File: {
      const QString path = QFileDialog::getOpenFileName(
          this, tr("Choose Image %1").arg(well == 0 ? "A" : "B"), lastFolder(),
          tr("Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp)"));
      if (path.isEmpty()) return;
      QString error;
      image = readImageFile(path, &error);
      if (image.isNull()) {
        showError(error);
        return;
      }
      setLastFolder(path);
      break;
    }
    case Source::Clipboard:
      image = QApplication::clipboard()->image();
      if (image.isNull()) showInfo(tr("The clipboard holds no image."));
      break;
  }
  if (!image.isNull()) interpolate_->setImage(InterpolatePanel::Well(well), image);
}

void MainWindow::showError(const QString& message) {
  messages_->showMessage(message, MessageBar::Level::Error);
}

void MainWindow::showInfo(const QString& message) {
  messages_->showMessage(message, MessageBar::Level::Info);
}

void MainWindow::setModelFiles(const QVector<ModelFileEntry>& files, const QString& modelsDir) {
  modelFiles_ = files;
  modelsDir_ = modelsDir;
  if (modelsDialog_) modelsDialog_->setFiles(files, modelsDir);
}

void MainWindow::showModelsDialog(bool firstRun) {
  if (!modelsDialog_) {
    modelsDialog_ = new ModelsDialog(modelFiles_, modelsDir_, firstRun, this);
    modelsDialog_->setAttribute(Qt::WA_DeleteOnClose);
    connect(modelsDialog_, &ModelsDialog::refreshRequested, this,
            &MainWindow::modelsRefreshRequested);
    connect(modelsDialog_, &ModelsDialog::downloadRequested, this,
            &MainWindow::modelsDownloadRequested);
    connect(modelsDialog_, &ModelsDialog::downloadCancelRequested, this,
            &MainWindow::modelsDownloadCancelRequested);
    describeStandardButtons(modelsDialog_);
  }
  modelsDialog_->show();  // non-modal: the person can keep working
  modelsDialog_->raise();
}

QJsonObject MainWindow::sessionState() const {
  return QJsonObject{{"runs", history_->toJson()}, {"settings", prompt_->settings().toJson()}};
}

void MainWindow::restoreSessionState(const QJsonObject& state) {
  history_->restore(state.value("runs").toArray());
  if (state.contains("settings"))
    prompt_->setSettings(RunSettings::fromJson(state.value("settings").toObject()));
}

void MainWindow::restoreSettings() {
  QSettings s;
  restoreGeometry(s.value("ui/geometry").toByteArray());
  restoreState(s.value("ui/windowState").toByteArray());
  brush_->setBrushSize(s.value("brush/size", brush_->brushSize()).toInt());
  brush_->setHardness(s.value("brush/hardness", brush_->hardness()).toDouble());
  brush_->setOverlayOpacity(s.value("brush/overlayOpacity", brush_->overlayOpacity()).toDouble());
  lastFolder_ = s.value("ui/lastFolder").toString();
  prompt_->setPromptHistory(s.value("ui/promptHistory").toStringList());
  recent_ = s.value("ui/recentFiles").toStringList();
  const QJsonDocument runSettings =
      QJsonDocument::fromJson(s.value("ui/runSettings").toByteArray());
  if (runSettings.isObject()) prompt_->setSettings(RunSettings::fromJson(runSettings.object()));
  prompt_->maskRefineBox()->setShowRegion(s.value("ui/showChangeRegion", true).toBool());
  rebuildRecentMenu();
}

void MainWindow::saveSettings() const {
  QSettings s;
  s.setValue("ui/geometry", saveGeometry());
  s.setValue("ui/windowState", saveState());
  s.setValue("brush/size", brush_->brushSize());
  s.setValue("brush/hardness", brush_->hardness());
  s.setValue("brush/overlayOpacity", brush_->overlayOpacity());
  s.setValue("ui/lastFolder", lastFolder_);
  s.setValue("ui/promptHistory", prompt_->promptHistory());
  s.setValue("ui/recentFiles", recent_);
  s.setValue("ui/showChangeRegion", prompt_->maskRefineBox()->showRegion());
  s.setValue("ui/runSettings",
             QJsonDocument(prompt_->settings().toJson()).toJson(QJsonDocument::Compact));
}
