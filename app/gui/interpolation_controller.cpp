#include "app/gui/interpolation_controller.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "app/gui/engine_bridge.h"
#include "app/gui/image_convert.h"
#include "engine/core/error.h"
#include "engine/pipelines/frame_export.h"
#include "engine/pipelines/presets.h"
#include "ui/mainwindow/main_window.h"

namespace pbapp {

pb::InterpolationSettings interpolationSettings(const InterpolationSetup& setup, bool exact) {
  // Strip and exact frames share the fast preset's decoder steps, seed and noise, so that the
  // exact frame is the strip's frame finished to full size, not another picture.
  const pb::pipelines::KarloPreset* fast = pb::pipelines::find_karlo_preset("fast");
  pb::InterpolationSettings out;
  out.karlo = fast ? fast->settings : pb::KarloSettings{};
  out.karlo.seed = setup.seed;
  out.karlo.candidates = 1;
  out.karlo.super_resolve = exact;
  out.invert = setup.invert;
  return out;
}

pb::JobRequest interpolationRequest(const InterpolationSetup& setup,
                                    const std::vector<float>& positions, bool exact) {
  if (setup.textDiff) {
    pb::TextDiffRequest r;
    r.image = toRgb(setup.imageA);
    r.from_caption = setup.fromCaption.toStdString();
    r.to_caption = setup.toCaption.toStdString();
    r.positions = positions;
    r.settings = interpolationSettings(setup, exact);
    return r;
  }
  return pb::InterpolateRequest{toRgb(setup.imageA), toRgb(setup.imageB), positions,
                                interpolationSettings(setup, exact)};
}

InterpolationController::InterpolationController(MainWindow* window, EngineBridge* bridge,
                                                 QObject* parent)
    : QObject(parent), window_(window), bridge_(bridge) {
  InterpolatePanel* p = window->interpolatePanel();
  // Any edit makes every rendered and rendering frame stale: stop them at once.
  connect(p, &InterpolatePanel::setupChanged, this, &InterpolationController::cancelAll);
  connect(p, &InterpolatePanel::stripRequested, this, &InterpolationController::submitStrip);
  connect(p, &InterpolatePanel::exactFrameRequested, this, &InterpolationController::submitExact);
  connect(p, &InterpolatePanel::exportRequested, this, &InterpolationController::exportDialog);
  connect(bridge, &EngineBridge::frameReady, this, &InterpolationController::onFrame);
  connect(bridge, &EngineBridge::progress, this, &InterpolationController::onProgress);
  connect(bridge, &EngineBridge::finished, this,
          [this](quint64 job, const BridgeResult& result) { onEnded(job, {}, &result); });
  connect(bridge, &EngineBridge::cancelled, this, [this](quint64 job) { onEnded(job, {}); });
  connect(bridge, &EngineBridge::failed, this,
          [this](quint64 job, const QString& message) { onEnded(job, message); });
}

InterpolatePanel* InterpolationController::panel() const {
  return window_ ? window_->interpolatePanel() : nullptr;
}

void InterpolationController::renderStrip() {
  InterpolatePanel* p = panel();
  if (!p) return;
  if (!p->setup().isComplete()) {
    window_->showInfo(p->setup().textDiff
                          ? tr("Choose image A and type both captions in the Interpolate panel.")
                          : tr("Choose images A and B in the Interpolate panel."));
    return;
  }
  cancelAll();
  p->requestStrip();
}

void InterpolationController::cancelAll() {
  for (auto it = jobs_.cbegin(); it != jobs_.cend(); ++it) {
    bridge_->cancel(it.key());
    ++stats_.cancelRequests;
  }
}

void InterpolationController::submitStrip(const InterpolationSetup& setup) {
  cancelAll();
  stripSetup_ = setup;
  // Nearest the slider first: what the person looks at fills in first.
  const QVector<double> positions = setup.stripPositions();
  QVector<int> order(positions.size());
  std::iota(order.begin(), order.end(), 0);
  const double at = panel() ? panel()->position() : 0.0;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return std::abs(positions[a] - at) < std::abs(positions[b] - at);
  });
  for (int first = 0; first < order.size(); first += kStripFramesPerJob) {
    JobInfo info;
    info.generation = setup.generation;
    std::vector<float> t;
    for (int i = first; i < std::min<int>(first + kStripFramesPerJob, order.size()); ++i) {
      info.indices.push_back(order[i]);
      t.push_back(float(positions[order[i]]));
    }
    info.got = QVector<bool>(info.indices.size(), false);
    const quint64 id = bridge_->submit(interpolationRequest(setup, t, false), JobFrame{});
    jobs_.insert(id, info);
    ++stats_.stripJobs;
  }
}

void InterpolationController::submitExact(const InterpolationSetup& setup, double t) {
  JobInfo info;
  info.exact = true;
  info.generation = setup.generation;
  info.t = t;
  info.got = {false};
  // The group supersedes the previous rest's job, queued or running.
  const quint64 id = bridge_->submit(interpolationRequest(setup, {float(t)}, true), JobFrame{},
                                     QString::fromLatin1(kExactFrameGroup), kExactFramePriority);
  jobs_.insert(id, info);
  ++stats_.exactSubmitted;
}

void InterpolationController::onFrame(quint64 job, int index, const QImage& frame) {
  const auto it = jobs_.find(job);
  InterpolatePanel* p = panel();
  if (it == jobs_.end() || !p || index < 0 || index >= it->got.size() || it->got[index]) return;
  it->got[index] = true;
  ++it->delivered;
  if (it->exact) {
    ++stats_.exactFinished;  // (index is 0: one position)
    p->setExactFrame(it->generation, it->t, frame);
  } else if (index >= 0 && index < it->indices.size()) {
    ++stats_.stripFrames;
    p->setStripFrame(it->generation, it->indices[index], frame);
  }
}

void InterpolationController::onEnded(quint64 job, const QString& error,
                                      const BridgeResult* result) {
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return;
  // Frames normally come through frameReady before the end; any the engine did not report
  // one by one come from the result (in the order of the job's positions).
  if (result)
    for (int i = 0; i < it->got.size() && i < result->images.size(); ++i)
      if (!it->got[i]) onFrame(job, i, result->images[i]);
  it = jobs_.find(job);
  const JobInfo info = *it;
  jobs_.erase(it);
  InterpolatePanel* p = panel();
  if (!error.isEmpty()) {
    ++stats_.failed;
    if (p && info.generation == p->generation()) {
      p->setStatusText(tr("Failed: %1").arg(error));
      if (errorShownFor_ != info.generation && window_) {
        errorShownFor_ = info.generation;
        window_->showError(tr("Interpolation failed: %1").arg(error));
      }
    }
    return;
  }
  // Frames came through frameReady before the end; fewer than asked for: cancelled or
  // superseded on the way.
  if (info.exact && info.delivered == 0) ++stats_.exactSuperseded;
  if (!info.exact && info.delivered < info.indices.size()) ++stats_.stripCancelled;
}

void InterpolationController::onProgress(quint64 job, const RunProgress& progress) {
  const auto it = jobs_.constFind(job);
  InterpolatePanel* p = panel();
  if (it == jobs_.cend() || !it->exact || !p || it->generation != p->generation()) return;
  if (progress.phase == RunPhase::Sampling)
    p->setStatusText(tr("Frame at %1: %2 step %3/%4")
                         .arg(it->t, 0, 'f', 3)
                         .arg(progress.stage)
                         .arg(progress.step)
                         .arg(progress.total));
}

void InterpolationController::exportDialog(InterpolatePanel::ExportKind kind) {
  if (!window_) return;
  using Kind = InterpolatePanel::ExportKind;
  const QString folder = QDir::homePath();
  QString path;
  switch (kind) {
    case Kind::PngFrames:
      path = QFileDialog::getExistingDirectory(window_, tr("Export Frames to Folder"), folder);
      break;
    case Kind::AnimatedWebp:
      path = QFileDialog::getSaveFileName(window_, tr("Export Animated WebP"),
                                          QDir(folder).filePath(tr("interpolation.webp")),
                                          tr("WebP animations (*.webp)"));
      break;
    case Kind::ContactSheet:
      path = QFileDialog::getSaveFileName(window_, tr("Export Contact Sheet"),
                                          QDir(folder).filePath(tr("interpolation-sheet.png")),
                                          tr("PNG images (*.png)"));
      break;
  }
  if (path.isEmpty()) return;
  QString error;
  if (!exportStrip(kind, path, &error))
    window_->showError(tr("Could not export: %1").arg(error));
  else
    window_->showInfo(tr("Exported to %1").arg(QDir::toNativeSeparators(path)));
}

bool InterpolationController::exportStrip(InterpolatePanel::ExportKind kind, const QString& path,
                                          QString* error) {
  InterpolatePanel* p = panel();
  if (!p || !p->stripComplete()) {
    if (error) *error = tr("the strip is not rendered yet");
    return false;
  }
  const InterpolationSetup setup = p->setup();
  std::vector<pb::Image> frames;
  for (const QImage& f : p->stripFrames()) frames.push_back(toRgb(f));
  std::vector<float> positions;
  for (double t : setup.stripPositions()) positions.push_back(float(t));
  std::map<std::string, std::string> parameters{
      {"mode", setup.textDiff ? "text-diff" : "interpolate"},
      {"seed", std::to_string(setup.seed)},
      {"invert", setup.invert ? "true" : "false"},
      {"decoder_respacing", interpolationSettings(setup, false).karlo.decoder_respacing}};
  if (setup.textDiff) {
    parameters["from_caption"] = setup.fromCaption.toStdString();
    parameters["prompt"] = setup.toCaption.toStdString();
  }
  try {
    using Kind = InterpolatePanel::ExportKind;
    switch (kind) {
      case Kind::PngFrames:
        pb::pipelines::write_frame_pngs(path.toStdString(), "frame", frames, positions, parameters);
        break;
      case Kind::AnimatedWebp:
        pb::pipelines::write_animated_webp(path.toStdString(), frames);
        break;
      case Kind::ContactSheet: {
        const QImage sheet = toQImage(pb::pipelines::contact_sheet(frames));
        if (!sheet.save(path, "PNG")) {
          if (error) *error = tr("cannot write %1").arg(path);
          return false;
        }
        break;
      }
    }
  } catch (const pb::Error& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  return true;
}

}  // namespace pbapp
