#pragma once
// The one object between the UI and the engine thread. Owns pb::Engine; jobs go in from the
// GUI thread, progress, previews, results and errors come back as signals emitted on the GUI
// thread (the engine's callbacks are queued over). Previews and progress are coalesced: while
// the GUI has not taken the last one, newer ones replace it instead of piling up. Results of
// stale jobs (superseded in their group, or cancelled) are not emitted as results.
#include <QHash>
#include <QImage>
#include <QJsonObject>
#include <QObject>
#include <QRect>
#include <QVector>
#include <memory>
#include <optional>

#include "engine/runtime/engine.h"
#include "ui/panels/run_settings.h"

namespace pbapp {

struct BridgeResult {
  QVector<QImage> images;  // the engine's images, fitted to the job's frame
  QVector<quint64> seeds;
  QJsonObject parameters;  // the engine's generation parameters, as strings
  // Per candidate, the PNG text chunks promptbrush-cli writes (pb::pipelines::png_texts_for).
  QVector<QList<QPair<QString, QString>>> pngTexts;
  // GLIDE: per candidate, the base stage's outputs (one per window), to finish an explored one.
  std::vector<std::vector<pb::Image>> baseImages;
  double seconds = 0;
};

// Where the engine's output goes. The engine is the one compositor: its images are shown and
// applied with the pixels it returns. Only an image of another size than `size` (unCLIP's
// square variations) is scaled to it, and for a job that edits the document in place
// `alphaFrom`'s alpha channel, if it has one, is put back (the engine works in RGB).
// An empty size takes the images as they are.
struct JobFrame {
  QSize size;
  QImage alphaFrom;
};

class EngineBridge : public QObject {
  Q_OBJECT
 public:
  explicit EngineBridge(const pb::EngineConfig& config, QObject* parent = nullptr);
  ~EngineBridge() override;  // cancels everything and joins the engine thread

  // Queues a job. With a non-empty group, it supersedes older jobs of that group. Queued jobs
  // of higher priority start first.
  quint64 submit(pb::JobRequest request, const JobFrame& frame, const QString& group = {},
                 int priority = 0);
  void cancel(quint64 job);
  void cancelAll();

  // Jobs submitted whose end the GUI thread has not seen yet.
  int outstanding() const { return int(jobs_.size()); }
  bool isOutstanding(quint64 job) const { return jobs_.contains(job); }

  pb::ModelAvailability availability() const;
  void setConfig(const pb::EngineConfig& config);
  pb::EngineConfig config() const;

 signals:
  void progress(quint64 job, const RunProgress& progress);
  void preview(quint64 job, const QImage& image);
  // A multi-frame job's frame `index` (into its positions) is final. Never coalesced: every
  // frame is delivered, before the job's finished().
  void frameReady(quint64 job, int index, const QImage& frame);
  void finished(quint64 job, const pbapp::BridgeResult& result);
  void failed(quint64 job, const QString& message);
  void cancelled(quint64 job);  // cancelled, superseded, or finished after a newer job replaced it

 private:
  struct JobState;
  struct Done {
    std::optional<BridgeResult> result;
    pb::EngineError error;
  };
  void deliverProgress(const std::shared_ptr<JobState>& state);
  void deliverPreview(const std::shared_ptr<JobState>& state);
  void deliverFrame(const std::shared_ptr<JobState>& state, int index, const QImage& frame);
  bool isStale(const JobState& state) const;
  void deliverDone(const std::shared_ptr<JobState>& state, Done done);

  QHash<quint64, std::shared_ptr<JobState>> jobs_;  // GUI thread only
  QHash<QString, quint64> latestInGroup_;           // GUI thread only
  std::unique_ptr<pb::Engine> engine_;              // last member: destroyed first
};

}  // namespace pbapp

Q_DECLARE_METATYPE(pbapp::BridgeResult)
