// Whole Karlo decoder and SR sampling trajectories with the real (small) networks and the
// existing samplers, fed the recorded noise (unclip/README.md sections 1.10, 1.12, 3.4-3.6).
// Each step is checked given its recorded inputs and along the free-running chain; the
// checks live in tests/parity. Also: the respacings Karlo uses, and that the recorded noise
// is the seeded CPU generator's stream (so a seeded job reproduces the reference).
// LibTorch before Qt: Qt's `slots` macro breaks torch's headers.
#include <ATen/Parallel.h>
#include <torch/types.h>

#include "engine/diffusion/noise.h"
#include "engine/diffusion/schedule.h"
#include "tests/diffusion/diffusion_test_util.h"
#include "tests/parity/karlo_unet_parity.h"

#include <QtTest>

#include "tests/common/fixtures.h"
#include "tests/common/parity_checks.h"

using namespace pb::diffusion;

class TestDiffusionKarloSampling : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    // The fixtures were recorded with one intra-op thread.
    at::set_num_threads(1);
  }

  void trajectories() {
    PB_VERIFY_CHECKS(pb::parity::karlo_unet_sampling(pbtest::fixtures_dir().toStdString(), {}));
  }

  // Decoder "8" (999, 856, ..., 0) and SR "7" (999, 832, ..., 166, 0: half-to-even rounding).
  void schedules_match_the_recorded_timesteps_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("spec");
    QTest::newRow("decoder") << "sample_decoder.io.pt"
                             << "8";
    QTest::newRow("sr") << "sample_sr.io.pt"
                        << "7";
  }
  void schedules_match_the_recorded_timesteps() {
    QFETCH(QString, file);
    QFETCH(QString, spec);
    PB_REQUIRE_FIXTURE(path, "unclip/" + file);
    const auto f = pbtest::load_io_fixture(path);
    const Schedule s = respaced_schedule(named_betas("squaredcos_cap_v2"), spec.toStdString());
    const torch::Tensor ts = pbtest::field(f, "model_timesteps");
    const torch::Tensor idx = pbtest::field(f, "t");
    QCOMPARE(int(ts.size(0)), s.size());
    for (int k = 0; k < s.size(); ++k) {
      const int64_t i = s.size() - 1 - k;
      QCOMPARE(idx[k][0].item<int64_t>(), i);
      QCOMPARE(ts[k][0].item<int64_t>(), s.timestep_map[size_t(i)]);
    }
  }

  // x_T then one full-batch draw per step from one CPU generator seeded per run
  // (small_configs.json seeds: decoder 3001, t2i 3005, SR 3004).
  void recorded_noise_is_the_seeded_stream_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<int>("seed");
    QTest::newRow("decoder i2i") << "sample_decoder.io.pt"
                                 << "" << 3001;
    QTest::newRow("decoder t2i") << "sample_decoder.io.pt"
                                 << "t2i." << 3005;
    QTest::newRow("sr") << "sample_sr.io.pt"
                        << "" << 3004;
  }
  void recorded_noise_is_the_seeded_stream() {
    QFETCH(QString, file);
    QFETCH(QString, prefix);
    QFETCH(int, seed);
    PB_REQUIRE_FIXTURE(path, "unclip/" + file);
    const auto f = pbtest::load_io_fixture(path);
    const std::string p = prefix.toStdString();
    const torch::Tensor x_T = pbtest::field(f, p + "initial_noise");
    const torch::Tensor noise = pbtest::field(f, p + "noise");
    at::Generator gen = make_generator(uint64_t(seed));
    QVERIFY(torch::equal(seeded_randn(x_T.sizes(), gen), x_T));
    const NoiseFn draw = seeded_noise(gen);
    for (int64_t k = 0; k < noise.size(0); ++k)
      QVERIFY2(torch::equal(draw(x_T, int(k)), noise[k]), qPrintable(QString("step %1").arg(k)));
  }
};

QTEST_GUILESS_MAIN(TestDiffusionKarloSampling)
#include "tst_diffusion_karlo_sampling.moc"
