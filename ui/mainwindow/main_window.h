#pragma once
// The main window: the canvas in the middle, the prompt, gallery, history and brush panels as
// docks, menus, and the status bar. It emits intents (generate, cancel, settings changed) and
// takes results through slots; it does not know the engine.
#include <QMainWindow>
#include <QPointer>
#include <QVector>

#include "ui/dialogs/models_dialog.h"
#include "ui/dialogs/settings_dialog.h"
#include "ui/panels/run_settings.h"

class BrushPanel;
class CanvasView;
class Document;
class GalleryPanel;
class HistoryPanel;
class InterpolatePanel;
class MessageBar;
class PromptPanel;
class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class ShortcutsDialog;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  Document* document() const { return document_; }
  CanvasView* canvas() const { return canvas_; }
  QLabel* emptyHint() const { return emptyHint_; }
  PromptPanel* promptPanel() const { return prompt_; }
  GalleryPanel* galleryPanel() const { return gallery_; }
  HistoryPanel* historyPanel() const { return history_; }
  BrushPanel* brushPanel() const { return brush_; }
  InterpolatePanel* interpolatePanel() const { return interpolate_; }
  QDockWidget* interpolateDock() const { return interpolateDock_; }
  MessageBar* messageBar() const { return messages_; }
  QAction* action(const QString& objectName) const;

  // File operations; failures show a message and return false.
  bool openFile(const QString& path);
  bool saveFile(const QString& path);
  bool exportPng(const QString& path);  // a copy with the parameters; the document keeps its path
  void newCanvas(QSize size, const QColor& background);
  bool pasteFromClipboard();
  // The clipboard and the gallery's candidates. A copied candidate is both an image and its
  // PNG bytes ("image/png") with the text chunks promptbrush-cli writes; saving one writes
  // those bytes. exportCandidates writes every candidate as <base>_01.png, <base>_02.png, …
  // into `dir` and asks before replacing any file there (false if the person declines).
  bool copyImage();
  bool copyCandidate(int index);
  bool saveCandidate(int index, const QString& path);
  bool exportCandidates(const QString& dir);
  QString candidateBaseName() const;  // <base> of the exported names
  QByteArray candidatePng(int index) const;
  ShortcutsDialog* showShortcutsDialog();

  QStringList recentFiles() const { return recent_; }
  void setModelFiles(const QVector<ModelFileEntry>& files, const QString& modelsDir);
  ModelsDialog* modelsDialog() const { return modelsDialog_; }  // null when not open
  void setEngineSettings(const EngineSettings& settings) { engineSettings_ = settings; }
  EngineSettings engineSettings() const { return engineSettings_; }
  // The run history and the prompt's settings, for the recovery file.
  QJsonObject sessionState() const;
  void restoreSessionState(const QJsonObject& state);

  // Persisted across sessions: dock layout, brush settings, last folder, prompt history,
  // recent files. Called on construction and on close.
  void restoreSettings();
  void saveSettings() const;

  // Unsaved work: asks whether to save; false if the person cancels.
  bool maybeSave();

 public slots:
  void setAvailability(const Availability& availability);
  void runStarted(int runId, const RunSettings& settings);
  void runProgress(const RunProgress& progress);
  void runPreview(const QImage& preview);
  void runFinished(const RunRecord& run);
  void runFailed(const QString& message);
  void runCancelled();
  // A run of the history (its candidates read back) in the gallery.
  void showRunCandidates(const RunRecord& run);
  void showModelsDialog(bool firstRun = false);
  void showError(const QString& message);
  void showInfo(const QString& message);

 signals:
  void generateRequested(const RunSettings& settings);
  void cancelRequested();
  void engineSettingsChanged(const EngineSettings& settings);
  void modelsRefreshRequested();
  void modelsDownloadRequested(const QStringList& names);  // from the models dialog
  void modelsDownloadCancelRequested();
  void closing();  // the window is about to close: stop work

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void createDocks();
  void createActions();
  void createMenus();
  void createStatusBar();
  void connectCanvas();
  void updateTitle();
  void updateStatus();
  void updateActions();
  void addRecent(const QString& path);
  void rebuildRecentMenu();
  void offerLoadedParameters();
  void applyCandidate(int index);
  void fillInterpolationWell(int well, int source);
  void openDialog();
  bool saveAsDialog();
  void exportDialog();
  void importMaskDialog();
  void exportMaskDialog();
  void newCanvasDialog();
  void settingsDialog();
  void saveCandidateDialog(int index);
  void exportCandidatesDialog();
  QByteArray documentPng() const;  // the image with the applied runs' parameters
  QString lastFolder() const;
  void setLastFolder(const QString& fileOrDir);

  Document* document_ = nullptr;
  CanvasView* canvas_ = nullptr;
  QLabel* emptyHint_ = nullptr;  // over the canvas while there is no image
  MessageBar* messages_ = nullptr;
  PromptPanel* prompt_ = nullptr;
  GalleryPanel* gallery_ = nullptr;
  HistoryPanel* history_ = nullptr;
  BrushPanel* brush_ = nullptr;
  InterpolatePanel* interpolate_ = nullptr;
  QDockWidget* interpolateDock_ = nullptr;
  QDockWidget* promptDock_ = nullptr;
  QDockWidget* galleryDock_ = nullptr;
  QDockWidget* historyDock_ = nullptr;
  QDockWidget* brushDock_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  QMenu* viewMenu_ = nullptr;
  QLabel* zoomLabel_ = nullptr;
  QLabel* sizeLabel_ = nullptr;
  QLabel* cursorLabel_ = nullptr;
  QPointer<ModelsDialog> modelsDialog_;
  QPointer<ShortcutsDialog> shortcutsDialog_;

  QStringList recent_;
  QString lastFolder_;
  QVector<ModelFileEntry> modelFiles_;
  QString modelsDir_;
  EngineSettings engineSettings_;
  RunRecord galleryRun_;  // the run whose candidates the gallery shows (parameters on apply)
  bool running_ = false;
};
