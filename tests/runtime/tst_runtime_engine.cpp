// pb::Engine: missing-weights errors naming the files, classic fill without weights, whole
// inpaint jobs with the fixtures' small GLIDE models (their options JSON beside the weights),
// cancel, supersede, destructor while running, run_sync; the model cache's LRU budget.
// LibTorch headers before Qt's: Qt's "slots" macro breaks ATen's ivalue_inl.h.
#include "engine/core/cpu_features.h"
#include "engine/pipelines/glide_loader.h"
#include "engine/runtime/device.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/model_cache.h"
#include "engine/runtime/model_files.h"

#include <QTemporaryDir>
#include <QtTest>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>

#include "tests/common/fixtures.h"

using namespace pb;
namespace fs = std::filesystem;

namespace {

InpaintRequest small_request(int steps = 3) {
  InpaintRequest r;
  r.image = Image(40, 30, 3, 90);
  for (size_t i = 0; i < r.image.pixels.size(); ++i) r.image.pixels[i] = std::uint8_t(i * 7);
  r.mask = Image(40, 30, 1);
  for (int y = 10; y < 20; ++y)
    for (int x = 10; x < 25; ++x) r.mask.at(x, y) = 255;
  r.prompt = "a corgi";
  r.settings.base_respacing = std::to_string(steps);
  r.settings.upsample_respacing = "2";
  r.settings.seed = 3;
  return r;
}

// Waits for done callbacks from the engine thread.
struct Outcomes {
  std::mutex m;
  std::condition_variable cv;
  std::map<JobId, Result<RunResult>> done;
  DoneCallback callback() {
    return [this](JobId id, Result<RunResult> r) {
      std::lock_guard lock(m);
      done.emplace(id, std::move(r));
      cv.notify_all();
    };
  }
  bool wait(size_t n, int seconds = 120) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, std::chrono::seconds(seconds), [&] { return done.size() >= n; });
  }
  const Result<RunResult>& at(JobId id) {
    std::lock_guard lock(m);
    return done.at(id);
  }
};

}  // namespace

class RuntimeEngine : public QObject {
  Q_OBJECT
  QTemporaryDir models_;
  bool have_models_ = false;

  void copy(const QString& fixture, const QString& to) {
    const QString from = pbtest::fixture(fixture);
    if (from.isEmpty()) return;
    fs::create_directories(fs::path(to.toStdString()).parent_path());
    QVERIFY(QFile::copy(from, to));
  }

 private slots:
  void initTestCase() {
    // A models folder with the fixtures' small inpainting models under the official names;
    // their options JSON beside them makes the engine build the small Config.
    const QString d = models_.path();
    copy("glide/small-base-inpaint.pt", d + "/base_inpaint.pt");
    copy("glide/small-base-inpaint.json", d + "/base_inpaint.json");
    copy("glide/small-upsample-inpaint.pt", d + "/upsample_inpaint.pt");
    copy("glide/small-upsample-inpaint.json", d + "/upsample_inpaint.json");
    copy("tokenizer/encoder.json.gz", d + "/tokenizer/encoder.json.gz");
    copy("tokenizer/vocab.bpe.gz", d + "/tokenizer/vocab.bpe.gz");
    have_models_ = QFile::exists(d + "/base_inpaint.pt") &&
                   QFile::exists(d + "/upsample_inpaint.pt") &&
                   QFile::exists(d + "/tokenizer/vocab.bpe.gz");
  }

  void model_file_list() {
    for (const char* role : {"base", "upsample", "base-inpaint", "upsample-inpaint", "glide-vocab",
                             "glide-merges", "karlo-prior", "karlo-decoder", "karlo-sr",
                             "clip-vit-l-14", "clip-stats", "clip-vocab"}) {
      const ModelFile* f = find_model_file(role);
      QVERIFY2(f, role);
      QVERIFY(f->url.rfind("https://", 0) == 0);
      QVERIFY(!f->features.empty());
    }
    QCOMPARE(files_for(ModelFeature::inpaint).size(), size_t(4));
    QCOMPARE(files_for(ModelFeature::text2im).size(), size_t(4));
    // Variations: decoder, SR, CLIP and its vocabulary; text-to-image adds prior and stats.
    QCOMPARE(files_for(ModelFeature::variations).size(), size_t(4));
    QCOMPARE(files_for(ModelFeature::unclip_text2im).size(), size_t(6));
    QCOMPARE(files_for(ModelFeature::interpolation).size(), size_t(4));
  }

  void missing_weights_name_the_files() {
    QTemporaryDir empty;
    Engine engine({.models_dir = empty.path().toStdString()});
    const ModelAvailability a = engine.availability();
    QCOMPARE(a.features.size(), std::size(kAllFeatures));
    QVERIFY(!a.any());
    QVERIFY(!a.available(ModelFeature::inpaint));
    const std::string& reason = a.of(ModelFeature::inpaint).reason;
    QVERIFY(reason.find("base_inpaint.pt") != std::string::npos);
    QVERIFY(reason.find("openaipublic.blob.core.windows.net") != std::string::npos);
    const auto& missing = a.of(ModelFeature::unclip_text2im).missing;
    QCOMPARE(missing.size(), size_t(6));
    QVERIFY(std::find(missing.begin(), missing.end(), "ViT-L-14_stats.th") != missing.end());
    QVERIFY(a.of(ModelFeature::variations).reason.find("arena.kakaocdn.net") != std::string::npos);

    auto r = engine.run_sync(small_request(), {});
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().code), int(ErrorCode::missing_weights));
    const std::string& msg = r.error().message;
    for (const char* name :
         {"base_inpaint.pt", "upsample_inpaint.pt", "encoder.json.gz", "vocab.bpe.gz"})
      QVERIFY2(msg.find(name) != std::string::npos, name);
    QVERIFY(msg.find(empty.path().toStdString()) != std::string::npos);
    QVERIFY(msg.find("Download it from https://") != std::string::npos);
  }

  void truncated_download_is_unavailable() {
    if (!have_models_) QSKIP("fixture models not found");
    // The models folder again, with base_inpaint.pt cut short as a broken download leaves it.
    QTemporaryDir d;
    for (const QString& f : QDir(models_.path()).entryList(QDir::Files))
      QVERIFY(QFile::copy(models_.path() + "/" + f, d.path() + "/" + f));
    QVERIFY(QDir(d.path()).mkpath("tokenizer"));
    for (const char* f : {"tokenizer/encoder.json.gz", "tokenizer/vocab.bpe.gz"})
      QVERIFY(QFile::copy(models_.path() + "/" + f, d.path() + "/" + f));
    Engine whole({.models_dir = d.path().toStdString()});
    QVERIFY(whole.availability().available(ModelFeature::inpaint));
    QFile base(d.path() + "/base_inpaint.pt");
    QVERIFY(base.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));  // a copy
    QVERIFY(base.resize(base.size() / 2));
    Engine cut({.models_dir = d.path().toStdString()});
    const ModelAvailability a = cut.availability();
    const FeatureAvailability& f = a.of(ModelFeature::inpaint);
    QVERIFY(!f.available);
    QVERIFY(f.missing.empty());
    QCOMPARE(f.broken, std::vector<std::string>{"base_inpaint.pt"});
    QVERIFY2(f.reason.find("base_inpaint.pt in " + d.path().toStdString() + " cannot be read") !=
                 std::string::npos,
             f.reason.c_str());
    QVERIFY(f.reason.find("cut short") != std::string::npos);
    QVERIFY(f.reason.find("promptbrush-fetch-models") != std::string::npos);
    // An empty file is no model either.
    QVERIFY(base.resize(0));
    QVERIFY(!cut.availability().available(ModelFeature::inpaint));
  }

  void classic_fill_without_weights() {
    QTemporaryDir empty;
    Outcomes out;  // outlives the engine: done callbacks may still be returning
    Engine engine({.models_dir = empty.path().toStdString()});
    ClassicFillRequest req;
    req.image = small_request().image;
    req.mask = small_request().mask;
    const JobId id = engine.submit({req, ""}, {}, out.callback());
    QVERIFY(out.wait(1));
    QVERIFY(out.at(id).ok());
    QCOMPARE(out.at(id)->images.at(0).width, 40);
  }

  void bad_device() {
    Engine engine({.models_dir = models_.path().toStdString(), .device = "tpu"});
    auto r = engine.run_sync(small_request(), {});
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().code), int(ErrorCode::invalid_argument));
  }

  void precision_choice() {
    const DeviceChoice f32 = choose_device("cpu", 2);
    QVERIFY(!f32.bf16);
    const DeviceChoice bf16 = choose_device("cpu", 2, "bfloat16");
    // Native bf16 or the float32 fallback, said in the label.
    QCOMPARE(bf16.bf16, cpu_has_native_bf16());
    QVERIFY(bf16.label.find(bf16.bf16 ? "cpu bfloat16" : "no native bfloat16") !=
            std::string::npos);
    // "auto" (the engine's default): bf16 exactly where it is native, with no fallback note.
    const DeviceChoice automatic = choose_device("cpu", 2, "auto");
    QCOMPARE(automatic.bf16, cpu_has_native_bf16());
    QVERIFY(automatic.label.find("no native") == std::string::npos);
    QCOMPARE(EngineConfig{}.precision, std::string("auto"));
    QVERIFY(!choose_device("cpu", 2, "float32").bf16);
    QVERIFY_THROWS_EXCEPTION(pb::Error, choose_device("cpu", 2, "int8"));
  }

  void bfloat16_inpaint_job() {
    if (!have_models_) QSKIP("fixture models not found");
    Engine engine({.models_dir = models_.path().toStdString(),
                   .device = "cpu",
                   .threads = 1,
                   .precision = "bfloat16"});
    auto r = engine.run_sync(small_request(), {});
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->images.at(0).width, 40);
    QVERIFY(r->parameters.at("device").find("bfloat16") != std::string::npos);
    // The same job in float32 differs only by bf16 rounding: same size, and pixels outside
    // the mask are untouched in both.
    Engine f32({.models_dir = models_.path().toStdString(),
                .device = "cpu",
                .threads = 1,
                .precision = "float32"});
    auto r32 = f32.run_sync(small_request(), {});
    QVERIFY(r32.ok());
    QCOMPARE(r32->images.at(0).pixels.size(), r->images.at(0).pixels.size());
  }

  void inpaint_job_with_small_models() {
    if (!have_models_) QSKIP("fixture models not found");
    Outcomes out;  // outlives the engine: done callbacks may still be returning
    Engine engine({.models_dir = models_.path().toStdString(), .device = "cpu", .threads = 1});
    QVERIFY(engine.availability().available(ModelFeature::inpaint));
    std::vector<std::string> stages;
    std::mutex m;
    RunCallbacks cb;
    cb.on_progress = [&](const Progress& p) {
      std::lock_guard lock(m);
      if (stages.empty() || stages.back() != p.stage) stages.push_back(p.stage);
    };
    const JobId id = engine.submit({small_request(), ""}, cb, out.callback());
    QVERIFY(out.wait(1));
    const auto& r = out.at(id);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->images.at(0).width, 40);
    QCOMPARE(r->images.at(0).height, 30);
    QVERIFY(r->parameters.at("model_hash").rfind("fnv1a64-ends:", 0) == 0);
    QVERIFY(
        (stages == std::vector<std::string>{"loading base_inpaint.pt",
                                            "loading upsample_inpaint.pt", "base", "upsample"}));
    // Second job: models cached, no loading stage; same seed, same pixels (run_sync).
    stages.clear();
    auto again = engine.run_sync(small_request(), cb);
    QVERIFY(again.ok());
    QVERIFY((stages == std::vector<std::string>{"base", "upsample"}));
    QVERIFY(again->images[0].pixels == r->images[0].pixels);
  }

  void cancel_running_job() {
    if (!have_models_) QSKIP("fixture models not found");
    Outcomes out;  // outlives the engine: done callbacks may still be returning
    Engine engine({.models_dir = models_.path().toStdString(), .device = "cpu", .threads = 1});
    std::promise<void> started, cancelled;
    std::shared_future<void> cancel_sent = cancelled.get_future().share();
    std::atomic<int> reports_after{0};
    std::atomic<bool> blocked{false};
    RunCallbacks cb;
    cb.on_progress = [&](const Progress& p) {
      if (blocked) ++reports_after;
      if (p.stage == "base" && p.step == 1 && !blocked.exchange(true)) {
        // Hold the engine inside step 1 until the cancel has been sent.
        started.set_value();
        cancel_sent.wait();
      }
    };
    const JobId id = engine.submit({small_request(50), ""}, cb, out.callback());
    started.get_future().wait();
    engine.cancel(id);
    cancelled.set_value();
    QVERIFY(out.wait(1));
    QVERIFY(!out.at(id).ok());
    QCOMPARE(int(out.at(id).error().code), int(ErrorCode::cancelled));
    QCOMPARE(int(reports_after), 0);  // no further step ran
  }

  void supersede_group() {
    if (!have_models_) QSKIP("fixture models not found");
    Outcomes out;  // outlives the engine: done callbacks may still be returning
    Engine engine({.models_dir = models_.path().toStdString(), .device = "cpu", .threads = 1});
    std::promise<void> started, submitted;
    std::shared_future<void> all_submitted = submitted.get_future().share();
    std::atomic<bool> signalled{false};
    RunCallbacks cb;
    cb.on_progress = [&](const Progress& p) {
      if (p.stage == "base" && !signalled.exchange(true)) {
        started.set_value();
        all_submitted.wait();
      }
    };
    const JobId a = engine.submit({small_request(50), "slider"}, cb, out.callback());
    started.get_future().wait();  // a is running
    const JobId b = engine.submit({small_request(50), "slider"}, {}, out.callback());  // queued
    const JobId c = engine.submit({small_request(2), "slider"}, {}, out.callback());
    const JobId other = engine.submit({small_request(2), ""}, {}, out.callback());
    submitted.set_value();
    QVERIFY(out.wait(4));
    QCOMPARE(int(out.at(a).error().code), int(ErrorCode::superseded));
    QCOMPARE(int(out.at(b).error().code), int(ErrorCode::superseded));
    QVERIFY(out.at(c).ok());
    QVERIFY(out.at(other).ok());
  }

  void destructor_while_running() {
    if (!have_models_) QSKIP("fixture models not found");
    Outcomes out;
    JobId a = 0, b = 0;
    // Declared before the engine: the callbacks may run until its destructor returns.
    std::promise<void> started;
    std::atomic<bool> signalled{false};
    RunCallbacks cb;
    cb.on_progress = [&](const Progress& p) {
      if (p.stage == "base" && !signalled.exchange(true)) started.set_value();
    };
    {
      Engine engine({.models_dir = models_.path().toStdString(), .device = "cpu", .threads = 1});
      a = engine.submit({small_request(200), ""}, cb, out.callback());
      b = engine.submit({small_request(200), ""}, {}, out.callback());
      started.get_future().wait();
    }
    // Both done callbacks ran before the destructor returned.
    QCOMPARE(out.done.size(), size_t(2));
    QCOMPARE(int(out.at(a).error().code), int(ErrorCode::cancelled));
    QCOMPARE(int(out.at(b).error().code), int(ErrorCode::cancelled));
  }

  void cache_lru_budget() {
    if (!have_models_) QSKIP("fixture models not found");
    ModelCache cache;
    const DeviceChoice cpu = choose_device("cpu", 1);
    const std::string d = models_.path().toStdString();
    int loads = 0;
    auto on_loading = [&](const std::string&, bool done) { loads += done; };
    auto glide = [&](const std::string& role, const std::string& path) {
      return cache.get(
          role, path, cpu.label, [&] { return pipelines::load_glide_model(role, path, {}); },
          on_loading);
    };
    auto base = glide("base-inpaint", d + "/base_inpaint.pt");
    auto up = glide("upsample-inpaint", d + "/upsample_inpaint.pt");
    QCOMPARE(loads, 2);
    QCOMPARE(cache.loaded_count(), size_t(2));
    glide("base-inpaint", d + "/base_inpaint.pt");  // base most recent
    QCOMPARE(loads, 2);
    const std::size_t one_mb = (std::max(base.bytes, up.bytes) >> 20) + 1;
    cache.trim(one_mb);
    QCOMPARE(cache.loaded_count(), size_t(1));
    glide("base-inpaint", d + "/base_inpaint.pt");
    QCOMPARE(loads, 2);  // the least recently used (upsampler) went, the base stayed
    cache.trim(1, {d + "/base_inpaint.pt"});
    QCOMPARE(cache.loaded_count(), size_t(1));  // in use: kept
  }

  void budget_unloads_others_before_loading() {
    if (!have_models_) QSKIP("fixture models not found");
    ModelCache cache;
    const std::string d = models_.path().toStdString();
    const std::string base_path = d + "/base_inpaint.pt", up_path = d + "/upsample_inpaint.pt";
    // Each file is ~2.9 MiB: one fits in 4 MiB, two do not.
    QVERIFY(ModelCache::estimate_bytes(base_path) > (2u << 20));
    QVERIFY(ModelCache::estimate_bytes(base_path) < (4u << 20));
    std::size_t loaded_while_loading = 99;
    auto glide = [&](const std::string& role, const std::string& path) {
      return cache.get(role, path, "cpu",
                       [&] {
                         loaded_while_loading = cache.loaded_count();
                         return pipelines::load_glide_model(role, path, {});
                       },
                       {}, {4, ModelCache::estimate_bytes(path), {}});
    };
    glide("base-inpaint", base_path);
    QCOMPARE(loaded_while_loading, size_t(0));
    QCOMPARE(cache.unloaded_by_last_get(), size_t(0));
    glide("upsample-inpaint", up_path);
    // The base went before the upsampler was read, not after (as trim() alone would do).
    QCOMPARE(loaded_while_loading, size_t(0));
    QCOMPARE(cache.unloaded_by_last_get(), size_t(1));
    QCOMPARE(cache.loaded_count(), size_t(1));
    QVERIFY(cache.loaded_bytes() <= (4u << 20));
  }

  void budget_refuses_a_model_that_cannot_fit() {
    if (!have_models_) QSKIP("fixture models not found");
    ModelCache cache;
    const std::string path = models_.path().toStdString() + "/base_inpaint.pt";
    bool loader_ran = false;
    try {
      cache.get("base-inpaint", path, "cpu",
                [&] {
                  loader_ran = true;
                  return pipelines::load_glide_model("base-inpaint", path, {});
                },
                {}, {2, ModelCache::estimate_bytes(path), {}});
      QFAIL("a 3 MiB model was loaded under a 2 MiB budget");
    } catch (const Error& e) {
      QCOMPARE(int(e.code()), int(ErrorCode::out_of_memory));
      const std::string msg = e.what();
      QVERIFY2(msg.find("base_inpaint.pt") != std::string::npos, e.what());
      QVERIFY2(msg.find("needs about 3 MiB") != std::string::npos, e.what());
      QVERIFY2(msg.find("budget is 2 MiB") != std::string::npos, e.what());
    }
    QVERIFY(!loader_ran);
    QCOMPARE(cache.loaded_count(), size_t(0));

    // Through the engine: 4 MiB holds the base, but not the upsampler beside it (the job
    // needs both at once, so unloading cannot help): a clear error, not a crash or OOM.
    // float32: the sizes above are the files' (bfloat16 bodies take about half).
    Outcomes out;
    Engine engine({.models_dir = models_.path().toStdString(),
                   .device = "cpu",
                   .memory_budget_mb = 4,
                   .threads = 1,
                   .precision = "float32"});
    const JobId id = engine.submit({small_request(), ""}, {}, out.callback());
    QVERIFY(out.wait(1));
    const auto& r = out.at(id);
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().code), int(ErrorCode::out_of_memory));
    const std::string& msg = r.error().message;
    QVERIFY2(msg.find("upsample_inpaint.pt") != std::string::npos, msg.c_str());
    QVERIFY2(msg.find("plus 3 MiB of models this job already uses") != std::string::npos,
             msg.c_str());
    QVERIFY2(msg.find("budget is 4 MiB") != std::string::npos, msg.c_str());
    QVERIFY2(msg.find("at least 6 MiB") != std::string::npos, msg.c_str());
    // The same job fits in 8 MiB.
    engine.set_config({.models_dir = models_.path().toStdString(),
                       .device = "cpu",
                       .memory_budget_mb = 8,
                       .threads = 1});
    const JobId ok = engine.submit({small_request(), ""}, {}, out.callback());
    QVERIFY(out.wait(2));
    QVERIFY2(out.at(ok).ok(), out.at(ok).ok() ? "" : out.at(ok).error().message.c_str());
  }

  void thread_policy() {
    QCOMPARE(apply_thread_policy(1), 1);
    QVERIFY(apply_thread_policy(0) >= 1);
  }
};

QTEST_GUILESS_MAIN(RuntimeEngine)
#include "tst_runtime_engine.moc"
