// Karlo's prior sampling loop (unclip/README.md 1.11, 3.3, 3.6) with the engine's sampler:
// x0 prediction, fixed-small variance, denoised_fn = clamp(-10, 10) and no [-1, 1] clip,
// classifier-free guidance over [cond; uncond] rows of 2-D [B, clip_dim] states, fed the
// recorded noise of sample_prior.io.pt (runs "8" and "25"). The checks live in
// tests/parity/prior_parity.cpp. LibTorch before Qt: Qt's `slots` macro breaks torch.
#include <ATen/Parallel.h>
#include <torch/types.h>

#include "engine/diffusion/guidance.h"
#include "engine/diffusion/sampler.h"
#include "engine/diffusion/schedule.h"

#include <QtTest>

#include "tests/common/fixtures.h"
#include "tests/common/parity_checks.h"
#include "tests/diffusion/diffusion_test_util.h"
#include "tests/parity/prior_parity.h"

using namespace pb::diffusion;

class TestDiffusionPriorSampling : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { at::set_num_threads(1); }

  // Every step from its recorded inputs and the free-running chains, both respacings.
  void trajectories() {
    PB_VERIFY_CHECKS(pb::parity::prior_sampling(pbtest::fixtures_dir().toStdString(), {}));
  }

  void trajectories_two_threads() {
    at::set_num_threads(2);
    const auto checks = pb::parity::prior_sampling(pbtest::fixtures_dir().toStdString(), {});
    at::set_num_threads(1);
    PB_VERIFY_CHECKS(checks);
  }

  // The small prior's outputs reach the +-10 clamp (its out_proj was scaled for that): the
  // recorded x0 holds clamped values, and dropping denoised_fn changes the step.
  void clamp_is_exercised() {
    PB_REQUIRE_FIXTURE(path, "unclip/sample_prior.io.pt");
    const auto f = pbtest::load_io_fixture(path);
    const torch::Tensor x0 = pbtest::field(f, "r8.pred_xstart");
    QVERIFY(x0.abs().eq(10).any().item<bool>());
    QVERIFY(pbtest::field(f, "r8.guided_out").abs().gt(10).any().item<bool>());
    const Schedule s = respaced_schedule(named_betas("squaredcos_cap_v2"), "8");
    SampleOptions o;
    o.mean_type = MeanType::x0;
    o.variance_type = VarianceType::fixed_small;
    o.clip_denoised = false;
    const torch::Tensor x = pbtest::field(f, "r8.x_t")[0];
    const torch::Tensor out = pbtest::field(f, "r8.guided_out")[0];
    const torch::Tensor noise = pbtest::field(f, "r8.noise")[0];
    const auto plain = p_sample_step(s, 7, x, out, o, noise);
    QVERIFY(torch::equal(plain.pred_xstart, out));
    o.denoised_fn = [](const torch::Tensor& v) { return v.clamp(-10, 10); };
    const auto clamped = p_sample_step(s, 7, x, out, o, noise);
    QVERIFY(pbtest::max_rel_error(clamped.pred_xstart, pbtest::field(f, "r8.pred_xstart")[0]) <
            1e-6);
    QVERIFY(!torch::equal(plain.x_next, clamped.x_next));
  }

  // 2-D states [B, C] through the sampler and the guidance wrapper (C = all channels).
  void two_dimensional_states() {
    const Schedule s = respaced_schedule(named_betas("squaredcos_cap_v2"), "8");
    SampleOptions o;
    o.mean_type = MeanType::x0;
    o.variance_type = VarianceType::fixed_small;
    o.clip_denoised = false;
    o.noise = [](const torch::Tensor& like, int) { return torch::zeros_like(like); };
    int calls = 0;
    const ModelFn network = [&](const torch::Tensor& x, const torch::Tensor& t) {
      ++calls;
      // Conditional rows predict 1, unconditional rows 0: guided = 0 + 4 * (1 - 0) = 4.
      return torch::cat(
                 {torch::ones_like(x.narrow(0, 0, 2)), torch::zeros_like(x.narrow(0, 2, 2))}) +
             0 * t.unsqueeze(1);
    };
    const ModelFn guided = classifier_free_guidance(network, 4.0);
    QVERIFY(torch::equal(guided(torch::randn({4, 16}), torch::full({4}, 999, torch::kLong)),
                         torch::full({4, 16}, 4.0f)));
    const torch::Tensor x = sample_loop(s, guided, torch::randn({4, 16}), o);
    QCOMPARE(x.sizes(), (c10::IntArrayRef{4, 16}));
    QCOMPARE(calls, 1 + 8);
    // Noise-free with x0 = 4 throughout: the last step's mean coefficients sum to x0.
    QVERIFY(torch::allclose(x, torch::full({4, 16}, 4.0f), 1e-4, 1e-4));
  }
};

QTEST_GUILESS_MAIN(TestDiffusionPriorSampling)
#include "tst_diffusion_prior_sampling.moc"
