#include "engine/pipelines/stage_runner.h"

#include <chrono>
#include <numeric>
#include <random>
#include <sstream>

#include "engine/core/error.h"
#include "engine/diffusion/noise.h"

namespace pb::pipelines {

namespace {
using Clock = std::chrono::steady_clock;

std::uint64_t random_seed() {
  std::random_device rd;
  return (std::uint64_t(rd()) << 32 | rd()) & 0xffffffffULL;  // 32 bits, like other UIs
}
}  // namespace

RunState::RunState(const RunCallbacks& cb, std::vector<int> stage_steps)
    : cb_(cb), start_(Clock::now()), stage_steps_(std::move(stage_steps)) {
  overall_total_ = std::accumulate(stage_steps_.begin(), stage_steps_.end(), 0);
}

void RunState::check_cancel() const {
  if (cb_.cancelled()) throw Error(ErrorCode::cancelled, "cancelled");
}

double RunState::elapsed() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

void RunState::report(Phase phase, const std::string& what, const std::string& model) const {
  if (!cb_.on_progress) return;
  Progress p;
  p.phase = phase;
  p.stage = what;
  p.model = model;
  p.stage_count = stage_count();
  p.overall_step = overall_done_;
  p.overall_total = overall_total_;
  p.elapsed_s = elapsed();
  cb_.on_progress(p);
}

void RunState::report_step(const std::string& stage, const std::string& model, int index, int step,
                           int total) const {
  if (!cb_.on_progress) return;
  Progress p;
  p.phase = Phase::sampling;
  p.stage = stage;
  p.model = model;
  p.stage_index = index;
  p.stage_count = stage_count();
  p.step = step;
  p.total = total;
  p.overall_step = overall_done_;
  p.overall_total = overall_total_;
  p.elapsed_s = elapsed();
  // Rough: the average step so far times the steps left (later stages' steps may cost more).
  if (overall_done_ > 0)
    p.remaining_s = p.elapsed_s / overall_done_ * (overall_total_ - overall_done_);
  cb_.on_progress(p);
}

std::vector<std::uint64_t> candidate_seeds(const std::optional<std::uint64_t>& seed, int n) {
  const std::uint64_t first = seed ? *seed : random_seed();
  std::vector<std::uint64_t> seeds;
  for (int i = 0; i < n; ++i) seeds.push_back(first + std::uint64_t(i));
  return seeds;
}

CandidateNoise::CandidateNoise(const std::vector<std::uint64_t>& seeds) {
  for (auto seed : seeds) generators_.push_back(diffusion::make_generator(seed));
}

torch::Tensor CandidateNoise::draw(const std::vector<int64_t>& row_shape, int64_t rows,
                                   const torch::Device& device, Unconditional unconditional) {
  const int64_t n = int64_t(generators_.size());
  if (rows != n && rows != 2 * n)
    throw Error(ErrorCode::internal, "noise for " + std::to_string(rows) + " rows of " +
                                         std::to_string(n) + " candidates");
  const bool pairs = rows == 2 * n && unconditional == Unconditional::draw;
  std::vector<int64_t> shape{pairs ? 2 : 1};
  shape.insert(shape.end(), row_shape.begin(), row_shape.end());
  std::vector<torch::Tensor> cond, uncond;
  for (auto& g : generators_) {
    torch::Tensor t = diffusion::seeded_randn(shape, g);
    cond.push_back(t.slice(0, 0, 1));
    if (pairs) uncond.push_back(t.slice(0, 1, 2));
  }
  torch::Tensor t = torch::cat(cond);
  if (rows == 2 * n) t = torch::cat({t, pairs ? torch::cat(uncond) : t});
  return t.to(device);
}

torch::Tensor run_stage(const StageSpec& st, torch::Tensor x_T, CandidateNoise& noise,
                        RunState& run) {
  run.check_cancel();
  diffusion::SampleOptions opts = st.options;
  const int64_t rows = x_T.size(0);
  const std::vector<int64_t> row_shape(x_T.sizes().begin() + 1, x_T.sizes().end());
  const torch::Device device = x_T.device();
  const auto uncond = st.unconditional_noise;
  opts.noise = [&noise, row_shape, rows, device, uncond](const torch::Tensor&, int) {
    return noise.draw(row_shape, rows, device, uncond);
  };
  const int total = st.schedule.size();
  opts.on_step = [&run, &st, total](const diffusion::StepInfo& info) {
    run.step_done();
    run.report_step(st.name, st.model_name, st.index, info.k + 1, total);
    const auto& cb = run.callbacks();
    if (cb.on_preview && st.preview) {
      for (int c = 0; c < st.candidates; ++c) {
        Preview p;
        p.stage = st.name;
        p.step = info.k + 1;
        p.candidate = c;
        p.image = st.preview(info.pred_xstart.slice(0, c, c + 1), c);
        cb.on_preview(p);
      }
    }
    run.check_cancel();
  };
  run.report_step(st.name, st.model_name, st.index, 0, total);
  torch::Tensor x =
      st.direction == StageSpec::Direction::invert
          ? diffusion::ddim_invert_loop(st.schedule, st.model, std::move(x_T), opts, st.refinements)
          : diffusion::sample_loop(st.schedule, st.model, std::move(x_T), opts);
  return x.slice(0, 0, st.candidates);
}

std::string format_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace pb::pipelines
