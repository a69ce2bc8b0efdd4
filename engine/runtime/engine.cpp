#include "engine/runtime/engine.h"

#include <c10/core/InferenceMode.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "engine/pipelines/classic_fill.h"
#include "engine/pipelines/glide_pipeline.h"
#include "engine/runtime/device.h"
#include "engine/runtime/model_cache.h"
#include "engine/runtime/model_files.h"

namespace pb {

namespace {

namespace fs = std::filesystem;

struct Pending {
  JobId id = 0;
  Job job;
  RunCallbacks callbacks;
  DoneCallback done;
  std::shared_ptr<CancelToken> token = std::make_shared<CancelToken>();
  bool superseded = false;
};

std::string need_path(const std::string& models_dir, const char* role) {
  const ModelFile* f = find_model_file(role);
  auto p = locate_model_file(models_dir, *f);
  if (!p) throw Error(ErrorCode::missing_weights, missing_files_message(models_dir, {f}));
  return *p;
}

// Missing files of the stages a request will run, all named at once.
void require_files(const std::string& models_dir, const std::vector<const char*>& roles) {
  std::vector<const ModelFile*> missing;
  for (const char* role : roles) {
    const ModelFile* f = find_model_file(role);
    if (!locate_model_file(models_dir, *f)) missing.push_back(f);
  }
  if (!missing.empty())
    throw Error(ErrorCode::missing_weights, missing_files_message(models_dir, missing));
}

std::string reason(const std::string& models_dir, ModelFeature feature) {
  return missing_files_message(models_dir, missing_files(models_dir, feature));
}

}  // namespace

struct Engine::Impl {
  mutable std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::shared_ptr<Pending>> queue;
  std::shared_ptr<Pending> running;
  EngineConfig config;
  JobId next_id = 1;
  bool stopping = false;

  std::mutex run_mutex;  // one job at a time: the worker or a run_sync caller
  ModelCache cache;
  std::thread worker;

  void loop();
  Result<RunResult> execute(const JobRequest& request, const RunCallbacks& callbacks,
                            const std::shared_ptr<CancelToken>& token, const EngineConfig& cfg);
  RunResult dispatch(const JobRequest& request, const RunCallbacks& callbacks,
                     const EngineConfig& cfg);
  pipelines::GlideModels load_glide(const EngineConfig& cfg, const DeviceChoice& dev,
                                    const char* base_role, const char* up_role, bool upsample,
                                    const RunCallbacks& callbacks);
};

Engine::Engine(EngineConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->worker = std::thread([impl = impl_.get()] { impl->loop(); });
}

Engine::~Engine() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    if (impl_->running) impl_->running->token->cancel();
    for (auto& p : impl_->queue) p->token->cancel();
  }
  impl_->wake.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

JobId Engine::submit(Job job, RunCallbacks callbacks, DoneCallback done) {
  std::lock_guard lock(impl_->mutex);
  auto p = std::make_shared<Pending>();
  p->id = impl_->next_id++;
  p->callbacks = std::move(callbacks);
  p->done = std::move(done);
  const std::string& group = job.supersede_group;
  if (!group.empty()) {
    // Newest wins: older jobs of the group end as superseded (reported by the worker).
    for (auto& q : impl_->queue)
      if (q->job.supersede_group == group) {
        q->superseded = true;
        q->token->cancel();
      }
    if (impl_->running && impl_->running->job.supersede_group == group) {
      impl_->running->superseded = true;
      impl_->running->token->cancel();
    }
  }
  p->job = std::move(job);
  if (impl_->stopping) p->token->cancel();
  impl_->queue.push_back(p);
  impl_->wake.notify_all();
  return p->id;
}

void Engine::cancel(JobId id) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->running && impl_->running->id == id) impl_->running->token->cancel();
  for (auto& q : impl_->queue)
    if (q->id == id) q->token->cancel();
}

void Engine::cancel_all() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->running) impl_->running->token->cancel();
  for (auto& q : impl_->queue) q->token->cancel();
}

ModelAvailability Engine::availability() const {
  const std::string dir = config().models_dir;
  ModelAvailability a;
  a.models_dir = dir;
  a.reason_inpaint = reason(dir, ModelFeature::glide_inpaint);
  a.reason_text2im = reason(dir, ModelFeature::glide_text2im);
  a.reason_unclip = reason(dir, ModelFeature::unclip);
  a.glide_inpaint = a.reason_inpaint.empty();
  a.glide_text2im = a.reason_text2im.empty();
  a.unclip = a.reason_unclip.empty();
  return a;
}

void Engine::set_config(EngineConfig config) {
  std::lock_guard lock(impl_->mutex);
  impl_->config = std::move(config);
}

EngineConfig Engine::config() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->config;
}

Result<RunResult> Engine::run_sync(const JobRequest& request, const RunCallbacks& callbacks) {
  auto token = std::make_shared<CancelToken>();
  return impl_->execute(request, callbacks, token, config());
}

void Engine::Impl::loop() {
#ifdef __linux__
  // Background jobs yield the cores to the caller's interactive thread (a GUI stays smooth
  // while a run saturates every core). On Linux nice is per thread and inherited by the
  // OpenMP workers this thread starts; run_sync callers keep their own priority.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
#endif
  for (;;) {
    std::shared_ptr<Pending> job;
    EngineConfig cfg;
    {
      std::unique_lock lock(mutex);
      wake.wait(lock, [this] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping with nothing left to report
      job = queue.front();
      queue.pop_front();
      running = job;
      cfg = config;
    }
    Result<RunResult> result = [&]() -> Result<RunResult> {
      if (job->token->cancelled())
        return EngineError{job->superseded ? ErrorCode::superseded : ErrorCode::cancelled,
                           job->superseded ? "superseded by a newer request" : "cancelled"};
      return execute(job->job.request, job->callbacks, job->token, cfg);
    }();
    bool superseded;
    {
      std::lock_guard lock(mutex);
      running.reset();
      superseded = job->superseded;
    }
    if (!result.ok() && result.error().code == ErrorCode::cancelled && superseded)
      result = EngineError{ErrorCode::superseded, "superseded by a newer request"};
    if (job->done) {
      try {
        job->done(job->id, std::move(result));
      } catch (...) {
        // A throwing callback must not take the engine thread down.
      }
    }
  }
}

Result<RunResult> Engine::Impl::execute(const JobRequest& request, const RunCallbacks& user,
                                        const std::shared_ptr<CancelToken>& token,
                                        const EngineConfig& cfg) {
  // The pipeline sees one token: the engine's, also set when the caller's own token is.
  RunCallbacks cb;
  cb.cancel = token;
  auto forward_cancel = [user, token] {
    if (user.cancel && user.cancel->cancelled()) token->cancel();
  };
  cb.on_progress = [user, forward_cancel](const Progress& p) {
    forward_cancel();
    if (user.on_progress) user.on_progress(p);
  };
  if (user.on_preview) cb.on_preview = user.on_preview;
  forward_cancel();
  std::lock_guard run_lock(run_mutex);
  return guarded([&] {
    if (token->cancelled()) throw Error(ErrorCode::cancelled, "cancelled");
    c10::InferenceMode inference;
    return dispatch(request, cb, cfg);
  });
}

pipelines::GlideModels Engine::Impl::load_glide(const EngineConfig& cfg, const DeviceChoice& dev,
                                                const char* base_role, const char* up_role,
                                                bool upsample, const RunCallbacks& callbacks) {
  std::vector<const char*> roles{base_role, "glide-vocab", "glide-merges"};
  if (upsample) roles.push_back(up_role);
  require_files(cfg.models_dir, roles);

  auto on_loading = [&callbacks](const std::string& name, bool done) {
    if (!callbacks.on_progress) return;
    Progress p;
    p.stage = "loading " + name;
    p.step = done ? 1 : 0;
    p.total = 1;
    callbacks.on_progress(p);
  };
  pipelines::GlideModels m;
  std::vector<std::string> keep;
  auto base = cache.glide(base_role, need_path(cfg.models_dir, base_role), dev, on_loading);
  m.base = base.model;
  m.base_name = fs::path(base.path).filename().string();
  m.base_hash = base.fingerprint;
  keep.push_back(base.path);
  if (callbacks.cancelled()) throw Error(ErrorCode::cancelled, "cancelled");
  if (upsample) {
    auto up = cache.glide(up_role, need_path(cfg.models_dir, up_role), dev, on_loading);
    m.upsampler = up.model;
    m.upsampler_name = fs::path(up.path).filename().string();
    m.upsampler_hash = up.fingerprint;
    keep.push_back(up.path);
  }
  cache.trim(cfg.memory_budget_mb, keep);
  m.device_label = dev.label;
  return m;
}

RunResult Engine::Impl::dispatch(const JobRequest& request, const RunCallbacks& cb,
                                 const EngineConfig& cfg) {
  if (const auto* fill = std::get_if<ClassicFillRequest>(&request))
    return pipelines::classic_fill(*fill);

  const int threads = apply_thread_policy(cfg.threads);
  const DeviceChoice dev = choose_device(cfg.device, threads, cfg.precision);
  auto vocab_dir = [&] {
    auto p = locate_model_file(cfg.models_dir, *find_model_file("glide-vocab"));
    return fs::path(*p).parent_path().string();
  };
  if (const auto* inp = std::get_if<InpaintRequest>(&request)) {
    pipelines::validate_glide_settings(inp->settings);
    auto models =
        load_glide(cfg, dev, "base-inpaint", "upsample-inpaint", inp->settings.upsample, cb);
    const auto& tok = cache.glide_tokenizer(vocab_dir());
    return pipelines::run_glide_inpaint(models, tok, *inp, cb);
  }
  const auto& t2i = std::get<Text2ImRequest>(request);
  pipelines::validate_glide_settings(t2i.settings);
  auto models = load_glide(cfg, dev, "base", "upsample", t2i.settings.upsample, cb);
  const auto& tok = cache.glide_tokenizer(vocab_dir());
  return pipelines::run_glide_text2im(models, tok, t2i, cb);
}

}  // namespace pb
