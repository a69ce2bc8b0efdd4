#include "op_profile.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <map>
#include <sstream>
#include <vector>

namespace pb::bench {

namespace {

using Clock = std::chrono::steady_clock;

struct OpTotals {
  double ms = 0;
  int64_t calls = 0;
};

struct Recorder {
  int depth = 0;
  Clock::time_point started;
  std::map<std::string, OpTotals> ops;
};

thread_local Recorder* t_recorder = nullptr;

// Only the outermost operator is timed: its time includes what it calls, so the
// totals add up to the step and say which of our calls cost what.
struct OpStart : at::ObserverContext {
  Clock::time_point t0;
  bool outermost = false;
};

std::unique_ptr<at::ObserverContext> on_enter(const at::RecordFunction&) {
  auto ctx = std::make_unique<OpStart>();
  if (t_recorder && t_recorder->depth++ == 0) {
    ctx->outermost = true;
    ctx->t0 = Clock::now();
  }
  return ctx;
}

void on_exit(const at::RecordFunction& fn, at::ObserverContext* ctx_ptr) {
  auto* ctx = static_cast<OpStart*>(ctx_ptr);
  if (!t_recorder) return;
  --t_recorder->depth;
  if (!ctx->outermost) return;
  OpTotals& totals = t_recorder->ops[fn.name()];
  totals.ms += std::chrono::duration<double, std::milli>(Clock::now() - ctx->t0).count();
  ++totals.calls;
}

}  // namespace

struct OpProfile::State {
  Recorder recorder;
  at::CallbackHandle handle = 0;
};

OpProfile::OpProfile() : state_(std::make_unique<State>()) {
  state_->recorder.started = Clock::now();
  t_recorder = &state_->recorder;
  state_->handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(on_enter, on_exit).scopes({at::RecordScope::FUNCTION}));
}

OpProfile::~OpProfile() {
  at::removeCallback(state_->handle);
  t_recorder = nullptr;
}

std::string OpProfile::table(int rows) const {
  const double wall =
      std::chrono::duration<double, std::milli>(Clock::now() - state_->recorder.started).count();
  std::vector<std::pair<std::string, OpTotals>> sorted(state_->recorder.ops.begin(),
                                                       state_->recorder.ops.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  std::ostringstream out;
  out << std::fixed << std::setprecision(1)
      << "  operator (outermost calls)      ms   calls  share\n";
  double listed = 0;
  for (int i = 0; i < int(sorted.size()) && i < rows; ++i) {
    const auto& [name, t] = sorted[size_t(i)];
    listed += t.ms;
    out << "  " << std::left << std::setw(28) << name << std::right << std::setw(8) << t.ms
        << std::setw(8) << t.calls << std::setw(6) << 100.0 * t.ms / wall << "%\n";
  }
  out << "  outside the listed operators  " << std::setw(8) << wall - listed << " ms of " << wall
      << " ms\n";
  return out.str();
}

}  // namespace pb::bench
