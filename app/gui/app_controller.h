#pragma once
// Wires the window's intents to the engine bridge: maps RunSettings to pb:: requests, tracks
// the current run, and hands progress, previews, results and errors back to the window.
// A Generate while a run is going is queued (its inputs captured when pressed) and runs when
// the current one ends; the queue is shown in the window and each entry can be removed.
// Finished runs go into the persistent run history (RunHistory).
// Also keeps the models folder, the availability of the modes and the engine settings.
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <deque>
#include <map>

#include "app/common/app_settings.h"
#include "app/fetch/model_downloader.h"
#include "app/gui/engine_bridge.h"
#include "app/gui/run_requests.h"
#include "engine/runtime/engine.h"
#include "ui/dialogs/models_dialog.h"
#include "ui/dialogs/settings_dialog.h"
#include "ui/panels/run_settings.h"

class MainWindow;

namespace pbapp {

class ChangeRegionPreview;
class EngineBridge;
class InterpolationController;
class RunHistory;
struct BridgeResult;

// The engine configuration from the settings and the resolved models folder.
pb::EngineConfig engineConfigFromSettings(const ModelsDirChoice& models);
// Which files unlock what, and whether each in `modelsDir` is verified, wrong or missing.
QVector<ModelFileEntry> modelFileEntries(const QString& modelsDir);
Availability toAvailability(const pb::ModelAvailability& a);

class AppController : public QObject {
  Q_OBJECT
 public:
  // `historyDir` empty: RunHistory::defaultDir().
  AppController(MainWindow* window, EngineBridge* bridge, const ModelsDirChoice& models,
                const QString& historyDir = {}, QObject* parent = nullptr);

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
  RunHistory* history() const { return history_; }
  // The tickets of the queued runs, next first.
  QVector<int> queuedTickets() const;

 public slots:
  // Starts the run, or queues it behind the running one.
  void generate(const RunSettings& settings);
  void cancel();  // the running job only; the queue goes on
  void removeQueued(int ticket);

 private:
  // A Generate press with its inputs as they were then (images are implicitly shared).
  struct PendingRun {
    int ticket = 0;
    RunSettings settings;
    JobFrame frame;
    QImage image, mask;  // Inpaint: the document's image and mask; text2im: the canvas
    QImage source;       // Variations: the image to vary
    std::vector<pb::Image> finishFrom;  // finishing an explored candidate: its base outputs
  };
  // What finishing a candidate of an explored run needs: the run's inputs and base outputs.
  struct ExploredRun {
    PendingRun run;
    QVector<quint64> seeds;
    std::vector<std::vector<pb::Image>> baseImages;
  };
  void queueOrStart(PendingRun run);
  void finishCandidate(int runId, int index);
  void start(const PendingRun& run);
  void startNext();
  void showQueue();
  void showHistoryRun(int runId);
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
  PendingRun currentRunInputs_;
  std::map<int, ExploredRun> explored_;  // by run id, the latest few
  std::deque<PendingRun> queue_;
  int nextTicket_ = 1;
  RunHistory* history_ = nullptr;
  pbfetch::ModelDownloader* downloader_ = nullptr;
  QVector<pbfetch::DownloadItem> downloadItems_;
};

}  // namespace pbapp
