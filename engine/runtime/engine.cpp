#include "engine/runtime/engine.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
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
#include "engine/pipelines/clip_rank.h"
#include "engine/pipelines/glide_loader.h"
#include "engine/pipelines/glide_pipeline.h"
#include "engine/pipelines/interpolation.h"
#include "engine/pipelines/karlo_loader.h"
#include "engine/pipelines/karlo_pipeline.h"
#include "engine/runtime/device.h"
#include "engine/runtime/model_cache.h"
#include "engine/runtime/model_files.h"
#include "engine/runtime/model_verify.h"

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

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};

pipelines::Placement placement_of(const DeviceChoice& d, const EngineConfig& cfg) {
  pipelines::Placement p;
  p.winograd = cfg.memory_budget_mb == 0;
  p.device = d.device;
  p.body_dtype = d.half ? torch::kHalf : d.bf16 ? torch::kBFloat16 : torch::kFloat;
  p.label = d.label;
  return p;
}

}  // namespace

const FeatureAvailability& ModelAvailability::of(ModelFeature feature) const {
  for (const auto& f : features)
    if (f.feature == feature) return f;
  static const FeatureAvailability none;
  return none;
}

bool ModelAvailability::any() const {
  for (const auto& f : features)
    if (f.available) return true;
  return false;
}

struct Engine::Impl {
  mutable std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::shared_ptr<Pending>> queue;
  std::shared_ptr<Pending> running;
  EngineConfig config;
  JobId next_id = 1;
  bool stopping = false;
  std::size_t reporting = 0;  // jobs between leaving `running` and their done returning

  std::mutex run_mutex;  // one job at a time: the worker or a run_sync caller
  ModelCache cache;

  pipelines::EmbeddingCache embeddings;
  pipelines::InterpolationContexts contexts;  // engine thread (run_mutex) only
  std::thread worker;

  void loop();
  Result<RunResult> execute(const JobRequest& request, const RunCallbacks& callbacks,
                            const std::shared_ptr<CancelToken>& token, const EngineConfig& cfg);
  RunResult dispatch(const JobRequest& request, const RunCallbacks& callbacks,
                     const EngineConfig& cfg);

  // One job's view of the cache: loads what the job needs, then trims the cache to the
  // budget keeping the job's own models.
  struct JobModels {
    Impl& impl;
    const EngineConfig& cfg;
    const RunCallbacks& callbacks;
    DeviceChoice device;
    std::vector<std::string> keep;

    pipelines::LoadedModel get(const char* role, const ModelCache::Loader& load,
                               const std::string& path);
    std::string path(const char* role) const { return need_path(cfg.models_dir, role); }
    std::string vocab_dir(const char* role) const;
    // Memory is short when models had to go: older interpolation contexts go too.
    void trim() {
      if (impl.cache.trim(cfg.memory_budget_mb, keep) > 0) impl.contexts.keep_latest();
    }
  };
  RunResult run(const InpaintRequest& r, JobModels& jm);
  RunResult run(const Text2ImRequest& r, JobModels& jm);
  RunResult run(const VariationsRequest& r, JobModels& jm);
  RunResult run(const UnclipRequest& r, JobModels& jm);
  RunResult run(const InterpolateRequest& r, JobModels& jm);
  RunResult run(const TextDiffRequest& r, JobModels& jm);
  pipelines::GlideModels load_glide(JobModels& jm, const char* base_role, const char* up_role,
                                    bool upsample);
  pipelines::KarloModels load_karlo(JobModels& jm, bool prior, bool super_res);
  // Orders the result by CLIP similarity to the prompt (loads CLIP if needed).
  void rank(RunResult& result, const std::string& prompt, JobModels& jm);
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

std::size_t Engine::outstanding() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->queue.size() + (impl_->running ? 1 : 0) + impl_->reporting;
}

ModelAvailability Engine::availability() const {
  const std::string dir = config().models_dir;
  ModelAvailability a;
  a.models_dir = dir;
  for (ModelFeature feature : kAllFeatures) {
    FeatureAvailability f;
    f.feature = feature;
    const auto missing = missing_files(dir, feature);
    for (const ModelFile* m : missing) f.missing.push_back(m->name);
    f.reason = missing_files_message(dir, missing);
    // A present file that is visibly cut short makes the feature unavailable too: loading
    // it would only fail minutes later. (Keys and shapes are the models dialog's check.)
    for (const ModelFile* m : files_for(feature)) {
      const auto path = locate_model_file(dir, *m);
      if (!path) continue;
      const std::string why = quick_truncation_check(*path);
      if (why.empty()) continue;
      f.broken.push_back(m->name);
      if (!f.reason.empty()) f.reason += "\n";
      f.reason += m->name + " in " + dir + " cannot be read: " + why +
                  ". Fetch it again with promptbrush-fetch-models or from " + m->url + ".";
    }
    f.available = missing.empty() && f.broken.empty();
    a.features.push_back(std::move(f));
  }
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
      // The first of the highest priority (max_element returns the first maximum).
      const auto next = std::max_element(
          queue.begin(), queue.end(),
          [](const auto& a, const auto& b) { return a->job.priority < b->job.priority; });
      job = *next;
      queue.erase(next);
      running = job;
      cfg = config;
    }
    Result<RunResult> result = [&]() -> Result<RunResult> {
      // `superseded` is written by submit() under the mutex while this job is `running`: it
      // is read below, under the lock; a cancelled job becomes superseded there.
      if (job->token->cancelled()) return EngineError{ErrorCode::cancelled, "cancelled"};
      return execute(job->job.request, job->callbacks, job->token, cfg);
    }();
    bool superseded;
    {
      std::lock_guard lock(mutex);
      running.reset();
      ++reporting;
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
    std::lock_guard lock(mutex);
    --reporting;
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
  if (user.on_frame) cb.on_frame = user.on_frame;
  forward_cancel();
  std::lock_guard run_lock(run_mutex);
  return guarded([&] {
    if (token->cancelled()) throw Error(ErrorCode::cancelled, "cancelled");
    c10::InferenceMode inference;
    return dispatch(request, cb, cfg);
  });
}

pipelines::LoadedModel Engine::Impl::JobModels::get(const char* role,
                                                    const ModelCache::Loader& load,
                                                    const std::string& path) {
  auto on_loading = [this](const std::string& name, bool done) {
    if (!callbacks.on_progress) return;
    Progress p;
    p.phase = Phase::loading;
    p.model = name;
    p.stage = "loading " + name;
    p.step = done ? 1 : 0;
    p.total = 1;
    callbacks.on_progress(p);
  };
  if (callbacks.cancelled()) throw Error(ErrorCode::cancelled, "cancelled");
  // A file that is there but wrong (truncated, another model, another format) names itself,
  // what it should be and where the right one comes from.
  auto checked = [&]() -> pipelines::LoadedModel {
    try {
      return load();
    } catch (const Error& e) {
      if (e.code() == ErrorCode::cancelled || e.code() == ErrorCode::out_of_memory) throw;
      const ModelFile* f = find_model_file(role);
      std::string msg = e.what();
      if (f)
        msg += "\n" + path + " should be " + f->description + "; the official file is " + f->url +
               " (replace it, or choose another models folder).";
      throw Error(e.code(), msg);
    }
  };
  ModelCache::Budget budget{cfg.memory_budget_mb, ModelCache::estimate_bytes(path), keep};
  auto m = impl.cache.get(role, path, device.label, checked, on_loading, budget);
  // Also for a model cached before the budget was set: its Winograd weights go.
  pipelines::apply_conv_policy(*m.module, placement_of(device, cfg));
  // Memory is short when models had to go: older interpolation contexts go too.
  if (impl.cache.unloaded_by_last_get() > 0) impl.contexts.keep_latest();
  keep.push_back(path);
  return m;
}

std::string Engine::Impl::JobModels::vocab_dir(const char* role) const {
  return fs::path(need_path(cfg.models_dir, role)).parent_path().string();
}

pipelines::GlideModels Engine::Impl::load_glide(JobModels& jm, const char* base_role,
                                                const char* up_role, bool upsample) {
  std::vector<const char*> roles{base_role, "glide-vocab", "glide-merges"};
  if (upsample) roles.push_back(up_role);
  require_files(jm.cfg.models_dir, roles);
  const pipelines::Placement place = placement_of(jm.device, jm.cfg);
  auto glide = [&](const char* role) {
    const std::string path = jm.path(role);
    return jm.get(
        role, [&] { return pipelines::load_glide_model(role, path, place); }, path);
  };
  pipelines::GlideModels m;
  const auto base = glide(base_role);
  m.base = base.as<nn::glide::GlideUNet>();
  m.base_name = base.name;
  m.base_hash = base.fingerprint;
  if (upsample) {
    const auto up = glide(up_role);
    m.upsampler = up.as<nn::glide::GlideUNet>();
    m.upsampler_name = up.name;
    m.upsampler_hash = up.fingerprint;
  }
  jm.trim();
  m.device_label = jm.device.label;
  return m;
}

pipelines::KarloModels Engine::Impl::load_karlo(JobModels& jm, bool prior, bool super_res) {
  std::vector<const char*> roles{"karlo-decoder", "clip-vit-l-14", "clip-vocab"};
  if (super_res) roles.push_back("karlo-sr");
  if (prior) roles.insert(roles.begin(), {"karlo-prior", "clip-stats"});
  require_files(jm.cfg.models_dir, roles);
  const pipelines::Placement place = placement_of(jm.device, jm.cfg);
  pipelines::KarloModels m;
  const std::string clip_path = jm.path("clip-vit-l-14");
  const auto clip = jm.get(
      "clip-vit-l-14", [&] { return pipelines::load_clip_model(clip_path, place); }, clip_path);
  m.clip = clip.as<nn::clip::Clip>();
  m.clip_name = clip.name;
  m.clip_hash = clip.fingerprint;
  if (prior) {
    const std::string path = jm.path("karlo-prior"), stats = jm.path("clip-stats");
    const auto p = jm.get(
        "karlo-prior", [&] { return pipelines::load_prior_model(path, stats, place); }, path);
    m.prior = p.as<nn::unclip::Prior>();
    m.prior_name = p.name;
    m.prior_hash = p.fingerprint;
  }
  const std::string dec_path = jm.path("karlo-decoder");
  const auto dec = jm.get(
      "karlo-decoder", [&] { return pipelines::load_decoder_model(dec_path, place); }, dec_path);
  m.decoder = dec.as<nn::unclip::Decoder>();
  m.decoder_name = dec.name;
  m.decoder_hash = dec.fingerprint;
  if (super_res) {
    const std::string path = jm.path("karlo-sr");
    const auto sr = jm.get(
        "karlo-sr", [&] { return pipelines::load_super_res_model(path, place); }, path);
    m.super_res = sr.as<nn::unclip::SuperRes>();
    m.super_res_name = sr.name;
    m.super_res_hash = sr.fingerprint;
  }
  jm.trim();
  m.device_label = jm.device.label;
  return m;
}

void Engine::Impl::rank(RunResult& result, const std::string& prompt, JobModels& jm) {
  require_files(jm.cfg.models_dir, {"clip-vit-l-14", "clip-vocab"});
  const std::string path = jm.path("clip-vit-l-14");
  const auto clip = jm.get(
      "clip-vit-l-14",
      [&] { return pipelines::load_clip_model(path, placement_of(jm.device, jm.cfg)); }, path);
  jm.trim();
  const auto& tok = cache.clip_tokenizer(jm.vocab_dir("clip-vocab"));
  pipelines::rank_by_prompt(result, clip.as<nn::clip::Clip>(), tok, prompt, jm.callbacks);
}

RunResult Engine::Impl::run(const InpaintRequest& r, JobModels& jm) {
  pipelines::validate_glide_settings(r.settings);
  auto models = load_glide(jm, "base-inpaint", "upsample-inpaint", r.settings.upsample);
  const auto& tok = cache.glide_tokenizer(jm.vocab_dir("glide-vocab"));
  RunResult out = pipelines::run_glide_inpaint(models, tok, r, jm.callbacks);
  if (r.settings.rank_with_clip) rank(out, r.prompt, jm);
  return out;
}

RunResult Engine::Impl::run(const Text2ImRequest& r, JobModels& jm) {
  pipelines::validate_glide_settings(r.settings);
  auto models = load_glide(jm, "base", "upsample", r.settings.upsample);
  const auto& tok = cache.glide_tokenizer(jm.vocab_dir("glide-vocab"));
  RunResult out = pipelines::run_glide_text2im(models, tok, r, jm.callbacks);
  if (r.settings.rank_with_clip) rank(out, r.prompt, jm);
  return out;
}

RunResult Engine::Impl::run(const VariationsRequest& r, JobModels& jm) {
  pipelines::validate_karlo_settings(r.settings);
  auto models = load_karlo(jm, false, r.settings.super_resolve);
  const auto& tok = cache.clip_tokenizer(jm.vocab_dir("clip-vocab"));
  return pipelines::run_variations(models, tok, r, jm.callbacks, &embeddings);
}

RunResult Engine::Impl::run(const UnclipRequest& r, JobModels& jm) {
  pipelines::validate_karlo_settings(r.settings);
  auto models = load_karlo(jm, true, r.settings.super_resolve);
  const auto& tok = cache.clip_tokenizer(jm.vocab_dir("clip-vocab"));
  return pipelines::run_unclip_text2im(models, tok, r, jm.callbacks);
}

RunResult Engine::Impl::run(const InterpolateRequest& r, JobModels& jm) {
  pipelines::validate_interpolation(r.positions, r.settings);
  auto models = load_karlo(jm, false, r.settings.karlo.super_resolve);
  const auto& tok = cache.clip_tokenizer(jm.vocab_dir("clip-vocab"));
  return pipelines::run_interpolation(models, tok, r, jm.callbacks, &contexts, &embeddings);
}

RunResult Engine::Impl::run(const TextDiffRequest& r, JobModels& jm) {
  pipelines::validate_interpolation(r.positions, r.settings);
  auto models = load_karlo(jm, false, r.settings.karlo.super_resolve);
  const auto& tok = cache.clip_tokenizer(jm.vocab_dir("clip-vocab"));
  return pipelines::run_text_diff(models, tok, r, jm.callbacks, &contexts, &embeddings);
}

RunResult Engine::Impl::dispatch(const JobRequest& request, const RunCallbacks& cb,
                                 const EngineConfig& cfg) {
  // Jobs with models get the thread policy and device; the classic fill needs neither.
  auto models = [&] {
    const int threads = apply_thread_policy(cfg.threads);
    return JobModels{*this, cfg, cb, choose_device(cfg.device, threads, cfg.precision), {}};
  };
  return std::visit(overloaded{
                        [](const ClassicFillRequest& r) { return pipelines::classic_fill(r); },
                        [&](const InpaintRequest& r) {
                          auto jm = models();
                          return run(r, jm);
                        },
                        [&](const Text2ImRequest& r) {
                          auto jm = models();
                          return run(r, jm);
                        },
                        [&](const VariationsRequest& r) {
                          auto jm = models();
                          return run(r, jm);
                        },
                        [&](const UnclipRequest& r) {
                          auto jm = models();
                          return run(r, jm);
                        },
                        [&](const InterpolateRequest& r) {
                          auto jm = models();
                          return run(r, jm);
                        },
                        [&](const TextDiffRequest& r) {
                          auto jm = models();
                          return run(r, jm);
                        },
                    },
                    request);
}

}  // namespace pb
