// Karlo prior checks against shared/fixtures/unclip (README 1.8, 1.11, 3.3, 3.6).
#include "tests/parity/prior_parity.h"

#include <ATen/Context.h>
#include <torch/types.h>

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/diffusion/guidance.h"
#include "engine/diffusion/sampler.h"
#include "engine/diffusion/schedule.h"
#include "engine/io/checkpoint.h"
#include "engine/nn/unclip/clip_stats.h"
#include "engine/nn/unclip/prior.h"

namespace pb::parity {

namespace {

using pb::nn::unclip::Prior;
using pb::nn::unclip::PriorCondition;

// max_rel_error where both sides may hold -inf (attention biases): the infinities must sit
// at the same places, the finite values are compared as usual.
double rel_error_with_inf(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes()) return std::numeric_limits<double>::infinity();
  const auto ad = a.detach().to(torch::kCPU, torch::kDouble);
  const auto bd = b.detach().to(torch::kCPU, torch::kDouble);
  if (!torch::equal(torch::isinf(ad), torch::isinf(bd)) ||
      !torch::equal(ad.masked_select(torch::isinf(ad)), bd.masked_select(torch::isinf(bd))))
    return std::numeric_limits<double>::infinity();
  const auto finite = torch::isfinite(bd);
  return max_rel_error(torch::where(finite, ad, torch::zeros({}, ad.options())),
                       torch::where(finite, bd, torch::zeros({}, bd.options())));
}

TensorMap on_device(TensorMap map, const torch::Device& device) {
  for (auto& [key, value] : map) value = value.to(device);
  return map;
}

// The small prior (config: small_configs.json "prior") with the weights of one container.
Prior load_prior(const std::string& configs, const std::string& weights, const Target& target) {
  Prior prior(pb::nn::unclip::prior_config_from_json(read_text(configs)), false);
  pb::io::load_state_dict(*prior, pb::io::load_checkpoint(weights).tensors, {}, weights);
  prior->eval();
  prior->to(target.device);
  if (target.dtype != torch::kFloat) prior->convert_body_to(target.dtype);
  return prior;
}

struct Worst {
  double error = 0;
  int step = -1;
  void add(double e, int k) {
    if (!(e <= error)) {  // also takes NaN
      error = e;
      step = k;
    }
  }
  std::string where(int steps = 0) const {
    if (step < 0) return "exact at every step";
    return "worst at step " + std::to_string(step) + (steps ? " of " + std::to_string(steps) : "");
  }
};

}  // namespace

std::vector<Check> prior_forward(const std::string& fixtures, const Target& target) {
  prepare(target);
  const double tol = forward_tolerance(target);
  std::vector<Check> checks;
  const std::string io_path = fixture_path(fixtures, "unclip/prior_small.io.pt");
  const std::string configs = fixture_path(fixtures, "unclip/small_configs.json");
  for (const char* weights : {"prior_small.ckpt", "prior_small.safetensors"}) {
    const std::string w_path = fixture_path(fixtures, std::string("unclip/") + weights);
    for (const bool cache : {true, false}) {
      const std::string name = std::string("prior forward ") + weights +
                               (cache ? " (prefix cache)" : " (whole sequence)");
      if (io_path.empty() || configs.empty() || w_path.empty()) {
        checks.push_back(skipped(name, "fixture files not found under " + fixtures + "/unclip"));
        continue;
      }
      try {
        c10::InferenceMode guard;
        Prior prior = load_prior(configs, w_path, target);
        const TensorMap io = on_device(load_io_fixture(io_path), target.device);
        const PriorCondition cond = prior->condition(field(io, "text_emb"), field(io, "text_enc"),
                                                     field(io, "mask"), cache);
        pb::nn::unclip::PriorTrace trace;
        const torch::Tensor out =
            prior->forward(field(io, "x_t"), field(io, "timesteps"), cond, &trace);
        const std::pair<const char*, torch::Tensor> tensors[] = {
            {"time_embed_out", trace.time_embed_out},
            {"transformer_in", trace.transformer_in},
            {"final_ln_out", trace.final_ln_out},
            {"out", out}};
        for (const auto& [key, mine] : tensors)
          checks.push_back(measured(name + ": " + key, max_rel_error(mine, field(io, key)), tol));
        checks.push_back(measured(name + ": attn_bias",
                                  rel_error_with_inf(trace.attn_bias, field(io, "attn_bias")), 0));
      } catch (const std::exception& e) {
        checks.push_back(failed(name, e.what()));
      }
    }
  }
  const std::string name = "prior clip stats prior_small_clip_stats.th";
  const std::string stats_path = fixture_path(fixtures, "unclip/prior_small_clip_stats.th");
  if (io_path.empty() || stats_path.empty()) {
    checks.push_back(skipped(name, "fixture files not found under " + fixtures + "/unclip"));
  } else {
    try {
      const TensorMap io = load_io_fixture(io_path);
      const auto stats = pb::nn::unclip::load_clip_stats(stats_path, 16);
      const double err = std::max(max_rel_error(stats.mean, field(io, "clip_mean")),
                                  max_rel_error(stats.std, field(io, "clip_std")));
      checks.push_back(measured(name, err, 0, "mean and std equal the io file's"));
    } catch (const std::exception& e) {
      checks.push_back(failed(name, e.what()));
    }
  }
  return checks;
}

std::vector<Check> prior_sampling(const std::string& fixtures, const Target& target) {
  using namespace pb::diffusion;
  prepare(target);
  const double tol = sampling_tolerance(target);
  std::vector<Check> checks;
  const std::string io_path = fixture_path(fixtures, "unclip/sample_prior.io.pt");
  const std::string configs = fixture_path(fixtures, "unclip/small_configs.json");
  const std::string w_path = fixture_path(fixtures, "unclip/prior_small.safetensors");
  const std::string stats_path = fixture_path(fixtures, "unclip/prior_small_clip_stats.th");
  for (const char* run : {"r8", "r25"}) {
    const std::string name = std::string("prior sampling ") + run;
    if (io_path.empty() || configs.empty() || w_path.empty() || stats_path.empty()) {
      checks.push_back(skipped(name, "fixture files not found under " + fixtures + "/unclip"));
      continue;
    }
    try {
      c10::InferenceMode guard;
      Prior prior = load_prior(configs, w_path, target);
      const auto stats = pb::nn::unclip::load_clip_stats(stats_path, prior->config().clip_dim);
      prior->set_clip_stats(stats.mean, stats.std);
      const TensorMap f = on_device(load_io_fixture(io_path), target.device);
      auto r = [&](const std::string& key) { return field(f, std::string(run) + "." + key); };
      const torch::Tensor scales = field(f, "cf_guidance_scales").to(torch::kCPU, torch::kDouble);
      if (!torch::equal(scales, scales[0].expand_as(scales)))
        throw std::runtime_error(
            "per-row guidance scales differ; the engine guides with one scale");
      const double scale = scales[0].item<double>();
      const PriorCondition cond =
          prior->condition(field(f, "txt_feat"), field(f, "txt_feat_seq"), field(f, "mask"));
      const Schedule s =
          respaced_schedule(named_betas("squaredcos_cap_v2"), std::string(run).substr(1));
      const int K = s.size();
      if (r("x_t").size(0) != K)
        throw std::runtime_error("fixture has " + std::to_string(r("x_t").size(0)) +
                                 " steps, the schedule " + std::to_string(K));
      SampleOptions o;
      o.mean_type = MeanType::x0;
      o.variance_type = VarianceType::fixed_small;
      o.clip_denoised = false;
      o.denoised_fn = [](const torch::Tensor& x0) { return x0.clamp(-10, 10); };
      const torch::Tensor noises = r("noise");
      o.noise = [noises](const torch::Tensor&, int k) { return noises[k]; };
      const ModelFn network = [&](const torch::Tensor& x, const torch::Tensor& t) {
        return prior->forward(x, t, cond);
      };
      // The posterior mean: the step's sample without its noise term.
      auto mean_of = [&](int64_t i, const torch::Tensor& x, const torch::Tensor& out) {
        return p_sample_step(s, i, x, out, o, torch::zeros_like(x)).x_next;
      };

      // 1. Every step from its recorded inputs.
      {
        Worst net_in, net_out, guided, x0, mean, logvar, x_next, t_model;
        for (int k = 0; k < K; ++k) {
          const int64_t i = K - 1 - k;
          const torch::Tensor x = r("x_t")[k];
          const torch::Tensor t = r("model_timesteps")[k];
          t_model.add(t.eq(s.timestep_map[size_t(i)]).all().item<bool>() &&
                              r("t")[k].eq(i).all().item<bool>()
                          ? 0.0
                          : 1.0,
                      k);
          torch::Tensor seen_in;
          const ModelFn guided_fn = classifier_free_guidance(
              [&](const torch::Tensor& xin, const torch::Tensor& tin) {
                seen_in = xin;
                const torch::Tensor out = network(xin, tin);
                net_out.add(max_rel_error(out, r("net_out")[k]), k);
                return out;
              },
              scale);
          guided.add(max_rel_error(guided_fn(x, t), r("guided_out")[k]), k);
          net_in.add(max_rel_error(seen_in, r("net_in")[k]), k);
          const StepOutput step = p_sample_step(s, i, x, r("guided_out")[k], o, noises[k]);
          x0.add(max_rel_error(step.pred_xstart, r("pred_xstart")[k]), k);
          mean.add(max_rel_error(mean_of(i, x, r("guided_out")[k]), r("mean")[k]), k);
          logvar.add(
              max_rel_error(torch::full_like(
                                x, static_cast<float>(s.posterior_log_variance_clipped[size_t(i)])),
                            r("log_variance")[k]),
              k);
          x_next.add(max_rel_error(step.x_next, r("sample_full")[k]), k);
          if (k + 1 < K) x_next.add(max_rel_error(step.x_next, r("x_t")[k + 1]), k);
        }
        const std::pair<const char*, Worst*> rows[] = {
            {"t / model_timesteps", &t_model}, {"net_in", &net_in},  {"net_out", &net_out},
            {"guided_out", &guided},           {"pred_xstart", &x0}, {"mean", &mean},
            {"log_variance", &logvar},         {"x_t next", &x_next}};
        for (const auto& [key, w] : rows)
          checks.push_back(measured(name + " recorded inputs: " + key, w->error, tol, w->where()));
      }

      // 2. The free-running chain from the recorded initial noise.
      {
        Worst net_in, net_out, guided, x0, mean, x_next;
        int k = 0;
        const ModelFn guided_fn = classifier_free_guidance(
            [&](const torch::Tensor& xin, const torch::Tensor& tin) {
              net_in.add(max_rel_error(xin, r("net_in")[k]), k);
              const torch::Tensor out = network(xin, tin);
              net_out.add(max_rel_error(out, r("net_out")[k]), k);
              return out;
            },
            scale);
        const ModelFn model_fn = [&](const torch::Tensor& x, const torch::Tensor& t) {
          const torch::Tensor out = guided_fn(x, t);
          guided.add(max_rel_error(out, r("guided_out")[k]), k);
          mean.add(max_rel_error(mean_of(K - 1 - k, x, out), r("mean")[k]), k);
          return out;
        };
        o.on_step = [&](const StepInfo& info) {
          x0.add(max_rel_error(info.pred_xstart, r("pred_xstart")[k]), k);
          x_next.add(max_rel_error(info.x_next, r("sample_full")[k]), k);
          ++k;
        };
        const torch::Tensor x_T = r("initial_noise");
        const double init_err = max_rel_error(x_T, r("x_t")[0]);
        const torch::Tensor final_x = sample_loop(s, model_fn, x_T, o);
        const int64_t n = final_x.size(0) / 2;
        const double feat_err =
            max_rel_error(prior->denormalize(final_x.narrow(0, 0, n)), r("img_feat"));
        const std::pair<const char*, Worst*> rows[] = {
            {"net_in", &net_in},  {"net_out", &net_out}, {"guided_out", &guided},
            {"pred_xstart", &x0}, {"mean", &mean},       {"x_t", &x_next}};
        for (const auto& [key, w] : rows)
          checks.push_back(measured(name + " free-running: " + key, w->error, tol, w->where(k)));
        checks.push_back(measured(name + " free-running: img_feat", feat_err, tol,
                                  "denormalize(x_0[:" + std::to_string(n) + "])"));
        checks.push_back(k == K && init_err == 0
                             ? measured(name + " steps", 0, 0, std::to_string(k) + " steps")
                             : failed(name + " steps", "ran " + std::to_string(k) + " of " +
                                                           std::to_string(K) + " steps"));
      }
    } catch (const std::exception& e) {
      checks.push_back(failed(name, e.what()));
    }
  }
  return checks;
}

std::vector<Check> prior_manifest(const std::string& fixtures) {
  const std::string name = "prior manifest prior_1B_vit_l";
  const std::string path = fixture_path(fixtures, "unclip/manifest_prior_1B_vit_l.json");
  if (path.empty()) return {skipped(name, "fixture not found under " + fixtures + "/unclip")};
  try {
    const std::string text = read_text(path);
    const auto doc = nlohmann::json::parse(text);
    std::vector<std::string> problems;
    const auto parsed = pb::nn::unclip::prior_config_from_json(text);
    const auto karlo = pb::nn::unclip::PriorConfig::karlo();
    if (parsed.text_ctx != karlo.text_ctx || parsed.xf_width != karlo.xf_width ||
        parsed.xf_layers != karlo.xf_layers || parsed.xf_heads != karlo.xf_heads ||
        parsed.xf_final_ln != karlo.xf_final_ln || parsed.clip_dim != karlo.clip_dim)
      problems.push_back("the manifest's hparams differ from PriorConfig::karlo()");

    torch::NoGradGuard no_grad;
    Prior prior(karlo, /*init_weights=*/false);
    if (!prior->named_buffers().is_empty()) problems.push_back("the module has buffers");
    const auto params = prior->named_parameters();
    const auto& expected = doc.at("state_dict");
    if (params.size() != expected.size())
      problems.push_back(std::to_string(params.size()) + " parameters, the manifest lists " +
                         std::to_string(expected.size()));
    int64_t total = 0;
    for (size_t i = 0; i < params.size(); ++i) {
      const auto& p = params[i];
      total += p.value().numel();
      if (i >= expected.size()) continue;
      const std::string key = expected[i].at("key").get<std::string>();
      if (p.key() != key)
        problems.push_back("key " + std::to_string(i) + ": " + p.key() + ", expected " + key);
      else if (p.value().sizes().vec() != expected[i].at("shape").get<std::vector<int64_t>>())
        problems.push_back("shape of " + key);
    }
    if (total != doc.at("num_parameters").get<int64_t>())
      problems.push_back("parameter count " + std::to_string(total));
    if (problems.empty())
      return {measured(name, 0, 0,
                       std::to_string(params.size()) + " keys in order, " + std::to_string(total) +
                           " parameters")};
    std::string detail;
    for (size_t i = 0; i < problems.size() && i < 20; ++i) detail += problems[i] + "; ";
    return {failed(name, detail)};
  } catch (const std::exception& e) {
    return {failed(name, e.what())};
  }
}

}  // namespace pb::parity
