#include "engine/diffusion/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <sstream>

#include "engine/core/error.h"

namespace pb::diffusion {
namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorCode::invalid_argument, message);
}

// A non-negative decimal integer, surrounding spaces allowed (Python's int() accepts them).
bool parse_count(const std::string& text, int64_t& value) {
  const auto first = text.find_first_not_of(' ');
  const auto last = text.find_last_not_of(' ');
  if (first == std::string::npos) return false;
  const std::string digits = text.substr(first, last - first + 1);
  if (digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  value = std::stoll(digits);
  return true;
}

std::vector<int64_t> section_timesteps(int T, const std::string& spec) {
  std::vector<int64_t> counts;
  std::stringstream stream(spec);
  std::string item;
  while (std::getline(stream, item, ',')) {
    int64_t count = 0;
    if (!parse_count(item, count))
      invalid("timestep respacing \"" + spec + "\": \"" + item +
              "\" is not a step count (expected e.g. \"100\", \"10,10,3,2,2\", \"ddim25\" or "
              "\"fast27\")");
    counts.push_back(count);
  }
  if (counts.empty() || spec.back() == ',')
    invalid("timestep respacing \"" + spec + "\" has an empty section count");

  const int64_t n = static_cast<int64_t>(counts.size());
  const int64_t size_per = T / n;
  const int64_t extra = T % n;
  std::set<int64_t> kept;
  int64_t start = 0;
  for (int64_t s = 0; s < n; ++s) {
    const int64_t size = size_per + (s < extra ? 1 : 0);
    const int64_t count = counts[s];
    if (size < count)
      invalid("timestep respacing \"" + spec + "\": cannot divide a section of " +
              std::to_string(size) + " steps into " + std::to_string(count));
    const double stride =
        count <= 1 ? 1.0 : static_cast<double>(size - 1) / static_cast<double>(count - 1);
    // Accumulated (not multiplied) and rounded half to even, as Python's round() does.
    double pos = 0.0;
    for (int64_t c = 0; c < count; ++c) {
      kept.insert(start + static_cast<int64_t>(std::nearbyint(pos)));
      pos += stride;
    }
    start += size;
  }
  return {kept.begin(), kept.end()};
}

std::vector<int64_t> ddim_timesteps(int T, const std::string& spec) {
  int64_t wanted = 0;
  if (!parse_count(spec.substr(4), wanted) || wanted < 1)
    invalid("timestep respacing \"" + spec + "\": expected ddim followed by a step count");
  for (int64_t stride = 1; stride < T; ++stride) {
    if ((T + stride - 1) / stride == wanted) {
      std::vector<int64_t> kept;
      for (int64_t t = 0; t < T; t += stride) kept.push_back(t);
      return kept;
    }
  }
  invalid("timestep respacing \"" + spec + "\": cannot make exactly " + std::to_string(wanted) +
          " steps out of " + std::to_string(T) + " with an integer stride");
}

}  // namespace

std::vector<double> named_betas(const std::string& name, int T) {
  if (T < 1) invalid("diffusion schedule needs at least one step, got " + std::to_string(T));
  std::vector<double> betas(static_cast<size_t>(T));
  if (name == "linear") {
    if (T < 2) invalid("the linear schedule needs at least two steps");
    // numpy.linspace: i * step + start, the last element exactly stop.
    const double scale = 1000.0 / T;
    const double start = scale * 0.0001;
    const double stop = scale * 0.02;
    const double step = (stop - start) / (T - 1);
    for (int i = 0; i < T; ++i) betas[i] = i * step + start;
    betas[T - 1] = stop;
    return betas;
  }
  if (name == "squaredcos_cap_v2") {
    const auto f = [](double u) {
      const double c = std::cos((u + 0.008) / 1.008 * std::numbers::pi / 2);
      return c * c;
    };
    for (int i = 0; i < T; ++i) {
      const double t1 = static_cast<double>(i) / T;
      const double t2 = static_cast<double>(i + 1) / T;
      betas[i] = std::min(1 - f(t2) / f(t1), 0.999);
    }
    return betas;
  }
  invalid("unknown noise schedule \"" + name + "\" (expected squaredcos_cap_v2 or linear)");
}

std::vector<int64_t> space_timesteps(int T, const std::string& spec) {
  if (T < 1) invalid("diffusion schedule needs at least one step, got " + std::to_string(T));
  std::vector<int64_t> kept;
  if (spec.empty()) {
    for (int64_t t = 0; t < T; ++t) kept.push_back(t);
  } else if (spec.rfind("ddim", 0) == 0) {
    kept = ddim_timesteps(T, spec);
  } else if (spec.rfind("lsnr", 0) == 0) {
    invalid("timestep respacing \"" + spec + "\" depends on the noise schedule's betas");
  } else if (spec == "fast27") {
    // GLIDE's upsampler setting: avoid the noisiest step, take T-3 instead.
    kept = section_timesteps(T, "10,10,3,2,2");
    kept.erase(std::remove(kept.begin(), kept.end(), T - 1), kept.end());
    kept.push_back(T - 3);
    std::sort(kept.begin(), kept.end());
    kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
  } else {
    kept = section_timesteps(T, spec);
  }
  if (kept.empty()) invalid("timestep respacing \"" + spec + "\" keeps no step");
  return kept;
}

std::vector<int64_t> space_timesteps(const std::vector<double>& base_betas,
                                     const std::string& spec) {
  if (spec.rfind("lsnr", 0) != 0) return space_timesteps(static_cast<int>(base_betas.size()), spec);
  int64_t wanted = 0;
  if (!parse_count(spec.substr(4), wanted) || wanted < 1)
    invalid("timestep respacing \"" + spec + "\": expected lsnr followed by a step count");
  return log_snr_timesteps(base_betas, wanted);
}

std::vector<int64_t> log_snr_timesteps(const std::vector<double>& base_betas, int64_t n) {
  const auto T = static_cast<int64_t>(base_betas.size());
  if (n < 1 || n > T)
    invalid("log-SNR spacing of " + std::to_string(n) + " steps needs 1 to " + std::to_string(T) +
            " steps, the schedule's length");
  std::vector<double> lambda(static_cast<size_t>(T));
  double cumprod = 1.0;
  for (int64_t t = 0; t < T; ++t) {
    cumprod *= 1.0 - base_betas[static_cast<size_t>(t)];
    lambda[static_cast<size_t>(t)] = 0.5 * (std::log(cumprod) - std::log1p(-cumprod));
  }
  // Descending from T-1: the remaining range split evenly over the remaining steps, the
  // target's nearest timestep kept below the previous one and above the room the remaining
  // steps need, so exactly n distinct steps come out. Re-splitting after each step spends no
  // step where one timestep spans several targets (the cosine schedule's clipped last beta
  // is a jump of 3.5 in lambda from t = 998 to 999).
  std::vector<int64_t> kept{T - 1};
  for (int64_t k = 1; k < n; ++k) {
    const double from = lambda[size_t(kept.back())];
    const double target = from + (lambda.front() - from) / double(n - k);
    // lambda falls with t: the first t whose lambda is at or below the target, or the one
    // just before it, whichever is nearer.
    const auto it = std::lower_bound(lambda.begin(), lambda.end(), target,
                                     [](double l, double v) { return l > v; });
    auto t = static_cast<int64_t>(it - lambda.begin());
    if (t == T ||
        (t > 0 && std::abs(lambda[size_t(t - 1)] - target) <= std::abs(lambda[size_t(t)] - target)))
      --t;
    t = std::max(std::min(t, kept.back() - 1), n - 1 - k);
    kept.push_back(t);
  }
  std::reverse(kept.begin(), kept.end());
  return kept;
}

Schedule make_schedule(const std::vector<double>& betas) {
  const size_t n = betas.size();
  if (n == 0) invalid("diffusion schedule has no betas");
  for (size_t i = 0; i < n; ++i)
    if (!(betas[i] > 0.0 && betas[i] < 1.0))
      invalid("diffusion beta " + std::to_string(i) + " = " + std::to_string(betas[i]) +
              " is outside (0, 1)");

  Schedule s;
  s.timestep_map.resize(n);
  for (size_t i = 0; i < n; ++i) s.timestep_map[i] = static_cast<int64_t>(i);
  s.betas = betas;
  for (auto* a :
       {&s.alphas_cumprod, &s.alphas_cumprod_prev, &s.sqrt_recip_alphas_cumprod,
        &s.sqrt_recipm1_alphas_cumprod, &s.posterior_variance, &s.posterior_log_variance_clipped,
        &s.posterior_mean_coef1, &s.posterior_mean_coef2})
    a->resize(n);

  // Each line is the reference's numpy expression, evaluated left to right in float64.
  double cumprod = 1.0;
  for (size_t i = 0; i < n; ++i) {
    const double alpha = 1.0 - betas[i];
    s.alphas_cumprod_prev[i] = cumprod;
    cumprod *= alpha;
    const double ac = cumprod;
    const double ac_prev = s.alphas_cumprod_prev[i];
    s.alphas_cumprod[i] = ac;
    s.sqrt_recip_alphas_cumprod[i] = std::sqrt(1.0 / ac);
    s.sqrt_recipm1_alphas_cumprod[i] = std::sqrt(1.0 / ac - 1);
    s.posterior_variance[i] = betas[i] * (1.0 - ac_prev) / (1.0 - ac);
    s.posterior_mean_coef1[i] = betas[i] * std::sqrt(ac_prev) / (1.0 - ac);
    s.posterior_mean_coef2[i] = (1.0 - ac_prev) * std::sqrt(alpha) / (1.0 - ac);
  }
  // The posterior variance is 0 at i = 0; the reference clips it to the value at i = 1.
  // (A one-step process has no such value: its only step is the last, which adds no noise.)
  for (size_t i = 0; i < n; ++i) {
    const size_t j = (i == 0 && n > 1) ? 1 : i;
    s.posterior_log_variance_clipped[i] = std::log(s.posterior_variance[j]);
  }
  return s;
}

Schedule respaced_schedule(const std::vector<double>& base_betas, const std::string& spec) {
  if (base_betas.empty()) invalid("diffusion schedule has no betas");
  const std::vector<int64_t> kept = space_timesteps(base_betas, spec);
  std::vector<double> new_betas;
  new_betas.reserve(kept.size());
  double cumprod = 1.0;
  double last = 1.0;
  size_t next = 0;
  for (size_t i = 0; i < base_betas.size() && next < kept.size(); ++i) {
    cumprod *= 1.0 - base_betas[i];
    if (static_cast<int64_t>(i) == kept[next]) {
      new_betas.push_back(1 - cumprod / last);
      last = cumprod;
      ++next;
    }
  }
  Schedule s = make_schedule(new_betas);
  s.timestep_map = kept;
  return s;
}

Schedule first_steps(const Schedule& s, int n) {
  if (n < 1 || n > s.size())
    throw Error(ErrorCode::invalid_argument,
                "cannot keep " + std::to_string(n) + " of " + std::to_string(s.size()) + " steps");
  Schedule r = s;
  r.timestep_map.resize(std::size_t(n));
  for (auto* v :
       {&r.betas, &r.alphas_cumprod, &r.alphas_cumprod_prev, &r.sqrt_recip_alphas_cumprod,
        &r.sqrt_recipm1_alphas_cumprod, &r.posterior_variance, &r.posterior_log_variance_clipped,
        &r.posterior_mean_coef1, &r.posterior_mean_coef2})
    v->resize(std::size_t(n));
  return r;
}

}  // namespace pb::diffusion
