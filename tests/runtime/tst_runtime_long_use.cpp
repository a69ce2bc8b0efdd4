// Long use of one engine: 200 jobs with the fixtures' small GLIDE model, with cancels (queued
// and running) and supersedes mixed in. Every job gets exactly one final callback, the engine
// ends with nothing outstanding, and resident memory stays flat after a warm-up (a leak of
// tensors, callbacks or cache entries per job would show as growth).
// LibTorch headers before Qt's: Qt's "slots" macro breaks ATen's ivalue_inl.h.
#include "engine/runtime/engine.h"

#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "tests/common/fixtures.h"

using namespace pb;
namespace fs = std::filesystem;

namespace {

constexpr int kWarmUp = 20;
constexpr int kRuns = 200;
constexpr std::size_t kMaxGrowthMiB = 64;

InpaintRequest request(int steps, std::uint64_t seed) {
  InpaintRequest r;
  r.image = Image(40, 30, 3, 90);
  for (size_t i = 0; i < r.image.pixels.size(); ++i) r.image.pixels[i] = std::uint8_t(i * 7);
  r.mask = Image(40, 30, 1);
  for (int y = 10; y < 20; ++y)
    for (int x = 10; x < 25; ++x) r.mask.at(x, y) = 255;
  r.prompt = "a corgi";
  r.settings.base_respacing = std::to_string(steps);
  r.settings.upsample = false;
  r.settings.seed = seed;
  return r;
}

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// Final callbacks per job, from the engine thread.
struct Tally {
  std::mutex m;
  std::condition_variable cv;
  std::map<JobId, int> calls;
  std::map<ErrorCode, int> errors;
  int ok = 0, total = 0;
  DoneCallback callback() {
    return [this](JobId id, Result<RunResult> r) {
      std::lock_guard lock(m);
      ++calls[id];
      ++total;
      if (r.ok())
        ++ok;
      else
        ++errors[r.error().code];
      cv.notify_all();
    };
  }
  bool wait_total(int n) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, std::chrono::seconds(300), [&] { return total >= n; });
  }
};

}  // namespace

class RuntimeLongUse : public QObject {
  Q_OBJECT
  QTemporaryDir models_;
  bool have_models_ = false;

  void copy(const QString& fixture, const QString& to) {
    const QString from = pbtest::fixture(fixture);
    if (from.isEmpty()) return;
    fs::create_directories(fs::path(to.toStdString()).parent_path());
    QVERIFY(QFile::copy(from, to));
  }

  // One round of ten jobs: six plain, one cancelled while queued, one cancelled while
  // running, two of a supersede group (the first superseded). Returns the jobs submitted.
  static int round(Engine& engine, Tally& tally, int index) {
    const std::uint64_t seed = std::uint64_t(index);
    std::vector<JobId> plain;
    for (int i = 0; i < 6; ++i)
      plain.push_back(engine.submit({request(2, seed + i), ""}, {}, tally.callback()));
    // Cancelled while running: cancel from its first step.
    auto token = std::make_shared<CancelToken>();
    RunCallbacks cancelling;
    cancelling.cancel = token;
    cancelling.on_progress = [token](const Progress& p) {
      if (p.phase != Phase::loading) token->cancel();
    };
    engine.submit({request(50, seed), ""}, cancelling, tally.callback());
    const JobId queued = engine.submit({request(50, seed), ""}, {}, tally.callback());
    engine.cancel(queued);  // still behind the others
    engine.submit({request(50, seed), "slider"}, {}, tally.callback());
    engine.submit({request(2, seed), "slider"}, {}, tally.callback());
    return 10;
  }

 private slots:
  void initTestCase() {
    const QString d = models_.path();
    copy("glide/small-base-inpaint.pt", d + "/base_inpaint.pt");
    copy("glide/small-base-inpaint.json", d + "/base_inpaint.json");
    copy("glide/small-upsample-inpaint.pt", d + "/upsample_inpaint.pt");
    copy("glide/small-upsample-inpaint.json", d + "/upsample_inpaint.json");
    copy("tokenizer/encoder.json.gz", d + "/tokenizer/encoder.json.gz");
    copy("tokenizer/vocab.bpe.gz", d + "/tokenizer/vocab.bpe.gz");
    have_models_ =
        QFile::exists(d + "/base_inpaint.pt") && QFile::exists(d + "/tokenizer/vocab.bpe.gz");
  }

  void two_hundred_runs_leave_memory_flat_and_queue_empty() {
    if (!have_models_) QSKIP("fixture models not found");
    Tally tally;  // outlives the engine: done callbacks may still be returning
    int submitted = 0;
    std::size_t rss_warm = 0, rss_end = 0;
    {
      Engine engine({.models_dir = models_.path().toStdString(), .device = "cpu", .threads = 1});
      for (int i = 0; i < kWarmUp; ++i)
        engine.submit({request(2, std::uint64_t(i)), ""}, {}, tally.callback());
      submitted += kWarmUp;
      QVERIFY(tally.wait_total(submitted));
      QCOMPARE(tally.ok, kWarmUp);
      rss_warm = rss_bytes();

      for (int r = 0; r < kRuns / 10; ++r) {
        submitted += round(engine, tally, r);
        QVERIFY2(tally.wait_total(submitted), "jobs did not finish in time");
      }
      // Callbacks have been counted; the worker may still be returning from the last one.
      QTRY_COMPARE_WITH_TIMEOUT(engine.outstanding(), std::size_t(0), 10000);
      rss_end = rss_bytes();
    }
    // Exactly one final callback per job, before and after the engine went away.
    std::lock_guard lock(tally.m);
    QCOMPARE(tally.total, submitted);
    QCOMPARE(int(tally.calls.size()), submitted);
    for (const auto& [id, n] : tally.calls) QVERIFY2(n == 1, qPrintable(QString::number(id)));
    const int rounds = kRuns / 10;
    QCOMPARE(tally.ok, kWarmUp + rounds * 7);  // six plain and the group's newest per round
    QCOMPARE(tally.errors[ErrorCode::cancelled], rounds * 2);
    QCOMPARE(tally.errors[ErrorCode::superseded], rounds);
    const double growth_mib = (double(rss_end) - double(rss_warm)) / (1 << 20);
    qInfo("RSS after %d warm-up runs: %.1f MiB; after %d more: %.1f MiB (growth %.1f MiB)", kWarmUp,
          double(rss_warm) / (1 << 20), kRuns, double(rss_end) / (1 << 20), growth_mib);
    QVERIFY2(growth_mib < double(kMaxGrowthMiB),
             qPrintable(QString("RSS grew by %1 MiB over %2 runs").arg(growth_mib).arg(kRuns)));
  }
};

QTEST_GUILESS_MAIN(RuntimeLongUse)
#include "tst_runtime_long_use.moc"
