#pragma once
// The engine: one worker thread that owns the models and runs jobs one at a time.
//
// Usage:
//   pb::Engine engine({.models_dir = dir});
//   auto id = engine.submit(pb::Job{pb::InpaintRequest{...}}, callbacks,
//                           [](pb::JobId, pb::Result<pb::RunResult> r) { ... });
//   engine.cancel(id);
//
// Thread safety: every public method may be called from any thread. Callbacks
// (progress, preview, done) run on the engine thread; they must not block and must
// not call back into the engine synchronously. No exception crosses this API.
// Destroying the Engine cancels the running job and joins the thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/core/requests.h"
#include "engine/runtime/model_files.h"

namespace pb {

using JobId = std::uint64_t;

struct EngineConfig {
  std::string models_dir;            // where base_inpaint.pt etc. are looked for
  std::string device = "auto";       // "auto", "cpu", "cuda"
  std::size_t memory_budget_mb = 0;  // 0: no limit; loaded models beyond it are unloaded LRU
  int threads = 0;                   // 0: all cores
  // CPU precision: "auto" (bfloat16 where the CPU has native bf16, AVX-512-BF16 or AMX, else
  // float32), "float32" (parity with the reference) or "bfloat16" (the UNet body and text
  // transformer through oneDNN's bf16 kernels: about 2x faster per step, a final image within
  // the PSNR the README gives of float32's). CUDA always runs the reference's fp16 body.
  std::string precision = "auto";
};

// Every request type the engine runs. Dispatch is a std::visit over an overload set: a type
// added here without a handler does not compile.
using JobRequest =
    std::variant<InpaintRequest, Text2ImRequest, ClassicFillRequest, VariationsRequest,
                 UnclipRequest, InterpolateRequest, TextDiffRequest>;

struct Job {
  JobRequest request;
  // Interactive jobs of the same group supersede older queued or running ones
  // (e.g. slider moves); empty: never superseded.
  std::string supersede_group;
  // Queued jobs of higher priority start first (FIFO within a priority): the frame under a
  // resting slider goes before the rest of a strip. A running job is never pre-empted.
  int priority = 0;
};

using DoneCallback = std::function<void(JobId, Result<RunResult>)>;

// What is installed, for the UI's mode switch: one entry per feature.
struct FeatureAvailability {
  ModelFeature feature = ModelFeature::inpaint;
  bool available = false;
  std::vector<std::string> missing;  // file names
  std::vector<std::string> broken;   // present but cut short (a partial download)
  std::string reason;  // why not: each missing or broken file, where to get it; "" if available
};

struct ModelAvailability {
  std::string models_dir;
  std::vector<FeatureAvailability> features;  // in kAllFeatures order

  const FeatureAvailability& of(ModelFeature feature) const;
  bool available(ModelFeature feature) const { return of(feature).available; }
  bool any() const;
};

class Engine {
 public:
  explicit Engine(EngineConfig config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a job; returns immediately. `done` is called exactly once.
  JobId submit(Job job, RunCallbacks callbacks, DoneCallback done);
  // Cancels a queued or running job (takes effect within one diffusion step).
  void cancel(JobId id);
  void cancel_all();
  // Jobs queued or running whose done callback has not returned yet (0 when idle).
  std::size_t outstanding() const;

  ModelAvailability availability() const;
  void set_config(EngineConfig config);  // applies to jobs started afterwards
  EngineConfig config() const;

  // Runs a job on the calling thread (the CLI); same semantics as submit.
  Result<RunResult> run_sync(const JobRequest& request, const RunCallbacks& callbacks);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb
