// Noise schedules and respacing against glide/schedules.io.pt (README sections 7.1, 7.2, 8.1).
// First: LibTorch's headers must come before Qt's (Qt's `slots` macro breaks them).
#include "tests/diffusion/diffusion_test_util.h"

#include <QtTest>

#include <functional>
#include <numeric>

#include "engine/core/error.h"
#include "engine/diffusion/schedule.h"
#include "tests/common/fixtures.h"

using namespace pb::diffusion;

using pbtest::error_code_of;

namespace {

// Largest |a - b| / |b| over the elements (b = 0 compares absolutely).
double elementwise_rel_error(const std::vector<double>& a, const torch::Tensor& ref) {
  const torch::Tensor r = ref.to(torch::kDouble).contiguous();
  if (r.numel() != static_cast<int64_t>(a.size())) return INFINITY;
  const double* p = r.data_ptr<double>();
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == p[i]) continue;
    const double d = std::abs(a[i] - p[i]) / std::max(std::abs(p[i]), 1e-300);
    worst = std::max(worst, std::isnan(d) ? INFINITY : d);
  }
  return worst;
}

const char* kSpacings[] = {"100", "fast27", "27", "50", "25", "10", "ddim25", "ddim50", "1000"};

// All nine arrays and the timestep map of s against the fixture's prefix + name entries.
void compare(const Schedule& s, const pbtest::TensorMap& f, const std::string& prefix) {
  const torch::Tensor map = pbtest::field(f, prefix + "timestep_map");
  QVERIFY(torch::equal(torch::tensor(s.timestep_map, torch::kLong), map));
  QCOMPARE(s.size(), int(map.numel()));
  const std::pair<const char*, const std::vector<double>*> arrays[] = {
      {"betas", &s.betas},
      {"alphas_cumprod", &s.alphas_cumprod},
      {"alphas_cumprod_prev", &s.alphas_cumprod_prev},
      {"sqrt_recip_alphas_cumprod", &s.sqrt_recip_alphas_cumprod},
      {"sqrt_recipm1_alphas_cumprod", &s.sqrt_recipm1_alphas_cumprod},
      {"posterior_variance", &s.posterior_variance},
      {"posterior_log_variance_clipped", &s.posterior_log_variance_clipped},
      {"posterior_mean_coef1", &s.posterior_mean_coef1},
      {"posterior_mean_coef2", &s.posterior_mean_coef2},
  };
  for (const auto& [key, values] : arrays) {
    const double err = elementwise_rel_error(*values, pbtest::field(f, prefix + key));
    // Bit-exact here; numpy's log could differ from libm's by an ulp elsewhere.
    const double tolerance = std::string(key) == "posterior_log_variance_clipped" ? 4e-16 : 0.0;
    if (err > tolerance) qWarning("%s%s: max relative error %g", prefix.c_str(), key, err);
    QVERIFY2(err <= tolerance, (prefix + key).c_str());
  }
}

}  // namespace

class TestDiffusionSchedule : public QObject {
  Q_OBJECT

 private:
  pbtest::TensorMap fixture_;
  bool loaded_ = false;

 private slots:
  void initTestCase() {
    const QString path = pbtest::fixture("glide/schedules.io.pt");
    if (path.isEmpty()) return;
    fixture_ = pbtest::load_io_fixture(path);
    loaded_ = true;
  }

  void base_betas_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("squaredcos_cap_v2") << "squaredcos_cap_v2";
    QTest::newRow("linear") << "linear";
  }
  void base_betas() {
    PB_REQUIRE_FIXTURE(path, "glide/schedules.io.pt");
    QFETCH(QString, name);
    const std::string s = name.toStdString();
    const std::vector<double> betas = named_betas(s);
    QCOMPARE(betas.size(), size_t(1000));
    // Evaluated exactly as the reference: bit-equal.
    QCOMPARE(elementwise_rel_error(betas, pbtest::field(fixture_, s + "/betas")), 0.0);
    const Schedule full = make_schedule(betas);
    QCOMPARE(
        elementwise_rel_error(full.alphas_cumprod, pbtest::field(fixture_, s + "/alphas_cumprod")),
        0.0);
  }

  void respacing_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("spacing");
    for (const char* name : {"squaredcos_cap_v2", "linear"})
      for (const char* spacing : kSpacings)
        QTest::newRow((std::string(name) + "/" + spacing).c_str()) << name << spacing;
  }
  void respacing() {
    PB_REQUIRE_FIXTURE(path, "glide/schedules.io.pt");
    QFETCH(QString, name);
    QFETCH(QString, spacing);
    const std::string prefix = name.toStdString() + "/" + spacing.toStdString() + "/";
    const Schedule s = respaced_schedule(named_betas(name.toStdString()), spacing.toStdString());

    compare(s, fixture_, prefix);
  }

  // Karlo (unCLIP) uses the same cosine schedule and respacing (unclip/README.md 3.6).
  void karlo_respacing_data() {
    QTest::addColumn<QString>("spacing");
    for (const char* spacing : {"7", "8", "25", "50", "1000"}) QTest::newRow(spacing) << spacing;
  }
  void karlo_respacing() {
    PB_REQUIRE_FIXTURE(path, "unclip/diffusion_schedules.io.pt");
    QFETCH(QString, spacing);
    const pbtest::TensorMap f = pbtest::load_io_fixture(path);
    const std::vector<double> base = named_betas("squaredcos_cap_v2");
    QCOMPARE(elementwise_rel_error(base, pbtest::field(f, "base1000.betas")), 0.0);
    const std::string prefix = QStringLiteral("r%1.").arg(spacing).toStdString();
    compare(respaced_schedule(base, spacing.toStdString()), f, prefix);
  }

  void empty_spec_keeps_every_step() {
    const auto betas = named_betas("linear");
    const Schedule all = respaced_schedule(betas, "");
    const Schedule counted = respaced_schedule(betas, "1000");
    QCOMPARE(all.timestep_map, counted.timestep_map);
    QCOMPARE(all.betas, counted.betas);
    QCOMPARE(all.size(), 1000);
    QCOMPARE(space_timesteps(7, "").size(), size_t(7));
  }

  void known_maps() {
    std::vector<int64_t> ten;
    for (int64_t t = 0; t <= 999; t += 111) ten.push_back(t);
    QCOMPARE(space_timesteps(1000, "10"), ten);
    const std::vector<int64_t> fast27 = {0,   22,  44,  66,  88,  111, 133, 155, 177,
                                         199, 200, 222, 244, 266, 288, 311, 333, 355,
                                         377, 399, 400, 500, 599, 600, 799, 800, 997};
    QCOMPARE(space_timesteps(1000, "fast27"), fast27);
    const auto ddim25 = space_timesteps(1000, "ddim25");
    QCOMPARE(ddim25.size(), size_t(25));
    QCOMPARE(ddim25[1], int64_t(40));
    QCOMPARE(ddim25.back(), int64_t(960));
    QCOMPARE(space_timesteps(1000, "ddim50").back(), int64_t(980));
    // Python's round is half to even: 166.5 -> 166, 832.5 -> 832.
    const auto r25 = space_timesteps(1000, "25");
    QVERIFY(std::count(r25.begin(), r25.end(), 166) == 1);
    QVERIFY(std::count(r25.begin(), r25.end(), 832) == 1);
    const std::vector<int64_t> r7 = {0, 166, 333, 500, 666, 832, 999};
    QCOMPARE(space_timesteps(1000, "7"), r7);
    // Spaces around counts are accepted, as Python's int() does.
    QCOMPARE(space_timesteps(1000, "10, 10,3,2,2"), space_timesteps(1000, "10,10,3,2,2"));
  }

  // lsnrN: N distinct steps from T-1 to 0, log-SNR steps all close to one size once past
  // the cosine schedule's clipped last beta (a single jump of ~3.5 from t = 998 to 999).
  void log_snr_spacing() {
    for (const char* name : {"squaredcos_cap_v2", "linear"}) {
      const auto betas = named_betas(name);
      const Schedule full = make_schedule(betas);
      auto lambda = [&](int64_t t) {
        const double ab = full.alphas_cumprod[size_t(t)];
        return 0.5 * std::log(ab / (1 - ab));
      };
      for (int n : {1, 2, 10, 15, 25, 100, 1000}) {
        const auto kept = space_timesteps(betas, "lsnr" + std::to_string(n));
        QCOMPARE(kept.size(), size_t(n));
        QCOMPARE(kept.back(), int64_t(999));
        if (n > 1) QCOMPARE(kept.front(), int64_t(0));
        QVERIFY(std::adjacent_find(kept.begin(), kept.end(), std::greater_equal<>()) == kept.end());
        if (n < 10 || n > 25) continue;
        // Skip the first step (999 -> its successor): then each step is within a factor
        // of 2 of the mean (rounding to integer timesteps is the only spread).
        std::vector<double> h;
        for (size_t i = 0; i + 2 < kept.size(); ++i)
          h.push_back(lambda(kept[i]) - lambda(kept[i + 1]));
        const double mean = std::accumulate(h.begin(), h.end(), 0.0) / double(h.size());
        for (double v : h) QVERIFY2(v > mean / 2 && v < mean * 2, name);
      }
      QCOMPARE(respaced_schedule(betas, "lsnr15").timestep_map, space_timesteps(betas, "lsnr15"));
    }
    const auto betas = named_betas("linear");
    for (const char* bad : {"lsnr", "lsnr0", "lsnr1001", "lsnrx", "lsnr-3"})
      QCOMPARE(error_code_of([&] { space_timesteps(betas, bad); }),
               pb::ErrorCode::invalid_argument);
    // Without the betas the spacing is unknown: an error, never a made-up spacing.
    QCOMPARE(error_code_of([] { space_timesteps(1000, "lsnr15"); }),
             pb::ErrorCode::invalid_argument);
  }

  void bad_specs_data() {
    QTest::addColumn<int>("T");
    QTest::addColumn<QString>("spec");
    QTest::newRow("section smaller than count") << 1000 << "1001";
    QTest::newRow("second section too small") << 10 << "2,6";
    QTest::newRow("not a number") << 1000 << "abc";
    QTest::newRow("negative") << 1000 << "-5";
    QTest::newRow("empty section") << 1000 << "10,,3";
    QTest::newRow("trailing comma") << 1000 << "10,";
    QTest::newRow("lone comma") << 1000 << ",";
    QTest::newRow("fraction") << 1000 << "2.5";
    QTest::newRow("keeps nothing") << 1000 << "0";
    QTest::newRow("ddim without count") << 1000 << "ddim";
    QTest::newRow("ddim zero") << 1000 << "ddim0";
    QTest::newRow("ddim impossible") << 1000 << "ddim999";
    QTest::newRow("ddim more than T") << 1000 << "ddim2000";
    QTest::newRow("no steps") << 0 << "";
  }
  void bad_specs() {
    QFETCH(int, T);
    QFETCH(QString, spec);
    const std::string s = spec.toStdString();
    QCOMPARE(error_code_of([&] { space_timesteps(T, s); }), pb::ErrorCode::invalid_argument);
  }

  void section_error_names_sizes() {
    try {
      space_timesteps(10, "2,6");
      QFAIL("no error");
    } catch (const pb::Error& e) {
      QVERIFY2(QString(e.what()).contains("section of 5 steps into 6"), e.what());
    }
  }

  void bad_schedules() {
    QCOMPARE(error_code_of([] { named_betas("cosine"); }), pb::ErrorCode::invalid_argument);
    QCOMPARE(error_code_of([] { named_betas("linear", 0); }), pb::ErrorCode::invalid_argument);
    QCOMPARE(error_code_of([] { make_schedule({}); }), pb::ErrorCode::invalid_argument);
    QCOMPARE(error_code_of([] { make_schedule({0.1, 1.0}); }), pb::ErrorCode::invalid_argument);
    QCOMPARE(error_code_of([] { make_schedule({0.0, 0.5}); }), pb::ErrorCode::invalid_argument);
  }

  void derived_arrays_consistent() {
    // A tiny process checked against the formulas in long double.
    const std::vector<double> betas = {0.1, 0.2, 0.3};
    const Schedule s = make_schedule(betas);
    QCOMPARE(s.size(), 3);
    QCOMPARE(s.timestep_map, (std::vector<int64_t>{0, 1, 2}));
    QCOMPARE(s.alphas_cumprod_prev[0], 1.0);
    QVERIFY(std::abs(s.alphas_cumprod[2] - 0.9 * 0.8 * 0.7) < 1e-15);
    QCOMPARE(s.posterior_variance[0], 0.0);
    QCOMPARE(s.posterior_log_variance_clipped[0], std::log(s.posterior_variance[1]));
    QVERIFY(std::abs(s.posterior_mean_coef1[0] - 1.0) < 1e-15);
    QCOMPARE(s.posterior_mean_coef2[0], 0.0);
    // A one-step process: the clipped log-variance has nothing to clip to (unused anyway).
    QCOMPARE(make_schedule({0.5}).size(), 1);
  }
};

QTEST_GUILESS_MAIN(TestDiffusionSchedule)
#include "tst_diffusion_schedule.moc"
