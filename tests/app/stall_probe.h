#pragma once
// Event-loop gap probe of promptbrush-screenshots: how long the GUI thread is away from its
// event loop while the engine works, less the time it waited for a core.
#include <fcntl.h>
#include <unistd.h>
#include <QElapsedTimer>
#include <QPair>
#include <QTimer>
#include <QVector>

#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <string>

namespace shots {

// A run that failed: a screen that did not appear, a screenshot not written, a stall.
struct DriverFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A stall over the bound: the driver exits 3 for it (screenshots.sh runs it once more).
struct StallFailure : DriverFailure {
  using DriverFailure::DriverFailure;
};

// The longest the GUI thread may be away from its event loop while the engine runs, not
// counting time it waited for a core (below): one frame, 16 ms (issue 11). Measured on the
// 2-core machine with the engine saturating both cores: 3-4 ms (the driver waits in a real
// event loop, runEventLoop, as the app does; QTest::qWait's 10 ms sleeps had read as 30-45 ms
// stalls). A regression that blocks or loads the GUI thread (a synchronous wait on the
// engine, decoding or compositing on the GUI thread) exceeds it.
inline constexpr double kMaxGuiStallMs = 16;

// Event-loop gap probe: a 1 ms timer notes the longest time between two of its ticks, i.e.
// the longest the GUI thread was away from its event loop. Taking a screenshot (grab + PNG
// encode) is the driver's own work, not the app's, so shot() pauses it. On a loaded machine a
// gap can also be the GUI thread waiting for a core (other processes, here the engine's own
// threads or a parallel build): the kernel counts that wait per thread (schedstat), and the
// gap less that wait (worstOwn: running, or blocked in the app's code) is what is bounded.
// The GUI thread's CPU time within each gap (worstCpu) is printed too.
inline qint64 threadCpuNs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return qint64(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// Nanoseconds this thread has spent runnable but waiting for a core (second field of
// /proc/thread-self/schedstat); -1 where the kernel does not say.
inline qint64 runQueueWaitNs(int fd) {
  char buf[128];
  const ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  buf[n] = '\0';
  unsigned long long run = 0, wait = 0;
  return std::sscanf(buf, "%llu %llu", &run, &wait) == 2 ? qint64(wait) : -1;
}

struct StallProbe {
  QElapsedTimer clock;
  QTimer ticker;
  int schedstat = -1;
  qint64 last = 0, lastCpu = 0, lastWait = 0, worst = 0, worstCpu = 0, worstOwn = 0;
  int over16 = 0, cpuOver16 = 0, ticks = 0;
  QVector<QPair<qint64, qint64>> busy;  // (ms since start, GUI-thread CPU ms) of busy gaps
  StallProbe() {
    ticker.setInterval(1);
    QObject::connect(&ticker, &QTimer::timeout, [this] {
      const qint64 now = clock.nsecsElapsed(), cpu = threadCpuNs();
      const qint64 wait = runQueueWaitNs(schedstat);
      if (last) {
        worst = qMax(worst, now - last);
        over16 += now - last > 16'000'000;
        worstCpu = qMax(worstCpu, cpu - lastCpu);
        const qint64 waited = wait >= 0 && lastWait >= 0 ? wait - lastWait : 0;
        worstOwn = qMax(worstOwn, now - last - waited);
        if (cpu - lastCpu > 16'000'000) {
          ++cpuOver16;
          if (busy.size() < 8) busy.push_back({now / 1'000'000, (cpu - lastCpu) / 1'000'000});
        }
      }
      ++ticks;
      last = now;
      lastCpu = cpu;
      lastWait = wait;
    });
  }
  ~StallProbe() {
    if (schedstat >= 0) ::close(schedstat);
  }
  StallProbe(const StallProbe&) = delete;
  StallProbe& operator=(const StallProbe&) = delete;
  // Prints the gaps seen during `what`; throws when the longest exceeds the bound.
  void check(const char* what) const {
    std::printf(
        "GUI-thread gaps during %s: longest %.1f ms wall (%d over 16 ms), longest %.1f ms of "
        "GUI-thread CPU (%d over 16 ms), %d ticks\n",
        what, worst / 1e6, over16, worstCpu / 1e6, cpuOver16, ticks);
    for (const auto& [at, ms] : busy)
      std::printf("  %lld ms of GUI-thread CPU in one gap, %.2f s after the start\n",
                  static_cast<long long>(ms), at / 1e3);
    const bool ok = worstOwn / 1e6 < kMaxGuiStallMs;
    std::printf("GUI-thread stall during %s, less waiting for a core: %.1f ms (bound %.0f ms)%s\n",
                what, worstOwn / 1e6, kMaxGuiStallMs, ok ? "" : ": TOO LONG");
    if (schedstat < 0)
      std::printf("  (no /proc/thread-self/schedstat: waiting for a core is counted as a stall)\n");
    if (ticks < 10)
      throw DriverFailure(std::string("the stall probe ticked only ") + std::to_string(ticks) +
                          " times during " + what);
    if (!ok) {
      std::string message = "the GUI thread stalled ";
      message += std::to_string(qRound64(worstOwn / 1e6));
      message += " ms during ";
      message += what;
      message += " (bound ";
      message += std::to_string(qRound(kMaxGuiStallMs));
      message += " ms)";
      throw StallFailure(message);
    }
  }
  void start() {
    // Opened on the GUI thread: the descriptor stays that thread's.
    if (schedstat < 0) schedstat = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    last = 0;
    clock.start();
    ticker.start();
  }
  void stop() { ticker.stop(); }
  void pause() { last = 0; }  // the next tick starts a new interval
};
// The probe running now, paused by shot() (taking a screenshot is the driver's work).
inline StallProbe* probe = nullptr;

}  // namespace shots
