// pb::Engine with the unCLIP fixtures' small models under the published file names:
// availability per feature, variation and unCLIP text-to-image jobs (loading, encoding and
// sampling phases, the cached CLIP embedding), interpolation and text-diff jobs, job
// priority, missing and wrong weight files named with
// where to get them, CLIP ranking of a GLIDE run.
// LibTorch headers before Qt's: Qt's "slots" macro breaks ATen's ivalue_inl.h.
#include "engine/runtime/engine.h"
#include "engine/runtime/model_files.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "tests/common/fixtures.h"
#include "tests/common/karlo_models.h"

using namespace pb;

namespace {

Image test_image() {
  Image im(48, 40, 3);
  for (size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = std::uint8_t((i * 37) % 251);
  return im;
}

KarloSettings quick() {
  KarloSettings s;
  s.decoder_respacing = "2";
  s.prior_respacing = "2";
  s.seed = 5;
  return s;
}

struct Recorded {
  std::vector<Progress> progress;
  RunCallbacks callbacks() {
    RunCallbacks cb;
    cb.on_progress = [this](const Progress& p) { progress.push_back(p); };
    return cb;
  }
  int count(Phase phase, const std::string& stage_prefix = {}) const {
    return int(std::count_if(progress.begin(), progress.end(), [&](const Progress& p) {
      return p.phase == phase && p.stage.rfind(stage_prefix, 0) == 0;
    }));
  }
};

}  // namespace

class RuntimeKarlo : public QObject {
  Q_OBJECT
  QTemporaryDir models_;
  bool have_ = false;

 private slots:
  void initTestCase() { have_ = pbtest::make_karlo_models_dir(models_.path()); }

  void availability_per_feature() {
    if (!have_) QSKIP("unCLIP fixtures not found");
    Engine engine({.models_dir = models_.path().toStdString()});
    const ModelAvailability a = engine.availability();
    QVERIFY(a.available(ModelFeature::variations));
    QVERIFY(a.available(ModelFeature::unclip_text2im));
    QVERIFY(a.available(ModelFeature::interpolation));
    QVERIFY(!a.available(ModelFeature::inpaint));
    QVERIFY(a.of(ModelFeature::variations).missing.empty());
    QVERIFY(a.of(ModelFeature::variations).reason.empty());
    QCOMPARE(a.of(ModelFeature::inpaint).missing.size(), size_t(4));
  }

  void variations_job() {
    if (!have_) QSKIP("unCLIP fixtures not found");
    Engine engine({.models_dir = models_.path().toStdString(), .device = "cpu", .threads = 1});
    VariationsRequest req{test_image(), quick()};
    Recorded first;
    auto r = engine.run_sync(req, first.callbacks());
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->images.size(), size_t(1));
    QCOMPARE(r->images[0].width, 128);
    QCOMPARE(r->parameters.at("mode"), std::string("variations"));
    QVERIFY(r->parameters.at("model_hash").rfind("fnv1a64-ends:", 0) == 0);
    // CLIP, decoder and SR loaded (start and done each), then encodings and both stages.
    QCOMPARE(first.count(Phase::loading), 6);
    QCOMPARE(first.count(Phase::encoding, "encoding the image"), 1);
    QCOMPARE(first.count(Phase::sampling, "decoder"), 3);
    QCOMPARE(first.count(Phase::sampling, "super-resolution"), 8);
    bool named = false;
    for (const auto& p : first.progress)
      named = named || (p.phase == Phase::loading && p.model == "ViT-L-14.pt");
    QVERIFY(named);

    // Again: models cached, image embedding cached, same pixels.
    Recorded second;
    auto again = engine.run_sync(req, second.callbacks());
    QVERIFY(again.ok());
    QCOMPARE(second.count(Phase::loading), 0);
    QCOMPARE(second.count(Phase::encoding, "encoding the image"), 0);
    QVERIFY(again->images[0].pixels == r->images[0].pixels);
  }

  void unclip_job_and_background_submit() {
    if (!have_) QSKIP("unCLIP fixtures not found");
    Engine engine({.models_dir = models_.path().toStdString(), .device = "cpu", .threads = 1});
    UnclipRequest req{"a photo of a cat", quick()};
    req.settings.candidates = 2;
    std::mutex m;
    std::condition_variable cv;
    std::optional<Result<RunResult>> done;
    engine.submit({req, ""}, {}, [&](JobId, Result<RunResult> r) {
      std::lock_guard lock(m);
      done.emplace(std::move(r));
      cv.notify_all();
    });
    std::unique_lock lock(m);
    QVERIFY(cv.wait_for(lock, std::chrono::seconds(300), [&] { return done.has_value(); }));
    QVERIFY2(done->ok(), done->ok() ? "" : done->error().message.c_str());
    QCOMPARE((*done)->images.size(), size_t(2));
    QCOMPARE((*done)->parameters.at("mode"), std::string("unclip"));
    QVERIFY((*done)->parameters.at("prior").find("prior-ckpt") != std::string::npos);
  }

  // Interpolation and text-diff jobs: frames delivered one by one, the context kept by the
  // engine between jobs (no second encoding), the text diff on the same engine.
  void interpolation_jobs() {
    if (!have_) QSKIP("unCLIP fixtures not found");
    Engine engine({.models_dir = models_.path().toStdString(), .device = "cpu", .threads = 1});
    Image b = test_image();
    for (auto& v : b.pixels) v = std::uint8_t(255 - v);
    InterpolateRequest req{test_image(), b, {0, 0.5f, 1}, {}};
    req.settings.karlo = quick();
    req.settings.karlo.super_resolve = false;
    req.settings.invert = true;
    Recorded first;
    std::vector<int> frames;
    RunCallbacks cb = first.callbacks();
    cb.on_frame = [&](int i, const Image& im) {
      frames.push_back(i);
      QCOMPARE(im.width, 32);
    };
    auto r = engine.run_sync(req, cb);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->images.size(), size_t(3));
    QCOMPARE(frames, (std::vector<int>{0, 1, 2}));
    QCOMPARE(first.count(Phase::sampling, "inversion"), 2 * 2);  // 2 steps (0 and 1 done) each
    QCOMPARE(r->parameters.at("mode"), std::string("interpolate"));

    Recorded second;
    req.positions = {0.25f};
    auto again = engine.run_sync(req, second.callbacks());
    QVERIFY(again.ok());
    QCOMPARE(second.count(Phase::encoding), 0);
    QCOMPARE(second.count(Phase::sampling, "inversion"), 0);
    QCOMPARE(second.count(Phase::sampling, "decoder"), 2);

    TextDiffRequest diff{test_image(), "a photo of a cat", "a photo of a dog", {0, 0.5f}};
    diff.settings.karlo = quick();
    diff.settings.karlo.super_resolve = false;
    auto d = engine.run_sync(diff, {});
    QVERIFY2(d.ok(), d.ok() ? "" : d.error().message.c_str());
    QCOMPARE(d->images.size(), size_t(2));
    QCOMPARE(d->parameters.at("mode"), std::string("textdiff"));
    QCOMPARE(d->parameters.at("invert"), std::string("true"));  // the text diff's default
  }

  // Queued jobs of higher priority start first; FIFO among equals.
  void priority_orders_the_queue() {
    if (!have_) QSKIP("unCLIP fixtures not found");
    Engine engine({.models_dir = models_.path().toStdString(), .device = "cpu", .threads = 1});
    std::mutex m;
    std::condition_variable cv;
    bool started = false, release = false;
    std::vector<JobId> order;
    auto done = [&](JobId id, Result<RunResult>) {
      std::lock_guard lock(m);
      order.push_back(id);
      cv.notify_all();
    };
    // The first job holds the worker until the others are queued.
    RunCallbacks hold;
    hold.on_progress = [&](const Progress&) {
      std::unique_lock lock(m);
      started = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    };
    InterpolateRequest busy{test_image(), test_image(), {0.5f}, {}};
    busy.settings.karlo = quick();
    busy.settings.karlo.super_resolve = false;
    const JobId first = engine.submit({busy, ""}, hold, done);
    {
      std::unique_lock lock(m);
      QVERIFY(cv.wait_for(lock, std::chrono::seconds(120), [&] { return started; }));
    }
    Image mask(48, 40, 1);
    mask.pixels.assign(mask.pixels.size(), 0);
    ClassicFillRequest fill{test_image(), mask};
    const JobId low1 = engine.submit({fill, "", 0}, {}, done);
    const JobId low2 = engine.submit({fill, "", 0}, {}, done);
    const JobId high = engine.submit({fill, "", 5}, {}, done);
    {
      std::lock_guard lock(m);
      release = true;
      cv.notify_all();
    }
    std::unique_lock lock(m);
    QVERIFY(cv.wait_for(lock, std::chrono::seconds(300), [&] { return order.size() == 4; }));
    QCOMPARE(order, (std::vector<JobId>{first, high, low1, low2}));
  }

  void missing_files_are_named() {
    QTemporaryDir empty;
    Engine engine({.models_dir = empty.path().toStdString()});
    auto r = engine.run_sync(VariationsRequest{test_image(), quick()}, {});
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().code), int(ErrorCode::missing_weights));
    for (const char* name : {"ViT-L-14.pt", "decoder-ckpt-step=01000000-of-01000000.ckpt",
                             "improved-sr-ckpt-step=1.2M.ckpt", "bpe_simple_vocab_16e6.txt.gz"})
      QVERIFY2(r.error().message.find(name) != std::string::npos, name);
    QVERIFY(r.error().message.find("arena.kakaocdn.net") != std::string::npos);
    auto t = engine.run_sync(UnclipRequest{"a cat", quick()}, {});
    QVERIFY(!t.ok());
    QVERIFY(t.error().message.find("ViT-L-14_stats.th") != std::string::npos);
  }

  // A file that exists but holds the wrong model: one message naming it, what was wrong
  // and where the right one is.
  void wrong_weight_file() {
    if (!have_) QSKIP("unCLIP fixtures not found");
    QTemporaryDir dir;
    QVERIFY(pbtest::make_karlo_models_dir(dir.path()));
    const QString decoder = dir.path() + "/decoder-ckpt-step=01000000-of-01000000.ckpt";
    QFile::remove(decoder);
    QVERIFY(QFile::link(pbtest::fixture("unclip/sr_small.ckpt"), decoder));
    Engine engine({.models_dir = dir.path().toStdString(), .device = "cpu", .threads = 1});
    auto r = engine.run_sync(VariationsRequest{test_image(), quick()}, {});
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().code), int(ErrorCode::shape_mismatch));
    const std::string& msg = r.error().message;
    QVERIFY(msg.find(decoder.toStdString()) != std::string::npos);
    QVERIFY(msg.find("model.cf_param") != std::string::npos);  // a missing key, by name
    QVERIFY(msg.find("efdf6206d8ed593961593dc029a8affa") != std::string::npos);  // its URL
  }

  void glide_run_ranked_with_clip() {
    if (!have_) QSKIP("unCLIP fixtures not found");
    QTemporaryDir dir;
    QVERIFY(pbtest::make_karlo_models_dir(dir.path(), false));
    const QString d = dir.path();
    for (const auto& [from, to] : std::vector<std::pair<QString, QString>>{
             {"glide/small-base.pt", "/base.pt"},
             {"glide/small-base.json", "/base.json"},
             {"tokenizer/encoder.json.gz", "/tokenizer/encoder.json.gz"},
             {"tokenizer/vocab.bpe.gz", "/tokenizer/vocab.bpe.gz"}}) {
      const QString f = pbtest::fixture(from);
      if (f.isEmpty()) QSKIP("GLIDE fixtures not found");
      QVERIFY(QFile::link(f, d + to));
    }
    Engine engine({.models_dir = d.toStdString(), .device = "cpu", .threads = 1});
    Text2ImRequest req;
    req.prompt = "a corgi";
    // Moved, not assigned from a literal: GCC 12 warns falsely (-Wrestrict) on that one.
    req.settings.base_respacing = std::string("2");
    req.settings.upsample = false;
    req.settings.candidates = 3;
    req.settings.seed = 1;
    req.settings.rank_with_clip = true;
    auto r = engine.run_sync(req, {});
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->clip_scores.size(), size_t(3));
    QVERIFY(std::is_sorted(r->clip_scores.rbegin(), r->clip_scores.rend()));
    QCOMPARE(r->parameters.at("ranked_by"), std::string("CLIP"));
  }
};

QTEST_GUILESS_MAIN(RuntimeKarlo)
#include "tst_runtime_karlo.moc"
