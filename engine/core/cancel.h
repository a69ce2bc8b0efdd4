#pragma once
// Per-call progress reporting and cancellation. A pipeline checks the token once per
// diffusion step, so cancelling takes effect within one step.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "engine/core/image.h"

namespace pb {

class CancelToken {
 public:
  void cancel() noexcept { flag_.store(true, std::memory_order_relaxed); }
  bool cancelled() const noexcept { return flag_.load(std::memory_order_relaxed); }
  void reset() noexcept { flag_.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> flag_{false};
};

// What a run is doing; a UI shows it without parsing strings.
enum class Phase {
  loading,   // reading a model file (Progress::model names it)
  encoding,  // text or image encoding (CLIP, GLIDE's text transformer)
  sampling,  // diffusion steps of stage stage_index of stage_count
  pasting,   // compositing / ranking the results
};
const char* to_string(Phase phase);

struct Progress {
  Phase phase = Phase::sampling;
  std::string model;     // the file or model at work, e.g. "base_inpaint.pt", "CLIP ViT-L/14"
  std::string stage;     // sampling: the stage's name ("base", "upsample", "prior", "decoder",
                         // "super-resolution"); other phases: a short description
  int stage_index = 0;   // sampling: 1-based stage number ...
  int stage_count = 0;   // ... of this many diffusion stages in the run
  int step = 0;          // steps done in this stage (loading: 0 started, 1 done)
  int total = 0;         // steps in this stage
  int overall_step = 0;  // steps done over all stages of the run
  int overall_total = 0;
  double elapsed_s = 0;     // since the run started
  double remaining_s = -1;  // estimate, -1 while unknown
};

struct Preview {
  std::string stage;
  int step = 0;
  int candidate = 0;
  Image image;  // the current x0 prediction, already pasted into the source frame where applicable
};

struct RunCallbacks {
  std::function<void(const Progress&)> on_progress;  // called on the engine thread
  std::function<void(const Preview&)> on_preview;    // called on the engine thread
  // Multi-frame jobs (interpolation, text diffs): frame `index` (into the request's positions)
  // is final, before the job ends; the job's result still holds every frame. Engine thread.
  std::function<void(int index, const Image& frame)> on_frame;
  std::shared_ptr<const CancelToken> cancel;  // may be null
  bool cancelled() const { return cancel && cancel->cancelled(); }
};

}  // namespace pb
