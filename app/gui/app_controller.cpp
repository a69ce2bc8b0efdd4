#include "app/gui/app_controller.h"

#include <QDir>
#include <QSettings>

#include "app/fetch/download_plan.h"
#include "app/gui/change_region_preview.h"
#include "app/gui/engine_bridge.h"
#include "app/gui/image_convert.h"
#include "app/gui/interpolation_controller.h"
#include "app/gui/run_history.h"
#include "engine/core/printable.h"
#include "engine/runtime/model_files.h"
#include "engine/runtime/model_verify.h"
#include "ui/document/document.h"
#include "ui/mainwindow/main_window.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"
#include "ui/panels/run_queue_view.h"

namespace pbapp {

namespace {
constexpr char kFirstRunKey[] = "ui/firstRunShown";

QString roleText(const pb::ModelFile& f) {
  QStringList unlocks;
  for (pb::ModelFeature feature : f.features) {
    switch (feature) {
      case pb::ModelFeature::inpaint:
        unlocks << QObject::tr("GLIDE inpainting");
        break;
      case pb::ModelFeature::text2im:
        unlocks << QObject::tr("GLIDE text to image");
        break;
      case pb::ModelFeature::variations:
        unlocks << QObject::tr("unCLIP variations");
        break;
      case pb::ModelFeature::unclip_text2im:
        unlocks << QObject::tr("unCLIP text to image");
        break;
      case pb::ModelFeature::interpolation:
        unlocks << QObject::tr("interpolation");
        break;
    }
  }
  const QString what = QString::fromStdString(f.description);
  return unlocks.isEmpty() ? what : QStringLiteral("%1 — %2").arg(unlocks.join(", "), what);
}
}  // namespace

pb::EngineConfig engineConfigFromSettings(const ModelsDirChoice& models) {
  pb::EngineConfig c;
  c.models_dir = models.path.toStdString();
  c.device = deviceSetting().toStdString();
  c.precision = precisionSetting().toStdString();
  c.memory_budget_mb = std::size_t(qMax(0, memoryBudgetMbSetting()));
  c.threads = qMax(0, threadsSetting());
  return c;
}

QVector<ModelFileEntry> modelFileEntries(const QString& modelsDir) {
  QVector<ModelFileEntry> out;
  const std::string dir = modelsDir.toStdString();
  for (const pb::ModelFile& f : pb::model_files()) {
    ModelFileEntry e;
    e.name = QString::fromStdString(f.name);
    e.role = roleText(f);
    e.url = QString::fromStdString(f.url);
    // Checked from the file's index (cached by size and time): see model_verify.h.
    const pb::VerifyResult r = pb::verify_in_folder(dir, f);
    switch (r.status) {
      case pb::VerifyStatus::missing: {
        bool exact = false;
        const qint64 bytes = pbfetch::expectedDownloadBytes(f, &exact);
        e.status = ModelFileEntry::Status::Missing;
        e.size = bytes ? (exact ? QString() : QObject::tr("about ")) +
                             QString::fromStdString(pb::human_bytes(std::uint64_t(bytes)))
                       : QString();
        e.detail = QObject::tr("Not in the models folder. Download it from %1").arg(e.url);
        break;
      }
      case pb::VerifyStatus::verified:
        e.status = ModelFileEntry::Status::Verified;
        break;
      case pb::VerifyStatus::wrong:
        e.status = ModelFileEntry::Status::Wrong;
        break;
      case pb::VerifyStatus::unreadable:
        e.status = ModelFileEntry::Status::Unreadable;
        break;
    }
    if (r.status != pb::VerifyStatus::missing) {
      e.size = QString::fromStdString(pb::human_bytes(r.bytes));
      e.problem = QString::fromStdString(pb::printable(r.summary));
      e.detail = QString::fromStdString(r.path) + "\n" +
                 QString::fromStdString(pb::printable(r.detail(), /*keep_newlines=*/true));
    }
    out.push_back(e);
  }
  return out;
}

Availability toAvailability(const pb::ModelAvailability& a) {
  Availability out;
  auto mode = [&a](pb::ModelFeature f) {
    const pb::FeatureAvailability& x = a.of(f);
    return ModeAvailability{x.available, QString::fromStdString(x.reason)};
  };
  out.glideInpaint = mode(pb::ModelFeature::inpaint);
  out.textToImage = mode(pb::ModelFeature::text2im);
  out.variations = mode(pb::ModelFeature::variations);
  out.interpolate = mode(pb::ModelFeature::interpolation);
  out.modelsDir = QString::fromStdString(a.models_dir);
  return out;
}

AppController::AppController(MainWindow* window, EngineBridge* bridge,
                             const ModelsDirChoice& models, const QString& historyDir,
                             QObject* parent)
    : QObject(parent), window_(window), bridge_(bridge), models_(models) {
  connect(window, &MainWindow::generateRequested, this, &AppController::generate);
  connect(window, &MainWindow::cancelRequested, this, &AppController::cancel);
  connect(window->promptPanel()->queueView(), &RunQueueView::removeRequested, this,
          &AppController::removeQueued);
  // Queued runs belong to the image they were queued on; the window cancels the running one.
  connect(window->document(), &Document::imageReplaced, this, [this] {
    if (queue_.empty()) return;
    const int n = int(queue_.size());
    queue_.clear();
    showQueue();
    if (window_)
      window_->showInfo(tr("Another image is open: removed %n queued run(s).", nullptr, n));
  });
  connect(window, &MainWindow::closing, this, [this] {
    queue_.clear();  // before the running job's cancellation could start the next
    showQueue();
  });
  connect(window, &MainWindow::modelsRefreshRequested, this, &AppController::refreshModels);
  connect(window, &MainWindow::modelsDownloadRequested, this, &AppController::downloadModels);
  connect(window, &MainWindow::modelsDownloadCancelRequested, this, [this] {
    if (downloader_) downloader_->cancel();
  });
  connect(window, &MainWindow::engineSettingsChanged, this,
          &AppController::onEngineSettingsChanged);
  connect(window, &MainWindow::closing, bridge, &EngineBridge::cancelAll);
  connect(bridge, &EngineBridge::progress, this, &AppController::onProgress);
  connect(bridge, &EngineBridge::preview, this, &AppController::onPreview);
  connect(bridge, &EngineBridge::finished, this, &AppController::onFinished);
  connect(bridge, &EngineBridge::failed, this, &AppController::onFailed);
  connect(bridge, &EngineBridge::cancelled, this, &AppController::onCancelled);

  EngineSettings es;
  es.modelsDir =
      QSettings(kOrganization, kApplication).value(keys::modelsDir, models.path).toString();
  if (models.source == QLatin1String("--models") ||
      models.source == QLatin1String("$PROMPTBRUSH_MODELS"))
    es.modelsDirOverride = models.source;
  es.device = deviceSetting();
  es.memoryBudgetMb = memoryBudgetMbSetting();
  es.threads = threadsSetting();
  es.precision = precisionSetting();
  window->setEngineSettings(es);
  interpolation_ = new InterpolationController(window, bridge, this);
  changeRegion_ = new ChangeRegionPreview(window, this);

  history_ = new RunHistory(historyDir.isEmpty() ? RunHistory::defaultDir() : historyDir, this);
  connect(history_, &RunHistory::writeFailed, this, [this](const QString& message) {
    if (window_) window_->showError(message);
  });
  QString problem;
  for (const RunRecord& run : history_->load(&problem)) {
    window->historyPanel()->addRun(run);
    nextRunId_ = qMax(nextRunId_, run.id + 1);  // ids stay unique across sessions
  }
  if (!problem.isEmpty()) window->showInfo(problem);
  connect(window->historyPanel(), &HistoryPanel::runSelected, this, &AppController::showHistoryRun);
  connect(window->galleryPanel(), &GalleryPanel::finishRequested, this,
          &AppController::finishCandidate);
  refreshModels();
}

void AppController::refreshModels() {
  if (!window_) return;
  const Availability a = toAvailability(bridge_->availability());
  window_->setAvailability(a);
  window_->setModelFiles(modelFileEntries(models_.path), models_.path);
}

void AppController::downloadModels(const QStringList& names) {
  if (!window_ || (downloader_ && downloader_->running())) return;
  QVector<pbfetch::DownloadItem> items;
  const QString mirror = pbfetch::mirrorFromEnvironment();
  for (const QString& name : names)
    for (const pb::ModelFile& f : pb::model_files())
      if (QString::fromStdString(f.name) == name) items << pbfetch::downloadItem(f, mirror);
  if (items.isEmpty()) return;
  delete downloader_;
  downloader_ = new pbfetch::ModelDownloader(models_.path, this);
  auto show = [this](const QString& text, int percent) {
    if (ModelsDialog* d = window_ ? window_->modelsDialog() : nullptr)
      d->setDownloadProgress(text, percent);
  };
  const int count = int(items.size());
  connect(downloader_, &pbfetch::ModelDownloader::progress, this,
          [this, show, count](int i, qint64 got, qint64 total, double rate) {
            const pbfetch::DownloadItem& item = downloadItems_[i];
            const QString sizes =
                total > 0
                    ? tr("%1 of %2")
                          .arg(QLocale().formattedDataSize(got, 1, QLocale::DataSizeSIFormat),
                               QLocale().formattedDataSize(total, 1, QLocale::DataSizeSIFormat))
                    : QLocale().formattedDataSize(got, 1, QLocale::DataSizeSIFormat);
            show(tr("%1 (%2 of %3): %4, %5/s")
                     .arg(item.name)
                     .arg(i + 1)
                     .arg(count)
                     .arg(sizes,
                          QLocale().formattedDataSize(qint64(rate), 1, QLocale::DataSizeSIFormat)),
                 total > 0 ? int(got * 100 / total) : -1);
          });
  connect(downloader_, &pbfetch::ModelDownloader::verifying, this,
          [show](int, const QString& name) { show(tr("Checking %1…").arg(name), -1); });
  connect(downloader_, &pbfetch::ModelDownloader::fileFinished, this, [this] { refreshModels(); });
  connect(downloader_, &pbfetch::ModelDownloader::finished, this, [this](bool all) {
    QStringList lines;
    for (const pbfetch::FileResult& r : downloader_->results())
      if (r.outcome != pbfetch::Outcome::installed) lines << r.name + ": " + r.message;
    refreshModels();
    if (ModelsDialog* d = window_ ? window_->modelsDialog() : nullptr)
      d->setDownloadFinished(all ? tr("Downloaded and verified.") : lines.join('\n'));
  });
  downloadItems_ = items;
  show(tr("Starting the download…"), -1);
  downloader_->start(items);
}

bool AppController::showFirstRunIfNeeded() {
  const pb::ModelAvailability a = bridge_->availability();
  QSettings settings;
  if (a.any() || settings.value(kFirstRunKey).toBool()) return false;
  settings.setValue(kFirstRunKey, true);
  window_->showModelsDialog(/*firstRun=*/true);
  return true;
}

void AppController::generate(const RunSettings& s) {
  if (!window_) return;
  Document* doc = window_->document();
  PendingRun run;
  run.settings = s;
  if (s.mode == GenerationMode::Inpaint) {
    if (!doc->hasImage()) {
      window_->showInfo(tr("Open an image first (File ▸ Open, drag and drop, or Ctrl+V)."));
      return;
    }
    if (doc->maskIsEmpty()) {
      window_->showInfo(tr("Paint over the area that should change first."));
      return;
    }
    run.image = doc->image();
    run.mask = doc->mask();
    run.frame = {doc->image().size(), doc->image()};  // edits the image in place: keeps alpha
  } else if (s.mode == GenerationMode::TextToImage) {
    if (!doc->hasImage()) window_->newCanvas(QSize(256, 256), Qt::white);
    run.image = doc->image();
    run.frame = {doc->image().size(), {}};
  } else if (s.mode == GenerationMode::Variations) {
    if (!doc->hasImage()) {
      window_->showInfo(tr("Open an image first (File ▸ Open, drag and drop, or Ctrl+V)."));
      return;
    }
    // The selected candidate (shown on the canvas), else the image. The variations are
    // square; the bridge scales them to the image's size, which undoes the squeeze of a
    // non-square source into CLIP's square input.
    const GalleryPanel* gallery = window_->galleryPanel();
    const QImage picked = gallery->candidate(gallery->selected());
    run.source = picked.isNull() ? doc->image() : picked;
    run.frame = {doc->image().size(), {}};
  } else {
    interpolation_->renderStrip();
    return;
  }
  queueOrStart(std::move(run));
}

void AppController::queueOrStart(PendingRun run) {
  if (isRunning()) {
    run.ticket = nextTicket_++;
    queue_.push_back(std::move(run));
    showQueue();
    return;
  }
  start(run);
}

void AppController::finishCandidate(int runId, int index) {
  const auto it = explored_.find(runId);
  if (it == explored_.end() || index < 0 || index >= it->second.seeds.size() ||
      size_t(index) >= it->second.baseImages.size())
    return;
  PendingRun run = it->second.run;
  // A whole run of that one candidate, whose base stage is already done.
  run.settings.previewOnly = false;
  run.settings.candidates = 1;
  run.settings.randomSeed = false;
  run.settings.seed = it->second.seeds[index];
  run.finishFrom = it->second.baseImages[size_t(index)];
  queueOrStart(std::move(run));
}

void AppController::start(const PendingRun& run) {
  const RunSettings& s = run.settings;
  pb::JobRequest request;
  if (s.mode == GenerationMode::Inpaint && s.method == FillMethod::Glide) {
    pb::InpaintRequest inpaint = inpaintRequest(run.image, run.mask, s);
    inpaint.finish_from = run.finishFrom;
    request = std::move(inpaint);
  } else if (s.mode == GenerationMode::Inpaint) {
    pb::ClassicFillRequest fill{toRgb(run.image), toMask(run.mask)};
    fill.method = s.method == FillMethod::ClassicNavierStokes ? pb::ClassicMethod::navier_stokes
                                                              : pb::ClassicMethod::telea;
    request = std::move(fill);
  } else if (s.mode == GenerationMode::TextToImage) {
    pb::Text2ImRequest t2i;
    t2i.prompt = s.prompt.toStdString();
    t2i.settings = glideSettings(s);
    t2i.width = run.image.width();
    t2i.height = run.image.height();
    t2i.finish_from = run.finishFrom;
    request = std::move(t2i);
  } else {
    request = pb::VariationsRequest{toRgb(run.source), karloSettings(s)};
  }
  currentJob_ = bridge_->submit(std::move(request), run.frame);
  currentRun_ = nextRunId_++;
  currentSettings_ = s;
  currentRunInputs_ = run;
  if (window_) window_->runStarted(currentRun_, s);
}

void AppController::startNext() {
  if (isRunning() || queue_.empty() || !window_) return;
  const PendingRun next = std::move(queue_.front());
  queue_.pop_front();
  showQueue();
  start(next);
}

void AppController::showQueue() {
  if (!window_) return;
  QVector<QueuedRun> entries;
  for (const PendingRun& p : queue_) entries.push_back({p.ticket, p.settings});
  window_->promptPanel()->queueView()->setEntries(entries);
}

QVector<int> AppController::queuedTickets() const {
  QVector<int> out;
  for (const PendingRun& p : queue_) out.push_back(p.ticket);
  return out;
}

void AppController::removeQueued(int ticket) {
  const auto it = std::find_if(queue_.begin(), queue_.end(),
                               [ticket](const PendingRun& p) { return p.ticket == ticket; });
  if (it == queue_.end()) return;
  queue_.erase(it);
  showQueue();
}

void AppController::cancel() {
  if (currentJob_) bridge_->cancel(currentJob_);
}

void AppController::showHistoryRun(int runId) {
  if (!window_ || window_->galleryPanel()->runId() == runId) return;
  if (std::optional<RunRecord> run = history_->run(runId)) {
    run->finishable = explored_.count(runId) > 0;
    window_->showRunCandidates(*run);
  }
}

void AppController::onEngineSettingsChanged(const EngineSettings& es) {
  QSettings settings(kOrganization, kApplication);  // where app_settings.h reads them
  settings.setValue(keys::modelsDir, es.modelsDir);
  settings.setValue(keys::device, es.device);
  settings.setValue(keys::memoryBudgetMb, es.memoryBudgetMb);
  settings.setValue(keys::threads, es.threads);
  settings.setValue(keys::precision, es.precision);
  // An override from the command line or the environment keeps winning for this session.
  models_ =
      resolveModelsDir(models_.source == QLatin1String("--models") ? models_.path : QString());
  bridge_->setConfig(engineConfigFromSettings(models_));
  refreshModels();
}

void AppController::onProgress(quint64 job, const RunProgress& progress) {
  if (job == currentJob_ && window_) window_->runProgress(progress);
}

void AppController::onPreview(quint64 job, const QImage& image) {
  if (job == currentJob_ && window_) window_->runPreview(image);
}

void AppController::onFinished(quint64 job, const BridgeResult& result) {
  if (job != currentJob_ || !window_) return;
  currentJob_ = 0;
  RunRecord run;
  run.id = currentRun_;
  run.settings = currentSettings_;
  run.images = result.images;
  run.seeds = result.seeds;
  run.parameters = result.parameters;
  run.pngTexts = result.pngTexts;
  if (!currentSettings_.usesDiffusion())
    run.parameters.insert("model", currentSettings_.method == FillMethod::ClassicNavierStokes
                                       ? QStringLiteral("classic-navier-stokes")
                                       : QStringLiteral("classic-telea"));
  run.seconds = result.seconds;
  run.finishedAt = QDateTime::currentDateTime();
  const bool glide = currentSettings_.mode == GenerationMode::TextToImage ||
                     (currentSettings_.mode == GenerationMode::Inpaint &&
                      currentSettings_.method == FillMethod::Glide);
  if (glide && currentSettings_.previewOnly && !result.baseImages.empty()) {
    explored_[run.id] = {currentRunInputs_, result.seeds, result.baseImages};
    // The inputs of a few explored runs stay in memory, not every one of a long session.
    constexpr size_t kKeptExplored = 8;
    while (explored_.size() > kKeptExplored) explored_.erase(explored_.begin());
    run.finishable = true;
  }
  run.thumbnail = history_->add(run).thumbnail;
  window_->runFinished(run);
  startNext();
}

void AppController::onFailed(quint64 job, const QString& message) {
  if (job != currentJob_ || !window_) return;
  currentJob_ = 0;
  window_->runFailed(message);
  startNext();
}

void AppController::onCancelled(quint64 job) {
  if (job != currentJob_ || !window_) return;
  currentJob_ = 0;
  window_->runCancelled();
  startNext();
}

}  // namespace pbapp
