#pragma once
// The Interpolate panel's job policy (latest request wins, as in Qt's Mandelbrot example):
//  - strip: once a set-up settles, one job per frame (nearest the slider first) at the fast
//    preset, stopped at the decoder's 64 px output, in no supersede group and at priority 0;
//    every one of them is cancelled as soon as the set-up changes again;
//  - exact frame: when the slider rests, one job for the position under it, finished to full
//    size, in group "interp-exact" at a higher priority, so it starts before the rest of the
//    strip and a newer rest supersedes it (queued or running).
// Frames come back through the bridge's frameReady and go to the panel, tagged with the
// set-up's generation so that the panel drops stale ones. Exports go through frame_export.
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QVector>

#include "engine/core/requests.h"
#include "engine/runtime/engine.h"
#include "ui/panels/interpolate_panel.h"
#include "ui/panels/run_settings.h"

class MainWindow;

namespace pbapp {

class EngineBridge;
struct BridgeResult;

inline constexpr char kExactFrameGroup[] = "interp-exact";
inline constexpr int kExactFramePriority = 10;
inline constexpr int kStripFramesPerJob = 1;

// The engine settings of a strip frame (exact == false) or of the frame under the slider.
pb::InterpolationSettings interpolationSettings(const InterpolationSetup& setup, bool exact);
// The request for `positions` of `setup` (an InterpolateRequest or, for a text diff, a
// TextDiffRequest).
pb::JobRequest interpolationRequest(const InterpolationSetup& setup,
                                    const std::vector<float>& positions, bool exact);

// What the controller has done, for tests and the status line.
struct InterpolationStats {
  int stripJobs = 0;       // submitted
  int stripFrames = 0;     // delivered to the panel
  int stripCancelled = 0;  // ended cancelled (set-up changed)
  int cancelRequests = 0;  // jobs told to stop (an edit, a new strip)
  int exactSubmitted = 0;
  int exactFinished = 0;    // delivered to the panel
  int exactSuperseded = 0;  // ended without a frame: a newer rest (or an edit) replaced them
  int failed = 0;
};

class InterpolationController : public QObject {
  Q_OBJECT
 public:
  InterpolationController(MainWindow* window, EngineBridge* bridge, QObject* parent = nullptr);

  const InterpolationStats& stats() const { return stats_; }
  int outstanding() const { return int(jobs_.size()); }

  // Writes the panel's strip: PNG frames into the folder `path`, an animated WebP or a
  // contact sheet (PNG) at `path`. False with `error` set on failure (nothing half-written).
  bool exportStrip(InterpolatePanel::ExportKind kind, const QString& path, QString* error);

 public slots:
  void renderStrip();  // Generate in the Interpolate mode
  void cancelAll();

 private:
  struct JobInfo {
    bool exact = false;
    int generation = 0;
    QVector<int> indices;  // strip: the strip index of each position
    double t = 0;          // exact: the position
    QVector<bool> got;     // per position: handed to the panel
    int delivered = 0;
  };
  void submitStrip(const InterpolationSetup& setup);
  void submitExact(const InterpolationSetup& setup, double t);
  void exportDialog(InterpolatePanel::ExportKind kind);
  void onFrame(quint64 job, int index, const QImage& frame);
  void onEnded(quint64 job, const QString& error, const BridgeResult* result = nullptr);
  void onProgress(quint64 job, const RunProgress& progress);
  InterpolatePanel* panel() const;

  QPointer<MainWindow> window_;
  EngineBridge* bridge_;
  QHash<quint64, JobInfo> jobs_;
  InterpolationSetup stripSetup_;  // the set-up the strip was rendered for (for exports)
  int errorShownFor_ = -1;         // one error message per set-up generation
  InterpolationStats stats_;
};

}  // namespace pbapp
