// Whole GLIDE inpainting and text-to-image runs with tiny random-weight models built here
// (the pipeline takes resolutions and text context from the models' Configs): progress,
// previews, cancel within one step, seed reproducibility, output size, byte identity
// outside the grown mask.
// LibTorch headers before Qt's: Qt's "slots" macro breaks ATen's ivalue_inl.h.
#include "engine/core/error.h"
#include "engine/pipelines/glide_pipeline.h"
#include "engine/pipelines/compositor.h"
#include "tests/common/glide_tiny.h"

#include <QtTest>

#include <random>

#include "tests/common/fixtures.h"

using namespace pb;
using namespace pb::pipelines;
using pbtest::tiny_glide_models;

namespace {

Image noise_image(int w, int h, unsigned seed) {
  Image img(w, h, 3);
  std::mt19937 rng(seed);
  for (auto& v : img.pixels) v = std::uint8_t(rng() & 0xff);
  return img;
}

InpaintRequest make_request() {
  InpaintRequest r;
  r.image = noise_image(90, 60, 3);
  r.mask = Image(90, 60, 1);
  for (int y = 20; y < 35; ++y)
    for (int x = 40; x < 60; ++x) r.mask.at(x, y) = 255;
  r.prompt = "a corgi in a field";
  r.settings.base_respacing = "5";
  r.settings.upsample_respacing = "3";
  r.settings.seed = 7;
  return r;
}

}  // namespace

class PipelinesGlide : public QObject {
  Q_OBJECT
  std::optional<text::GlideTokenizer> tok_;
  GlideModels inpaint_, text2im_;

 private slots:
  void initTestCase() {
    PB_REQUIRE_FIXTURE(vocab, "tokenizer/encoder.json.gz");
    tok_ = text::GlideTokenizer::load(QFileInfo(vocab).absolutePath().toStdString());
    torch::set_num_threads(1);
    inpaint_ = tiny_glide_models(true);
    text2im_ = tiny_glide_models(false);
  }

  void inpaint_run_reports_and_keeps_unmasked_pixels() {
    InpaintRequest req = make_request();
    req.settings.candidates = 2;
    std::vector<Progress> progress;
    std::vector<Preview> previews;
    RunCallbacks cb;
    cb.on_progress = [&](const Progress& p) { progress.push_back(p); };
    cb.on_preview = [&](const Preview& p) { previews.push_back(p); };
    const RunResult r = run_glide_inpaint(inpaint_, *tok_, req, cb);

    QCOMPARE(r.images.size(), size_t(2));
    QVERIFY((r.seeds == std::vector<std::uint64_t>{7, 8}));
    const Image region = composite_alpha(req.mask, req.mask_settings);
    for (const Image& out : r.images) {
      QCOMPARE(out.width, 90);
      QCOMPARE(out.height, 60);
      QCOMPARE(out.channels, 3);
      long changed = 0;
      for (int y = 0; y < 60; ++y)
        for (int x = 0; x < 90; ++x)
          for (int c = 0; c < 3; ++c) {
            const bool same = out.at(x, y, c) == req.image.at(x, y, c);
            if (!region.at(x, y)) QVERIFY2(same, "pixel outside the grown mask changed");
            if (req.mask.at(x, y)) changed += !same;
          }
      QVERIFY(changed > 0);
    }
    QVERIFY(r.images[0].pixels != r.images[1].pixels);

    // 5 base + 3 upsample steps, each stage also announced at step 0.
    QCOMPARE(progress.size(), size_t(10));
    QCOMPARE(QString::fromStdString(progress[0].stage), QString("base"));
    QCOMPARE(progress[0].step, 0);
    QCOMPARE(progress[5].step, 5);
    QCOMPARE(progress[5].total, 5);
    QCOMPARE(QString::fromStdString(progress[6].stage), QString("upsample"));
    QCOMPARE(progress.back().step, 3);
    QCOMPARE(progress.back().overall_step, 8);
    QCOMPARE(progress.back().overall_total, 8);
    for (size_t i = 1; i < progress.size(); ++i)
      QVERIFY(progress[i].elapsed_s >= progress[i - 1].elapsed_s);
    // One preview per step per candidate, in the source frame.
    QCOMPARE(previews.size(), size_t(16));
    QCOMPARE(previews.back().image.width, 90);
    QCOMPARE(previews.back().candidate, 1);
    QCOMPARE(QString::fromStdString(r.parameters.at("steps")), QString("5"));
    QCOMPARE(QString::fromStdString(r.parameters.at("upsample_steps")), QString("3"));
    QCOMPARE(QString::fromStdString(r.parameters.at("mode")), QString("inpaint"));
  }

  void fixed_seed_reproduces_data() {
    QTest::addColumn<int>("sampler");
    QTest::newRow("ddpm") << int(SamplerKind::ddpm);
    QTest::newRow("ddim") << int(SamplerKind::ddim);
  }
  void fixed_seed_reproduces() {
    QFETCH(int, sampler);
    InpaintRequest req = make_request();
    req.settings.sampler = SamplerKind(sampler);
    const RunResult a = run_glide_inpaint(inpaint_, *tok_, req, {});
    const RunResult b = run_glide_inpaint(inpaint_, *tok_, req, {});
    QVERIFY(a.images[0].pixels == b.images[0].pixels);
    req.settings.seed = 8;
    const RunResult c = run_glide_inpaint(inpaint_, *tok_, req, {});
    QVERIFY(a.images[0].pixels != c.images[0].pixels);
  }

  void random_seed_is_reported() {
    InpaintRequest req = make_request();
    req.settings.seed.reset();
    req.settings.upsample = false;
    const RunResult r = run_glide_inpaint(inpaint_, *tok_, req, {});
    QCOMPARE(r.seeds.size(), size_t(1));
    req.settings.seed = r.seeds[0];
    const RunResult again = run_glide_inpaint(inpaint_, *tok_, req, {});
    QVERIFY(r.images[0].pixels == again.images[0].pixels);
  }

  void cancel_within_one_step() {
    InpaintRequest req = make_request();
    auto token = std::make_shared<CancelToken>();
    int last_step = -1, reports_after_cancel = 0;
    RunCallbacks cb;
    cb.cancel = token;
    cb.on_progress = [&](const Progress& p) {
      if (token->cancelled()) ++reports_after_cancel;
      last_step = p.overall_step;
      if (p.overall_step == 2) token->cancel();
    };
    try {
      run_glide_inpaint(inpaint_, *tok_, req, cb);
      QFAIL("the run was not cancelled");
    } catch (const Error& e) {
      QCOMPARE(int(e.code()), int(ErrorCode::cancelled));
    }
    QCOMPARE(last_step, 2);
    QCOMPARE(reports_after_cancel, 0);
  }

  void text2im_output_size() {
    Text2ImRequest req;
    req.prompt = "an oil painting of a lighthouse";
    req.settings.base_respacing = "4";
    req.settings.upsample_respacing = "2";
    req.settings.guidance_scale = 3;
    req.settings.seed = 1;
    req.width = 48;
    req.height = 40;
    int previews = 0;
    RunCallbacks cb;
    cb.on_preview = [&](const Preview& p) {
      ++previews;
      QCOMPARE(p.image.width, 48);
    };
    const RunResult r = run_glide_text2im(text2im_, *tok_, req, cb);
    QCOMPARE(r.images.size(), size_t(1));
    QCOMPARE(r.images[0].width, 48);
    QCOMPARE(r.images[0].height, 40);
    QCOMPARE(previews, 6);
    QCOMPARE(QString::fromStdString(r.parameters.at("mode")), QString("text2im"));
  }

  void bad_requests() {
    InpaintRequest req = make_request();
    auto code_of = [&](auto&& fn) {
      try {
        fn();
      } catch (const Error& e) {
        return e.code();
      }
      return ErrorCode::internal;
    };
    req.settings.candidates = 0;
    QCOMPARE(int(code_of([&] { run_glide_inpaint(inpaint_, *tok_, req, {}); })),
             int(ErrorCode::invalid_argument));
    req = make_request();
    req.settings.base_respacing = "banana";
    QCOMPARE(int(code_of([&] { run_glide_inpaint(inpaint_, *tok_, req, {}); })),
             int(ErrorCode::invalid_argument));
    req = make_request();
    req.mask = Image(90, 60, 1);  // empty mask
    QCOMPARE(int(code_of([&] { run_glide_inpaint(inpaint_, *tok_, req, {}); })),
             int(ErrorCode::invalid_argument));
    req = make_request();  // text2im models cannot inpaint
    QCOMPARE(int(code_of([&] { run_glide_inpaint(text2im_, *tok_, req, {}); })),
             int(ErrorCode::invalid_argument));
  }
};

QTEST_GUILESS_MAIN(PipelinesGlide)
#include "tst_pipelines_glide.moc"
