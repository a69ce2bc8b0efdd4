#pragma once
// Wires the window's intents to the engine bridge: maps RunSettings to pb:: requests, tracks
// the current run, and hands progress, previews, results and errors back to the window.
// Also keeps the models folder, the availability of the modes and the engine settings.
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include "app/common/app_settings.h"
#include "app/fetch/model_downloader.h"
#include "engine/runtime/engine.h"
#include "ui/dialogs/models_dialog.h"
#include "ui/dialogs/settings_dialog.h"
#include "ui/panels/run_settings.h"

class MainWindow;

namespace pbapp {

class ChangeRegionPreview;
class EngineBridge;
class InterpolationController;
struct BridgeResult;

// The engine configuration from the settings and the resolved models folder.
pb::EngineConfig engineConfigFromSettings(const ModelsDirChoice& models);
// Which files unlock what, and whether each in `modelsDir` is verified, wrong or missing.
QVector<ModelFileEntry> modelFileEntries(const QString& modelsDir);
Availability toAvailability(const pb::ModelAvailability& a);

// Request settings for a run (the quality preset resolved to the engine's presets).
pb::GlideSettings glideSettings(const RunSettings& s);
pb::KarloSettings karloSettings(const RunSettings& s);  // Variations
pb::MaskSettings maskSettings(const MaskRefinement& r);
// The GLIDE inpainting request for a document's image and mask (255 = change).
pb::InpaintRequest inpaintRequest(const QImage& image, const QImage& mask, const RunSettings& s);

class AppController : public QObject {
  Q_OBJECT
 public:
  AppController(MainWindow* window, EngineBridge* bridge, const ModelsDirChoice& models,
                QObject* parent = nullptr);

  // Re-reads the models folder and updates the mode switch and the models dialog.
  void refreshModels();
  // Fetches the named files into the models folder (the models dialog's Download…),
  // reporting progress to the dialog; the table is refreshed after each file.
  void downloadModels(const QStringList& names);
  pbfetch::ModelDownloader* downloader() const { return downloader_; }
  // No diffusion weights and the welcome not yet shown: show the models dialog (non-modal).
  bool showFirstRunIfNeeded();

  quint64 currentJob() const { return currentJob_; }
  int currentRunId() const { return currentRun_; }
  bool isRunning() const { return currentJob_ != 0; }
  InterpolationController* interpolation() const { return interpolation_; }

 public slots:
  void generate(const RunSettings& settings);
  void cancel();

 private:
  void onEngineSettingsChanged(const EngineSettings& settings);
  void onProgress(quint64 job, const RunProgress& progress);
  void onPreview(quint64 job, const QImage& image);
  void onFinished(quint64 job, const BridgeResult& result);
  void onFailed(quint64 job, const QString& message);
  void onCancelled(quint64 job);

  QPointer<MainWindow> window_;
  EngineBridge* bridge_;
  InterpolationController* interpolation_ = nullptr;
  ChangeRegionPreview* changeRegion_ = nullptr;
  ModelsDirChoice models_;
  quint64 currentJob_ = 0;
  int currentRun_ = 0;
  int nextRunId_ = 1;
  RunSettings currentSettings_;
  pbfetch::ModelDownloader* downloader_ = nullptr;
  QVector<pbfetch::DownloadItem> downloadItems_;
};

}  // namespace pbapp
