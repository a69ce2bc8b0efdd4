// DDPM / DDIM / DPM-Solver++(2M) steps, guidance, known-region forcing and seeded noise against the
// recorded sampling fixtures (glide/README.md sections 7.3, 7.4, 8.2; unclip/README.md 3.6). First:
// LibTorch's headers must come before Qt's (Qt's `slots` macro breaks them).
#include "tests/diffusion/diffusion_test_util.h"

#include <QtTest>

#include "engine/core/error.h"
#include "engine/diffusion/guidance.h"
#include "engine/diffusion/noise.h"
#include "engine/diffusion/sampler.h"
#include "engine/diffusion/schedule.h"
#include "tests/common/fixtures.h"

using namespace pb::diffusion;
using pbtest::error_code_of;
using pbtest::field;
using pbtest::max_rel_error;

namespace {

struct Case {
  const char* file;
  const char* schedule;
  Sampler sampler;
  bool guided;
};

const Case kCases[] = {
    {"glide/sample_inpaint_ddpm.io.pt", "squaredcos_cap_v2", Sampler::ddpm, true},
    {"glide/sample_inpaint_ddim.io.pt", "squaredcos_cap_v2", Sampler::ddim, true},
    {"glide/sample_upsample.io.pt", "linear", Sampler::ddpm, false},
};

// The model function of a fixture at step k: the recorded network output, guided as in 7.4
// for the inpainting fixtures. Checks that the network would have seen the recorded input.
ModelFn recorded_model(const pbtest::TensorMap& f, const Case& c, const int& k) {
  const torch::Tensor x_all = field(f, "x");
  const torch::Tensor outs = field(f, "model_out");
  const torch::Tensor t_model = field(f, "t_model");
  ModelFn network = [x_all, outs, t_model, &k, guided = c.guided](const torch::Tensor& x_in,
                                                                  const torch::Tensor& t) {
    const torch::Tensor xk = x_all[k];
    const torch::Tensor expected_in =
        guided ? torch::cat({xk.narrow(0, 0, 1), xk.narrow(0, 0, 1)}) : xk;
    if (max_rel_error(x_in, expected_in) > 1e-5)
      throw std::runtime_error("network input differs from the recorded one at step " +
                               std::to_string(k));
    if (!torch::equal(t, torch::full({x_in.size(0)}, t_model[k].item<int64_t>(), torch::kLong)))
      throw std::runtime_error("wrong timestep at step " + std::to_string(k));
    return outs[k];
  };
  if (!c.guided) return network;
  return classifier_free_guidance(network, field(f, "guidance_scale").item<double>());
}

SampleOptions options_for(const pbtest::TensorMap& f, const Case& c) {
  SampleOptions o;
  o.sampler = c.sampler;
  o.eta = c.sampler == Sampler::ddim ? field(f, "eta").item<double>() : 0.0;
  o.clip_denoised = true;
  o.denoised_fn = known_region_forcing(field(f, "inpaint_image"), field(f, "inpaint_mask"));
  const torch::Tensor noises = field(f, "step_noise");
  o.noise = [noises](const torch::Tensor& like, int k) { return noises[k]; };
  return o;
}

}  // namespace

class TestDiffusionSampler : public QObject {
  Q_OBJECT

 private slots:
  void replay_steps_data() {
    QTest::addColumn<int>("index");
    for (int i = 0; i < 3; ++i) QTest::newRow(kCases[i].file) << i;
  }
  // Each step from the recorded x[k] and the recorded network output.
  void replay_steps() {
    QFETCH(int, index);
    const Case& c = kCases[index];
    PB_REQUIRE_FIXTURE(path, c.file);
    const pbtest::TensorMap f = pbtest::load_io_fixture(path);
    const Schedule s = respaced_schedule(named_betas(c.schedule), "10");
    QVERIFY(torch::equal(torch::tensor(s.timestep_map, torch::kLong), field(f, "timestep_map")));
    const SampleOptions o = options_for(f, c);
    int k = 0;
    const ModelFn model = recorded_model(f, c, k);
    double worst_x = 0, worst_x0 = 0;
    for (k = 0; k < 10; ++k) {
      const int64_t i = field(f, "t_respaced")[k].item<int64_t>();
      QCOMPARE(i, int64_t(9 - k));
      const torch::Tensor x = field(f, "x")[k];
      const torch::Tensor t = torch::full({x.size(0)}, s.timestep_map[i], torch::kLong);
      const torch::Tensor out = model(x, t);
      const StepOutput r = c.sampler == Sampler::ddpm
                               ? p_sample_step(s, i, x, out, o, field(f, "step_noise")[k])
                               : ddim_step(s, i, x, out, o, field(f, "step_noise")[k]);
      worst_x = std::max(worst_x, max_rel_error(r.x_next, field(f, "x")[k + 1]));
      worst_x0 = std::max(worst_x0, max_rel_error(r.pred_xstart, field(f, "pred_xstart")[k]));
    }
    qInfo("%s: per-step max relative error x_next %g, pred_xstart %g", c.file, worst_x, worst_x0);
    QVERIFY(worst_x <= 1e-6);
    QVERIFY(worst_x0 <= 1e-6);
  }

  void free_running_data() { replay_steps_data(); }
  // The whole loop from noise_init with the recorded per-step noises.
  void free_running() {
    QFETCH(int, index);
    const Case& c = kCases[index];
    PB_REQUIRE_FIXTURE(path, c.file);
    const pbtest::TensorMap f = pbtest::load_io_fixture(path);
    const Schedule s = respaced_schedule(named_betas(c.schedule), "10");
    SampleOptions o = options_for(f, c);
    int k = 0;
    const ModelFn model = recorded_model(f, c, k);
    double worst = 0;
    int steps = 0;
    o.on_step = [&](const StepInfo& info) {
      QCOMPARE(info.k, steps);
      QCOMPARE(info.total, 10);
      QCOMPARE(info.index, int64_t(9 - steps));
      QCOMPARE(info.t_model, field(f, "t_model")[steps].item<int64_t>());
      worst = std::max(worst, max_rel_error(info.x_next, field(f, "x")[steps + 1]));
      worst = std::max(worst, max_rel_error(info.pred_xstart, field(f, "pred_xstart")[steps]));
      k = ++steps;
    };
    torch::Tensor x_T = field(f, "noise_init");
    if (!c.guided) {
      // The upsampler's initial noise is the N(0, 1) draw times 0.997 (in float32).
      x_T = field(f, "noise_init_unscaled") * 0.997;
      QVERIFY(torch::equal(x_T, field(f, "noise_init")));
    }
    const torch::Tensor sample = sample_loop(s, model, x_T, o);
    QCOMPARE(steps, 10);
    const double final_err = max_rel_error(sample, field(f, "sample"));
    qInfo("%s: trajectory max relative error %g, final %g", c.file, worst, final_err);
    QVERIFY(worst <= 1e-6);
    QVERIFY(final_err <= 1e-6);
  }

  // One CPU generator per job, x_T first, then a draw per step, reproduces Karlo's recorded
  // stream (unclip/README.md 3.6: seed 3001 for sample_decoder).
  void seeded_noise_matches_torch() {
    PB_REQUIRE_FIXTURE(path, "unclip/sample_decoder.io.pt");
    const pbtest::TensorMap f = pbtest::load_io_fixture(path);
    at::Generator gen = make_generator(3001);
    const torch::Tensor x_T = seeded_randn({2, 3, 32, 32}, gen);
    QVERIFY(torch::equal(x_T, field(f, "initial_noise")));
    QVERIFY(torch::equal(seeded_randn({2, 3, 32, 32}, uint64_t(3001)), x_T));
    const NoiseFn noise = seeded_noise(gen);
    for (int k = 0; k < 8; ++k) QVERIFY(torch::equal(noise(x_T, k), field(f, "noise")[k]));
    // A NoiseFn of its own seed starts the same stream.
    QVERIFY(torch::equal(seeded_noise(3001)(x_T, 0), x_T));
    // Dtype follows the tensor it is asked to match.
    QCOMPARE(noise(x_T.to(torch::kDouble), 0).scalar_type(), torch::kDouble);
  }

  // x0-predicting and fixed-variance models (Karlo's prior/SR) and DDIM with eta > 0, checked
  // against the formulas evaluated in float64.
  void parameterisations() {
    const Schedule s = respaced_schedule(named_betas("squaredcos_cap_v2"), "25");
    torch::manual_seed(7);
    const torch::Tensor x = torch::randn({2, 3, 4, 4});
    const torch::Tensor noise = torch::randn({2, 3, 4, 4});
    const int64_t i = 12;
    const double sr = s.sqrt_recip_alphas_cumprod[i], srm1 = s.sqrt_recipm1_alphas_cumprod[i];
    const double c1 = s.posterior_mean_coef1[i], c2 = s.posterior_mean_coef2[i];
    const torch::Tensor xd = x.to(torch::kDouble), nd = noise.to(torch::kDouble);

    SampleOptions o;
    o.mean_type = MeanType::x0;
    o.variance_type = VarianceType::fixed_small;
    o.clip_denoised = false;
    const torch::Tensor x0_pred = torch::randn({2, 3, 4, 4}) * 2;
    StepOutput r = p_sample_step(s, i, x, x0_pred, o, noise);
    QVERIFY(torch::equal(r.pred_xstart, x0_pred));
    torch::Tensor expected = c1 * x0_pred.to(torch::kDouble) + c2 * xd +
                             std::exp(0.5 * s.posterior_log_variance_clipped[i]) * nd;
    QVERIFY(max_rel_error(r.x_next, expected) < 1e-6);

    o.clip_denoised = true;
    r = p_sample_step(s, i, x, x0_pred, o, noise);
    QVERIFY(torch::equal(r.pred_xstart, x0_pred.clamp(-1, 1)));

    // eps model, learned range, DDIM with eta = 0.5.
    o = SampleOptions{};
    o.sampler = Sampler::ddim;
    o.eta = 0.5;
    const torch::Tensor out = torch::randn({2, 6, 4, 4});
    r = ddim_step(s, i, x, out, o, noise);
    const torch::Tensor x0 = (sr * xd - srm1 * out.narrow(1, 0, 3).to(torch::kDouble)).clamp(-1, 1);
    QVERIFY(max_rel_error(r.pred_xstart, x0) < 1e-6);
    const double ab = s.alphas_cumprod[i], abp = s.alphas_cumprod_prev[i];
    const double sigma = 0.5 * std::sqrt((1 - abp) / (1 - ab)) * std::sqrt(1 - ab / abp);
    const torch::Tensor eps = (sr * xd - x0) / srm1;
    expected = x0 * std::sqrt(abp) + std::sqrt(1 - abp - sigma * sigma) * eps + sigma * nd;
    QVERIFY(max_rel_error(r.x_next, expected) < 1e-6);

    // Learned range DDPM: log-variance interpolated between clipped posterior and beta.
    o.sampler = Sampler::ddpm;
    r = p_sample_step(s, i, x, out, o, noise);
    const torch::Tensor frac = (out.narrow(1, 3, 3).to(torch::kDouble) + 1) / 2;
    const torch::Tensor logvar =
        frac * std::log(s.betas[i]) + (1 - frac) * s.posterior_log_variance_clipped[i];
    expected = c1 * x0 + c2 * xd + torch::exp(0.5 * logvar) * nd;
    QVERIFY(max_rel_error(r.x_next, expected) < 1e-6);
  }

  // The last step adds no noise: DDIM returns x0 exactly, DDPM its posterior mean.
  void last_step_is_noise_free() {
    const Schedule s = respaced_schedule(named_betas("linear"), "10");
    torch::manual_seed(3);
    const torch::Tensor x = torch::randn({1, 3, 4, 4});
    const torch::Tensor out = torch::randn({1, 6, 4, 4});
    SampleOptions o;
    o.sampler = Sampler::ddim;
    const StepOutput d = ddim_step(s, 0, x, out, o, torch::full_like(x, 1e9));
    QVERIFY(torch::equal(d.x_next, d.pred_xstart));
    const StepOutput p = p_sample_step(s, 0, x, out, o, torch::full_like(x, 1e9));
    QVERIFY(max_rel_error(p.x_next, p.pred_xstart) < 1e-6);
  }

  // DPM-Solver++(2M)'s first step (no history) is DDIM with eta 0, its step to the clean end
  // returns x0, and the second step uses the first's x0 with r = h_prev / h.
  void dpmpp_2m_step_formula() {
    const Schedule s = respaced_schedule(named_betas("squaredcos_cap_v2"), "10");
    torch::manual_seed(4);
    const torch::Tensor x = torch::randn({2, 3, 4, 4}, torch::kDouble);
    const torch::Tensor out1 = torch::randn({2, 6, 4, 4}, torch::kDouble) * 0.3;
    const torch::Tensor out2 = torch::randn({2, 6, 4, 4}, torch::kDouble) * 0.3;
    SampleOptions o;
    o.sampler = Sampler::dpmpp_2m;
    MultistepState state;
    const StepOutput first = dpmpp_2m_step(s, 7, x, out1, o, state);
    const StepOutput ddim = ddim_step(s, 7, x, out1, o, torch::zeros_like(x));
    QVERIFY(max_rel_error(first.x_next, ddim.x_next) < 1e-6);
    QVERIFY(torch::equal(state.x0, first.pred_xstart));
    auto lambda = [](double ab) { return 0.5 * std::log(ab / (1 - ab)); };
    const double h1 = lambda(s.alphas_cumprod_prev[7]) - lambda(s.alphas_cumprod[7]);
    QVERIFY(std::abs(state.h - h1) < 1e-12);

    const StepOutput second = dpmpp_2m_step(s, 6, first.x_next, out2, o, state);
    const double ab = s.alphas_cumprod[6], abp = s.alphas_cumprod_prev[6];
    const double h = lambda(abp) - lambda(ab), r = h1 / h;
    const torch::Tensor d =
        (1 + 1 / (2 * r)) * second.pred_xstart - (1 / (2 * r)) * first.pred_xstart;
    const torch::Tensor expected =
        std::sqrt((1 - abp) / (1 - ab)) * first.x_next - std::sqrt(abp) * std::expm1(-h) * d;
    QVERIFY(max_rel_error(second.x_next, expected) < 1e-9);

    const StepOutput last = dpmpp_2m_step(s, 0, second.x_next, out1, o, state);
    QVERIFY(torch::equal(last.x_next, last.pred_xstart));
    QVERIFY(!state.x0.defined());  // a later run starts fresh
  }

  // On Gaussian data the probability-flow ODE is known in closed form: every sample keeps its
  // standardised value z = (x - sqrt(ab) mu) / sqrt(ab var + 1 - ab). Against it, DDIM on its
  // uniform time strides is first order (the error halves when the steps double), and
  // DPM-Solver++(2M) on log-SNR steps lands several times closer at every count, 10 of its
  // steps closer than 40 of DDIM's, for GLIDE's two schedules. (On uniform time strides the
  // multistep correction extrapolates over steps of very different log-SNR size and is no
  // better than DDIM: hence the lsnr spacing.) Known pixels stay the image's.
  void dpmpp_2m_beats_ddim_on_log_snr_steps() {
    for (const char* name : {"squaredcos_cap_v2", "linear"}) {
      const std::vector<double> betas = named_betas(name);
      const Schedule base = make_schedule(betas);
      const double mu = 0.2, var = 0.09;
      ModelFn denoiser = [&](const torch::Tensor& x, const torch::Tensor& t) {
        const double ab = base.alphas_cumprod[std::size_t(t[0].item<int64_t>())];
        const torch::Tensor x0 =
            mu + std::sqrt(ab) * var * (x - std::sqrt(ab) * mu) / (ab * var + 1 - ab);
        return torch::cat({(x - std::sqrt(ab) * x0) / std::sqrt(1 - ab), torch::zeros_like(x)}, 1);
      };
      at::Generator g = make_generator(11);
      const torch::Tensor x_T = seeded_randn({2, 3, 8, 8}, g).to(torch::kDouble);
      auto solve = [&](Sampler sampler, const std::string& spacing, const DenoisedFn& forcing) {
        SampleOptions o;
        o.sampler = sampler;
        o.clip_denoised = false;
        o.denoised_fn = forcing;
        o.noise = [](const torch::Tensor& like, int) { return torch::zeros_like(like); };
        return sample_loop(respaced_schedule(betas, spacing), denoiser, x_T, o);
      };
      // Both spacings run from timestep 999 to 0: the same ODE from the same x_T.
      auto level = [&](double ab, const torch::Tensor& z) {
        return std::sqrt(ab) * mu + std::sqrt(ab * var + 1 - ab) * z;
      };
      const double ab_T = base.alphas_cumprod.back(), ab_0 = base.alphas_cumprod.front();
      const torch::Tensor z = (x_T - std::sqrt(ab_T) * mu) / std::sqrt(ab_T * var + 1 - ab_T);
      const torch::Tensor x_0 = level(ab_0, z);
      // The last step returns the x0 prediction at timestep 0.
      const torch::Tensor exact =
          mu + std::sqrt(ab_0) * var * (x_0 - std::sqrt(ab_0) * mu) / (ab_0 * var + 1 - ab_0);
      std::vector<double> ddim, dpm;
      for (int n : {10, 20, 40}) {
        const std::string count = std::to_string(n);
        ddim.push_back((solve(Sampler::ddim, count, {}) - exact).abs().max().item<double>());
        dpm.push_back(
            (solve(Sampler::dpmpp_2m, "lsnr" + count, {}) - exact).abs().max().item<double>());
      }
      qInfo("%s: max error at 10/20/40 steps: DDIM %.2e %.2e %.2e, DPM++ 2M (lsnr) %.2e %.2e %.2e",
            name, ddim[0], ddim[1], ddim[2], dpm[0], dpm[1], dpm[2]);
      QVERIFY(ddim[0] / ddim[1] > 1.6 && ddim[0] / ddim[1] < 2.6);
      QVERIFY(ddim[1] / ddim[2] > 1.6 && ddim[1] / ddim[2] < 2.6);
      for (size_t k = 0; k < 3; ++k) QVERIFY(dpm[k] < ddim[k] / 4);
      QVERIFY(dpm[0] < ddim[2]);  // 10 steps of DPM++ beat 40 of DDIM
      QVERIFY(dpm[2] < dpm[0] / 1.5);
    }

    // Known-region forcing acts on the data prediction, which DPM++ steps with.
    SampleOptions o;
    o.sampler = Sampler::dpmpp_2m;
    o.noise = [](const torch::Tensor& like, int) { return torch::zeros_like(like); };
    const torch::Tensor mask = (torch::arange(8) < 4).to(torch::kDouble).view({1, 1, 1, 8});
    const torch::Tensor image = torch::full({1, 3, 8, 8}, 0.7, torch::kDouble) * mask;
    o.denoised_fn = known_region_forcing(image, mask);
    const ModelFn noisy = [](const torch::Tensor& x, const torch::Tensor&) {
      return torch::cat({torch::randn_like(x), torch::zeros_like(x)}, 1);
    };
    const torch::Tensor forced =
        sample_loop(respaced_schedule(named_betas("squaredcos_cap_v2"), "lsnr10"), noisy,
                    torch::randn({2, 3, 8, 8}, torch::kDouble), o) *
        mask;
    QVERIFY(torch::equal(forced, image.expand({2, 3, 8, 8})));
  }

  void loop_consumes_one_noise_per_step_and_can_abort() {
    const Schedule s = respaced_schedule(named_betas("linear"), "5");
    int model_calls = 0, noise_calls = 0;
    const ModelFn model = [&](const torch::Tensor& x, const torch::Tensor& t) {
      ++model_calls;
      return torch::zeros({x.size(0), 6, x.size(2), x.size(3)});
    };
    SampleOptions o;
    o.sampler = Sampler::ddim;  // eta = 0 still draws
    o.noise = [&](const torch::Tensor& like, int k) {
      if (k != noise_calls) throw std::runtime_error("noise asked out of order");
      ++noise_calls;
      return torch::zeros_like(like);
    };
    sample_loop(s, model, torch::randn({1, 3, 4, 4}), o);
    QCOMPARE(model_calls, 5);
    QCOMPARE(noise_calls, 5);
    // DPM++ 2M adds no noise but draws it too: a run's generators end where DDIM's do.
    model_calls = noise_calls = 0;
    o.sampler = Sampler::dpmpp_2m;
    sample_loop(s, model, torch::randn({1, 3, 4, 4}), o);
    QCOMPARE(model_calls, 5);
    QCOMPARE(noise_calls, 5);
    o.sampler = Sampler::ddim;

    model_calls = noise_calls = 0;
    o.on_step = [](const StepInfo& info) {
      if (info.k == 1) throw pb::Error(pb::ErrorCode::cancelled, "cancelled");
    };
    QCOMPARE(error_code_of([&] {
               sample_loop(s, model, torch::randn({1, 3, 4, 4}), o);
             }),
             pb::ErrorCode::cancelled);
    QCOMPARE(model_calls, 2);
  }

  // DDIM inversion then DDIM decoding returns the sample, with an exact denoiser (the
  // posterior mean of Gaussian data). Plain inversion takes eps at the point it starts from,
  // not at the one it reaches (first order); each refinement solves the step's fixed point
  // one iteration further.
  void ddim_inversion_round_trip() {
    const Schedule base = make_schedule(named_betas("squaredcos_cap_v2"));
    const double mu = 0.2, var = 0.09;
    ModelFn denoiser = [&](const torch::Tensor& x, const torch::Tensor& t) {
      const double ab = base.alphas_cumprod[std::size_t(t[0].item<int64_t>())];
      const torch::Tensor x0 =
          mu + std::sqrt(ab) * var * (x - std::sqrt(ab) * mu) / (ab * var + 1 - ab);
      return torch::cat({(x - std::sqrt(ab) * x0) / std::sqrt(1 - ab), torch::zeros_like(x)}, 1);
    };
    SampleOptions o;
    o.sampler = Sampler::ddim;
    o.clip_denoised = false;
    o.noise = [](const torch::Tensor& like, int) { return torch::zeros_like(like); };
    at::Generator g = make_generator(7);
    const torch::Tensor x0 = mu + std::sqrt(var) * seeded_randn({2, 3, 8, 8}, g);
    const Schedule full = respaced_schedule(named_betas("squaredcos_cap_v2"), "25");
    const Schedule reach = first_steps(full, full.size() - 1);
    QCOMPARE(reach.timestep_map,
             std::vector<int64_t>(full.timestep_map.begin(), full.timestep_map.end() - 1));
    QCOMPARE(reach.alphas_cumprod.back(), full.alphas_cumprod[std::size_t(full.size() - 2)]);
    int visited = 0;
    SampleOptions counted = o;
    counted.on_step = [&](const StepInfo& info) {
      QCOMPARE(info.index, int64_t(visited++));  // from the clean end up
    };
    std::vector<double> errors;
    for (int r : {0, 1, 2, 4}) {
      visited = 0;
      const torch::Tensor z = ddim_invert_loop(reach, denoiser, x0, counted, r);
      QCOMPARE(visited, reach.size());
      errors.push_back((sample_loop(reach, denoiser, z, o) - x0).abs().max().item<double>());
      // Noise of unit variance, not a copy of the sample.
      QVERIFY(z.std().item<double>() > 0.8 && z.std().item<double>() < 1.2);
    }
    qInfo("DDIM round trip, 24 steps, max error with 0/1/2/4 refinements: %.4f %.4f %.4f %.5f",
          errors[0], errors[1], errors[2], errors[3]);
    QVERIFY(errors[0] < 0.2);
    QVERIFY(errors[1] < 0.3 * errors[0]);
    QVERIFY(errors[2] < 0.3 * errors[1]);
    QVERIFY(errors[3] < 1e-3);
    QCOMPARE(error_code_of([&] { first_steps(full, 0); }), pb::ErrorCode::invalid_argument);
    SampleOptions x0_model = o;
    x0_model.mean_type = MeanType::x0;
    QCOMPARE(error_code_of([&] { ddim_invert_loop(reach, denoiser, x0, x0_model); }),
             pb::ErrorCode::invalid_argument);
  }

  void bad_inputs() {
    const Schedule s = respaced_schedule(named_betas("linear"), "5");
    const torch::Tensor x = torch::randn({2, 3, 4, 4});
    SampleOptions o;
    const ModelFn model = [](const torch::Tensor& x, const torch::Tensor&) {
      return torch::zeros({x.size(0), 5, x.size(2), x.size(3)});
    };
    // No noise source.
    QCOMPARE(error_code_of([&] { sample_loop(s, model, x, o); }), pb::ErrorCode::invalid_argument);
    o.noise = [](const torch::Tensor& like, int) { return torch::zeros_like(like); };
    try {
      sample_loop(s, model, x, o);
      QFAIL("no error");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::invalid_argument);
      QVERIFY2(
          QString(e.what()).contains("[2, 5, 4, 4]") && QString(e.what()).contains("[2, 6, 4, 4]"),
          e.what());
    }
    const torch::Tensor out = torch::zeros({2, 6, 4, 4});
    QCOMPARE(error_code_of([&] { p_sample_step(s, 5, x, out, o, x); }),
             pb::ErrorCode::invalid_argument);
    QCOMPARE(error_code_of([&] { ddim_step(s, 0, x, out, o, x.narrow(0, 0, 1)); }),
             pb::ErrorCode::invalid_argument);
    const ModelFn guided = classifier_free_guidance(model, 3.0);
    QCOMPARE(error_code_of([&] {
               guided(torch::zeros({3, 3, 4, 4}), torch::zeros({3}));
             }),
             pb::ErrorCode::invalid_argument);
  }

  void guidance_layout() {
    // Row 0 conditional, row 1 unconditional: eps of both rows = uncond + s (cond - uncond);
    // variance channels untouched; the network sees the first half twice.
    const ModelFn network = [](const torch::Tensor& x, const torch::Tensor&) {
      if (!torch::equal(x[0], x[1])) throw std::runtime_error("halves differ");
      torch::Tensor out = torch::zeros({2, 6, 1, 1});
      out[0].fill_(2.0);  // cond
      out[1].fill_(1.0);  // uncond
      return out;
    };
    const torch::Tensor x = torch::stack({torch::ones({3, 1, 1}), torch::zeros({3, 1, 1})});
    const torch::Tensor out = classifier_free_guidance(network, 4.0)(x, torch::zeros({2}));
    QVERIFY(torch::equal(out.narrow(1, 0, 3), torch::full({2, 3, 1, 1}, 5.0)));
    QVERIFY(torch::equal(out[0].narrow(0, 3, 3), torch::full({3, 1, 1}, 2.0)));
    QVERIFY(torch::equal(out[1].narrow(0, 3, 3), torch::full({3, 1, 1}, 1.0)));
  }

  void forcing_keeps_known_pixels() {
    const torch::Tensor mask = torch::tensor({1.0f, 0.0f}).view({1, 1, 1, 2});
    const torch::Tensor image = torch::tensor({0.5f, 0.0f}).view({1, 1, 1, 2});
    const DenoisedFn forced = known_region_forcing(image, mask);
    const torch::Tensor x0 = torch::tensor({-0.25f, 0.75f}).view({1, 1, 1, 2}).expand({2, 3, 1, 2});
    const torch::Tensor r = forced(x0);
    QCOMPARE(r[1][2][0][0].item<float>(), 0.5f);
    QCOMPARE(r[1][2][0][1].item<float>(), 0.75f);
    QCOMPARE(forced(x0.to(torch::kDouble)).scalar_type(), torch::kDouble);
  }
};

QTEST_GUILESS_MAIN(TestDiffusionSampler)
#include "tst_diffusion_sampler.moc"
