// Whole GLIDE sampling trajectories with the real (small) networks: base-stage inpainting with
// classifier-free guidance (DDPM and DDIM) and the upsample stage, fed the recorded noises
// (glide/README.md section 8.2). Every step is checked against the reference's recording.
// First: LibTorch's headers must come before Qt's (Qt's `slots` macro breaks them).
#include "tests/diffusion/diffusion_test_util.h"

#include "engine/diffusion/guidance.h"
#include "engine/diffusion/sampler.h"
#include "engine/diffusion/schedule.h"
#include "engine/io/checkpoint.h"
#include "engine/nn/glide/config.h"
#include "engine/nn/glide/model.h"

#include <QFile>
#include <QtTest>

#include "tests/common/fixtures.h"

using namespace pb::diffusion;
using pbtest::field;
using pbtest::max_rel_error;

namespace {

struct Case {
  const char* file;
  const char* model;  // small-<model>.pt / .json
  const char* schedule;
  Sampler sampler;
  bool guided;  // base stage: [cond; uncond] rows, guidance, plain noise_init
};

const Case kCases[] = {
    {"glide/sample_inpaint_ddpm.io.pt", "base-inpaint", "squaredcos_cap_v2", Sampler::ddpm, true},
    {"glide/sample_inpaint_ddim.io.pt", "base-inpaint", "squaredcos_cap_v2", Sampler::ddim, true},
    {"glide/sample_upsample.io.pt", "upsample-inpaint", "linear", Sampler::ddpm, false},
};

// ~1e-6 per forward pass, growing along the trajectory (README section 2).
constexpr double kTolerance = 1e-4;

}  // namespace

class TestDiffusionGlideSampling : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    // The fixtures were recorded with one intra-op thread; one thread also keeps this test
    // from fighting other processes on a small machine.
    at::set_num_threads(1);
  }

  void trajectory_data() {
    QTest::addColumn<int>("index");
    for (int i = 0; i < 3; ++i) QTest::newRow(kCases[i].file) << i;
  }
  void trajectory() {
    QFETCH(int, index);
    const Case& c = kCases[index];
    PB_REQUIRE_FIXTURE(path, c.file);
    const QString model_rel = QStringLiteral("glide/small-%1").arg(c.model);
    PB_REQUIRE_FIXTURE(weights, model_rel + ".pt");
    PB_REQUIRE_FIXTURE(options, model_rel + ".json");
    const pbtest::TensorMap f = pbtest::load_io_fixture(path);

    QFile json(options);
    QVERIFY(json.open(QIODevice::ReadOnly));
    pb::nn::glide::GlideUNet model(pb::nn::glide::config_from_json(json.readAll().toStdString()));
    pb::io::load_state_dict(*model, pb::io::load_checkpoint(weights.toStdString()).tensors, {},
                            weights.toStdString());
    model->eval();
    torch::NoGradGuard no_grad;

    const pb::nn::glide::TextCondition text =
        model->encode_text(field(f, "tokens"), field(f, "mask"));
    pb::nn::glide::UNetInputs inputs;
    inputs.inpaint_image = field(f, "inpaint_image");
    inputs.inpaint_mask = field(f, "inpaint_mask");
    if (!c.guided) inputs.low_res = field(f, "low_res");

    int k = 0;
    double worst_out = 0, worst_x = 0, worst_x0 = 0, worst_x0_raw = 0;
    const ModelFn network = [&](const torch::Tensor& x, const torch::Tensor& t) {
      const torch::Tensor out = model->forward(x, t, text, inputs);
      worst_out = std::max(worst_out, max_rel_error(out, field(f, "model_out")[k]));
      return out;
    };
    const ModelFn model_fn =
        c.guided ? classifier_free_guidance(network, field(f, "guidance_scale").item<double>())
                 : network;

    const Schedule s = respaced_schedule(named_betas(c.schedule), "10");
    SampleOptions o;
    o.sampler = c.sampler;
    o.eta = c.sampler == Sampler::ddim ? field(f, "eta").item<double>() : 0.0;
    o.denoised_fn = known_region_forcing(field(f, "inpaint_image"), field(f, "inpaint_mask"));
    const torch::Tensor noises = field(f, "step_noise");
    o.noise = [noises](const torch::Tensor&, int step) { return noises[step]; };
    o.on_step = [&](const StepInfo& info) {
      worst_x = std::max(worst_x, max_rel_error(info.x_next, field(f, "x")[k + 1]));
      // x0 = sqrt(1/ac) x - sqrt(1/ac - 1) eps cancels terms up to ~150 times larger than x0
      // at the noisiest steps, so its error is measured against the size of those terms.
      const torch::Tensor ref_x0 = field(f, "pred_xstart")[k];
      const double raw = max_rel_error(info.pred_xstart, ref_x0);
      const double term =
          s.sqrt_recip_alphas_cumprod[info.index] * field(f, "x")[k].abs().max().item<double>();
      const double ref_max = ref_x0.abs().max().item<double>();
      worst_x0_raw = std::max(worst_x0_raw, raw);
      worst_x0 = std::max(worst_x0, raw * ref_max / std::max(ref_max, term));
      ++k;
    };
    // The upsampler starts from the draw scaled by 0.997 (only the initial noise).
    const torch::Tensor x_T =
        c.guided ? field(f, "noise_init")
                 : field(f, "noise_init_unscaled") * field(f, "upsample_temp").item<double>();
    const torch::Tensor sample = sample_loop(s, model_fn, x_T, o);
    const double final_err = max_rel_error(sample, field(f, "sample"));
    qInfo(
        "%s: max relative error over 10 steps: network %.3g, x %.3g, pred_xstart %.3g "
        "(%.3g of its terms' size), sample %.3g",
        c.file, worst_out, worst_x, worst_x0_raw, worst_x0, final_err);
    QCOMPARE(k, 10);
    QVERIFY(worst_out <= kTolerance);
    QVERIFY(worst_x <= kTolerance);
    QVERIFY(worst_x0 <= kTolerance);
    QVERIFY(final_err <= kTolerance);
  }
};

QTEST_GUILESS_MAIN(TestDiffusionGlideSampling)
#include "tst_diffusion_glide_sampling.moc"
