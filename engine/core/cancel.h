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

struct Progress {
  std::string stage;     // e.g. "loading base-inpaint", "base", "upsample"
  int step = 0;          // steps done in this stage
  int total = 0;         // steps in this stage
  int overall_step = 0;  // steps done over all stages of the run
  int overall_total = 0;
  double elapsed_s = 0;    // since the run started
  double remaining_s = -1; // estimate, -1 while unknown
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
  std::shared_ptr<const CancelToken> cancel;         // may be null
  bool cancelled() const { return cancel && cancel->cancelled(); }
};

}  // namespace pb
