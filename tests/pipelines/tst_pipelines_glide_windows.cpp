// GLIDE runs with tiny random-weight models (tests/common/glide_tiny.h): one window per
// group of mask regions, mask settings recorded, explore then finish (bit-for-bit equal to a
// whole run), text-to-image at any aspect ratio without stretching and the text2im
// notebook's sampling.
// LibTorch headers before Qt's: Qt's "slots" macro breaks ATen's ivalue_inl.h.
#include "engine/core/error.h"
#include "engine/pipelines/compositor.h"
#include "engine/pipelines/glide_pipeline.h"
#include "engine/pipelines/presets.h"
#include "tests/common/glide_tiny.h"

#include <QtTest>

#include <random>

#include "tests/common/fixtures.h"

using namespace pb;
using namespace pb::pipelines;

namespace {

Image noise_image(int w, int h, unsigned seed) {
  Image img(w, h, 3);
  std::mt19937 rng(seed);
  for (auto& v : img.pixels) v = std::uint8_t(rng() & 0xff);
  return img;
}

void fill_rect(Image& m, int x0, int y0, int rw, int rh) {
  for (int y = y0; y < y0 + rh; ++y)
    for (int x = x0; x < x0 + rw; ++x) m.at(x, y) = 255;
}

// Two strokes far apart in a 900 x 600 image: two windows.
InpaintRequest two_stroke_request() {
  InpaintRequest r;
  r.image = noise_image(900, 600, 3);
  r.mask = Image(900, 600, 1);
  fill_rect(r.mask, 40, 50, 30, 20);
  fill_rect(r.mask, 800, 520, 40, 40);
  r.prompt = "a corgi in a field";
  r.settings.base_respacing = "4";
  r.settings.upsample_respacing = "3";
  r.settings.seed = 11;
  return r;
}

InpaintRequest one_stroke_request() {
  InpaintRequest r;
  r.image = noise_image(90, 60, 3);
  r.mask = Image(90, 60, 1);
  fill_rect(r.mask, 40, 20, 20, 15);
  r.prompt = "a corgi in a field";
  r.settings.base_respacing = "5";
  r.settings.upsample_respacing = "3";
  r.settings.seed = 7;
  return r;
}

Text2ImRequest text_request(int w, int h) {
  Text2ImRequest r;
  r.prompt = "an oil painting of a lighthouse";
  r.settings.base_respacing = "4";
  r.settings.upsample_respacing = "3";
  r.settings.seed = 3;
  r.width = w;
  r.height = h;
  return r;
}

}  // namespace

class PipelinesGlideWindows : public QObject {
  Q_OBJECT
  std::optional<text::GlideTokenizer> tok_;
  GlideModels inpaint_, text2im_;

 private slots:
  void initTestCase() {
    PB_REQUIRE_FIXTURE(vocab, "tokenizer/encoder.json.gz");
    tok_ = text::GlideTokenizer::load(QFileInfo(vocab).absolutePath().toStdString());
    torch::set_num_threads(1);
    inpaint_ = pbtest::tiny_glide_models(true);
    text2im_ = pbtest::tiny_glide_models(false);
  }

  void far_apart_strokes_run_a_window_each() {
    const InpaintRequest req = two_stroke_request();
    std::vector<Progress> progress;
    RunCallbacks cb;
    cb.on_progress = [&](const Progress& p) {
      if (p.phase == Phase::sampling) progress.push_back(p);
    };
    const RunResult r = run_glide_inpaint(inpaint_, *tok_, req, cb);
    QCOMPARE(r.windows.size(), size_t(2));
    for (const Rect& w : r.windows) QCOMPARE(w.width, 128);  // each at its own scale
    QCOMPARE(QString::fromStdString(r.parameters.at("windows")),
             QString("%1,%2,128,128;%3,%4,128,128")
                 .arg(r.windows[0].x)
                 .arg(r.windows[0].y)
                 .arg(r.windows[1].x)
                 .arg(r.windows[1].y));
    // Both stages once per window: 4 stages, (4 + 3) x 2 steps.
    QCOMPARE(progress.back().stage_count, 4);
    QCOMPARE(progress.back().stage_index, 4);
    QCOMPARE(progress.back().overall_step, 14);
    QCOMPARE(progress.back().overall_total, 14);
    // Both strokes changed; everything outside the composite's region kept its bytes.
    const Image alpha = composite_alpha(req.mask, req.mask_settings);
    const Image& out = r.images.at(0);
    long changed[2] = {0, 0};
    for (int y = 0; y < 600; ++y)
      for (int x = 0; x < 900; ++x)
        for (int c = 0; c < 3; ++c) {
          const bool same = out.at(x, y, c) == req.image.at(x, y, c);
          if (!alpha.at(x, y) && !same) QFAIL("a pixel outside the region changed");
          if (req.mask.at(x, y) && !same) ++changed[x < 450 ? 0 : 1];
        }
    QVERIFY(changed[0] > 0);
    QVERIFY(changed[1] > 0);
    QCOMPARE(r.base_images.at(0).size(), size_t(2));
  }

  void mask_settings_are_recorded_and_used() {
    InpaintRequest req = one_stroke_request();
    req.settings.upsample = false;
    const RunResult plain = run_glide_inpaint(inpaint_, *tok_, req, {});
    QCOMPARE(QString::fromStdString(plain.parameters.at("mask_grow")), QString("auto"));
    QCOMPARE(QString::fromStdString(plain.parameters.at("mask_feather")), QString("auto"));
    QCOMPARE(QString::fromStdString(plain.parameters.at("colour_match")), QString("off"));
    req.mask_settings.grow_px = 6;
    req.mask_settings.feather_px = 3;
    req.mask_settings.colour_match = true;
    const RunResult grown = run_glide_inpaint(inpaint_, *tok_, req, {});
    QCOMPARE(QString::fromStdString(grown.parameters.at("mask_grow")), QString("6"));
    QCOMPARE(QString::fromStdString(grown.parameters.at("mask_feather")), QString("3"));
    QCOMPARE(QString::fromStdString(grown.parameters.at("colour_match")), QString("on"));
    QVERIFY(grown.images[0].pixels != plain.images[0].pixels);
    // The grown region changes where the default one did not.
    const Image a6 = composite_alpha(req.mask, req.mask_settings);
    QVERIFY(a6.at(40 - 5, 27) > 0);
    QVERIFY(composite_alpha(req.mask, {}).at(40 - 5, 27) == 0);
    // Shrunk to nothing: a clear error, not an empty run.
    req.mask_settings.grow_px = -30;
    try {
      run_glide_inpaint(inpaint_, *tok_, req, {});
      QFAIL("a mask shrunk to nothing was run");
    } catch (const Error& e) {
      QCOMPARE(int(e.code()), int(ErrorCode::invalid_argument));
      QVERIFY(QString::fromStdString(e.what()).contains("shrink"));
    }
  }

  void finishing_equals_a_whole_run_data() {
    QTest::addColumn<int>("sampler");
    QTest::addColumn<bool>("two_windows");
    QTest::newRow("ddpm, one window") << int(SamplerKind::ddpm) << false;
    QTest::newRow("ddim, one window") << int(SamplerKind::ddim) << false;
    QTest::newRow("ddpm, two windows") << int(SamplerKind::ddpm) << true;
  }
  void finishing_equals_a_whole_run() {
    QFETCH(int, sampler);
    QFETCH(bool, two_windows);
    InpaintRequest req = two_windows ? two_stroke_request() : one_stroke_request();
    req.settings.sampler = SamplerKind(sampler);
    const RunResult whole = run_glide_inpaint(inpaint_, *tok_, req, {});

    // Explore: two candidates, base stage only; finish the second one alone.
    InpaintRequest explore = req;
    explore.settings.upsample = false;
    explore.settings.candidates = 2;
    explore.settings.seed = *req.settings.seed - 1;
    const RunResult explored = run_glide_inpaint(inpaint_, *tok_, explore, {});
    QCOMPARE(explored.images.size(), size_t(2));
    QCOMPARE(explored.images[0].width, req.image.width);  // shown enlarged, in the frame
    QCOMPARE(explored.seeds[1], *req.settings.seed);

    InpaintRequest finish = req;
    finish.finish_from = explored.base_images[1];
    int sampling_steps = 0;
    RunCallbacks cb;
    cb.on_progress = [&](const Progress& p) {
      if (p.phase == Phase::sampling && p.step > 0) ++sampling_steps;
    };
    const RunResult finished = run_glide_inpaint(inpaint_, *tok_, finish, cb);
    QVERIFY2(finished.images[0].pixels == whole.images[0].pixels,
             "a finished candidate differs from the whole run with its seed");
    QCOMPARE(sampling_steps, 3 * int(whole.windows.size()));  // no base step was sampled
    QCOMPARE(QString::fromStdString(finished.parameters.at("finished_from_base")), QString("yes"));

    // Finishing with the wrong base images is refused with a reason.
    finish.finish_from.pop_back();
    if (finish.finish_from.empty()) finish.finish_from.push_back(Image(5, 5, 3));
    try {
      run_glide_inpaint(inpaint_, *tok_, finish, {});
      QFAIL("a wrong finish_from was accepted");
    } catch (const Error& e) {
      QCOMPARE(int(e.code()), int(ErrorCode::invalid_argument));
    }
  }

  void text2im_finishing_equals_a_whole_run() {
    Text2ImRequest req = text_request(32, 32);
    const RunResult whole = run_glide_text2im(text2im_, *tok_, req, {});
    Text2ImRequest explore = req;
    explore.settings.upsample = false;
    const RunResult explored = run_glide_text2im(text2im_, *tok_, explore, {});
    Text2ImRequest finish = req;
    finish.finish_from = explored.base_images.at(0);
    const RunResult finished = run_glide_text2im(text2im_, *tok_, finish, {});
    QVERIFY(finished.images[0].pixels == whole.images[0].pixels);
  }

  void text2im_crops_never_stretches() {
    // The square (32 px with these models) and a 2:1 request with the same seed: the wide
    // result is the square's centre band, pixel for pixel.
    const RunResult square = run_glide_text2im(text2im_, *tok_, text_request(32, 32), {});
    const RunResult wide = run_glide_text2im(text2im_, *tok_, text_request(32, 16), {});
    QCOMPARE(wide.images[0].width, 32);
    QCOMPARE(wide.images[0].height, 16);
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 32; ++x)
        for (int c = 0; c < 3; ++c)
          QCOMPARE(wide.images[0].at(x, y, c), square.images[0].at(x, y + 8, c));
    const RunResult tall = run_glide_text2im(text2im_, *tok_, text_request(8, 32), {});
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 8; ++x)
        QCOMPARE(tall.images[0].at(x, y, 1), square.images[0].at(x + 12, y, 1));
  }

  void text2im_samples_as_its_notebook() {
    Text2ImRequest req;
    QCOMPARE(double(req.settings.guidance_scale), 3.0);
    QCOMPARE(int(req.settings.upsample_sampler), int(SamplerKind::ddim));
    QCOMPARE(int(find_glide_preset("default", GlideMode::text2im)->settings.upsample_sampler),
             int(SamplerKind::ddim));
    QCOMPARE(double(find_glide_preset("fast", GlideMode::text2im)->settings.guidance_scale), 3.0);
    QCOMPARE(int(find_glide_preset("default")->settings.upsample_sampler), int(SamplerKind::ddpm));
    const RunResult ddim = run_glide_text2im(text2im_, *tok_, text_request(32, 32), {});
    QCOMPARE(QString::fromStdString(ddim.parameters.at("upsample_sampler")), QString("DDIM"));
    Text2ImRequest ddpm_req = text_request(32, 32);
    ddpm_req.settings.upsample_sampler = SamplerKind::ddpm;
    const RunResult ddpm = run_glide_text2im(text2im_, *tok_, ddpm_req, {});
    QVERIFY(ddim.images[0].pixels != ddpm.images[0].pixels);
    // Sampling settings read back name their preset.
    GlideSettings fast = find_glide_preset("fast")->settings;
    fast.seed = 5;
    fast.guidance_scale = 7;
    QCOMPARE(QString::fromStdString(match_glide_preset(fast)->name), QString("fast"));
    fast.base_respacing = "ddim30";
    QVERIFY(match_glide_preset(fast) == nullptr);
  }
};

QTEST_GUILESS_MAIN(PipelinesGlideWindows)
#include "tst_pipelines_glide_windows.moc"
