#include "app/gui/engine_bridge.h"

#include <QMetaObject>
#include <QPointer>
#include <mutex>
#include <optional>

#include "app/gui/image_convert.h"
#include "engine/pipelines/png_metadata.h"

namespace pbapp {

struct EngineBridge::JobState {
  quint64 id = 0;
  QString group;
  JobFrame frame;
  bool cancelRequested = false;  // GUI thread only

  // Written on the engine thread, taken on the GUI thread.
  std::mutex mutex;
  std::optional<pb::Progress> progress;
  bool progressPosted = false;
  QImage preview;
  bool previewPosted = false;
};

namespace {
RunProgress toRunProgress(const pb::Progress& p) {
  RunProgress r;
  switch (p.phase) {
    case pb::Phase::loading:
      r.phase = RunPhase::Loading;
      break;
    case pb::Phase::encoding:
      r.phase = RunPhase::Encoding;
      break;
    case pb::Phase::sampling:
      r.phase = RunPhase::Sampling;
      break;
    case pb::Phase::pasting:
      r.phase = RunPhase::Pasting;
      break;
  }
  r.model = QString::fromStdString(p.model);
  r.stage = QString::fromStdString(p.stage);
  r.stageIndex = p.stage_index;
  r.stageCount = p.stage_count;
  r.step = p.step;
  r.total = p.total;
  r.overallStep = p.overall_step;
  r.overallTotal = p.overall_total;
  r.elapsedSeconds = p.elapsed_s;
  r.remainingSeconds = p.remaining_s;
  return r;
}

QImage placeInFrame(const JobFrame& frame, const pb::Image& image) {
  QImage out = toQImage(image);
  if (frame.size.isEmpty() || out.isNull()) return out;
  if (out.size() != frame.size)
    out = out.scaled(frame.size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  // RGB32, the document's own format, so that drawing it needs no conversion.
  if (!frame.alphaFrom.hasAlphaChannel() || frame.alphaFrom.size() != out.size())
    return out.convertToFormat(QImage::Format_RGB32);
  out = out.convertToFormat(QImage::Format_ARGB32);
  const QImage alpha = frame.alphaFrom.convertToFormat(QImage::Format_ARGB32);
  for (int y = 0; y < out.height(); ++y) {
    auto* o = reinterpret_cast<QRgb*>(out.scanLine(y));
    const auto* a = reinterpret_cast<const QRgb*>(alpha.constScanLine(y));
    for (int x = 0; x < out.width(); ++x) o[x] = (a[x] & 0xff000000u) | (o[x] & 0x00ffffffu);
  }
  return out;
}

BridgeResult toBridgeResult(const JobFrame& frame, const pb::RunResult& r) {
  BridgeResult out;
  for (const pb::Image& image : r.images) out.images.push_back(placeInFrame(frame, image));
  for (std::uint64_t seed : r.seeds) out.seeds.push_back(seed);
  for (const auto& [key, value] : r.parameters)
    out.parameters.insert(QString::fromStdString(key), QString::fromStdString(value));
  // The same chunks as the CLI's files, so that a candidate saved or copied from the gallery
  // carries exactly what `promptbrush-cli` would have written for it.
  for (size_t i = 0; i < r.images.size(); ++i) {
    auto texts = pb::guarded([&] { return pb::pipelines::png_texts_for(r, i); });
    QList<QPair<QString, QString>> chunks;
    if (texts.ok())
      for (const pb::pipelines::PngText& t : *texts)
        chunks.append({QString::fromStdString(t.key), QString::fromStdString(t.value)});
    out.pngTexts.push_back(chunks);
  }
  out.baseImages = r.base_images;
  out.seconds = r.seconds;
  return out;
}
}  // namespace

EngineBridge::EngineBridge(const pb::EngineConfig& config, QObject* parent)
    : QObject(parent), engine_(std::make_unique<pb::Engine>(config)) {
  qRegisterMetaType<RunProgress>();
  qRegisterMetaType<BridgeResult>();
}

EngineBridge::~EngineBridge() {
  engine_->cancel_all();
  engine_.reset();  // joins the engine thread while the job states still exist
}

quint64 EngineBridge::submit(pb::JobRequest request, const JobFrame& frame, const QString& group,
                             int priority) {
  auto state = std::make_shared<JobState>();
  state->frame = frame;
  state->group = group;

  pb::RunCallbacks callbacks;
  // Both run on the engine thread; they only post, never wait for the GUI.
  callbacks.on_progress = [this, state](const pb::Progress& p) {
    {
      std::lock_guard lock(state->mutex);
      state->progress = p;
      if (state->progressPosted) return;  // the GUI will read the newest one
      state->progressPosted = true;
    }
    QMetaObject::invokeMethod(
        this, [this, state] { deliverProgress(state); }, Qt::QueuedConnection);
  };
  callbacks.on_preview = [this, state](const pb::Preview& p) {
    if (p.candidate != 0) return;  // the canvas previews the first candidate only
    {
      std::lock_guard lock(state->mutex);
      if (state->previewPosted) return;  // the GUI is behind: drop this one, take a later one
      state->previewPosted = true;
    }
    QImage image = placeInFrame(state->frame, p.image);  // heavy work stays off the GUI thread
    {
      std::lock_guard lock(state->mutex);
      state->preview = std::move(image);
    }
    QMetaObject::invokeMethod(
        this, [this, state] { deliverPreview(state); }, Qt::QueuedConnection);
  };

  callbacks.on_frame = [this, state](int index, const pb::Image& frame) {
    QImage image = placeInFrame(state->frame, frame);
    QMetaObject::invokeMethod(
        this, [this, state, index, im = std::move(image)] { deliverFrame(state, index, im); },
        Qt::QueuedConnection);
  };

  const pb::JobId id = engine_->submit(
      pb::Job{std::move(request), group.toStdString(), priority}, std::move(callbacks),
      [this, state](pb::JobId, pb::Result<pb::RunResult> result) {
        // Composite the candidates here, on the engine thread, not on the GUI thread.
        Done done;
        if (result.ok())
          done.result = toBridgeResult(state->frame, result.value());
        else
          done.error = result.error();
        QMetaObject::invokeMethod(
            this,
            [this, state, d = std::move(done)]() mutable { deliverDone(state, std::move(d)); },
            Qt::QueuedConnection);
      });
  state->id = id;
  jobs_.insert(id, state);
  if (!group.isEmpty()) latestInGroup_.insert(group, id);
  return id;
}

void EngineBridge::cancel(quint64 job) {
  if (auto it = jobs_.find(job); it != jobs_.end()) {
    (*it)->cancelRequested = true;
    engine_->cancel(job);
  }
}

void EngineBridge::cancelAll() {
  for (auto& state : jobs_) state->cancelRequested = true;
  engine_->cancel_all();
}

pb::ModelAvailability EngineBridge::availability() const { return engine_->availability(); }
void EngineBridge::setConfig(const pb::EngineConfig& config) { engine_->set_config(config); }
pb::EngineConfig EngineBridge::config() const { return engine_->config(); }

void EngineBridge::deliverProgress(const std::shared_ptr<JobState>& state) {
  std::optional<pb::Progress> p;
  {
    std::lock_guard lock(state->mutex);
    p.swap(state->progress);
    state->progressPosted = false;
  }
  if (p && jobs_.contains(state->id) && !state->cancelRequested)
    emit progress(state->id, toRunProgress(*p));
}

void EngineBridge::deliverPreview(const std::shared_ptr<JobState>& state) {
  QImage image;
  {
    std::lock_guard lock(state->mutex);
    image.swap(state->preview);
    state->previewPosted = false;
  }
  if (!image.isNull() && jobs_.contains(state->id) && !state->cancelRequested && !isStale(*state))
    emit preview(state->id, image);
}

bool EngineBridge::isStale(const JobState& state) const {
  return !state.group.isEmpty() && latestInGroup_.value(state.group) != state.id;
}

void EngineBridge::deliverFrame(const std::shared_ptr<JobState>& state, int index,
                                const QImage& frame) {
  if (!frame.isNull() && jobs_.contains(state->id) && !state->cancelRequested && !isStale(*state))
    emit frameReady(state->id, index, frame);
}

void EngineBridge::deliverDone(const std::shared_ptr<JobState>& state, Done done) {
  const quint64 id = state->id;
  jobs_.remove(id);
  bool stale = false;
  if (!state->group.isEmpty()) {
    stale = latestInGroup_.value(state->group) != id;
    if (!stale) latestInGroup_.remove(state->group);
  }
  if (!done.result) {
    const pb::ErrorCode code = done.error.code;
    if (stale || state->cancelRequested || code == pb::ErrorCode::cancelled ||
        code == pb::ErrorCode::superseded)
      emit cancelled(id);
    else
      emit failed(id, QString::fromStdString(done.error.message));
  } else if (stale || state->cancelRequested) {
    emit cancelled(id);
  } else {
    emit finished(id, *done.result);
  }
}

}  // namespace pbapp
