// Interpolation and text diffs through CLIP space with the fixtures' small Karlo and CLIP
// models: the slerp variants against interp.io.pt, DDIM inversion reconstructing the end
// points (against plain fixed noise), the per-interpolation context (no second encoding or
// inversion, rendered frames returned at once), batching, per-frame delivery, the SR finish,
// cancel, bad requests.
// LibTorch headers before Qt's: Qt's "slots" macro breaks ATen's ivalue_inl.h.
#include "engine/pipelines/embedding_slerp.h"
#include "engine/pipelines/image_convert.h"
#include "engine/pipelines/interpolation.h"
#include "engine/pipelines/karlo_loader.h"
#include "engine/pipelines/window.h"
#include "tests/parity/parity.h"

#include <QTemporaryDir>
#include <QtTest>

#include "tests/common/fixtures.h"
#include "tests/common/karlo_models.h"

using namespace pb;
using namespace pb::pipelines;

namespace {

ErrorCode code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::internal;
}

Image image_of(const torch::Tensor& hwc, int64_t i) {
  const torch::Tensor t = hwc[i].contiguous();
  Image im(int(t.size(1)), int(t.size(0)), 3);
  std::memcpy(im.pixels.data(), t.data_ptr<std::uint8_t>(), im.pixels.size());
  return im;
}

// Root mean square difference in 8-bit levels.
double rms(const Image& a, const Image& b) {
  if (a.pixels.size() != b.pixels.size()) return 1e9;
  double s = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const double d = double(a.pixels[i]) - double(b.pixels[i]);
    s += d * d;
  }
  return std::sqrt(s / double(a.pixels.size()));
}

double max_abs(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace

class PipelinesInterpolation : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  KarloModels m_;
  std::optional<text::ClipTokenizer> tok_;
  Image a_, b_;

  InterpolationSettings quick(const std::string& steps = "6") const {
    InterpolationSettings s;
    s.karlo.decoder_respacing = steps;
    s.karlo.seed = 5;
    s.karlo.super_resolve = false;
    return s;
  }
  InterpolateRequest request(std::vector<float> positions, bool invert = false) const {
    InterpolateRequest r;
    r.image_a = a_;
    r.image_b = b_;
    r.positions = std::move(positions);
    r.settings = quick();
    r.settings.invert = invert;
    return r;
  }
  Image at_decoder_size(const Image& im) const {
    const int s = m_.decoder->config().image_size;
    return resize_image(im, s, s);
  }

 private slots:
  void initTestCase() {
    if (!pbtest::make_karlo_models_dir(dir_.path(), false))
      QSKIP("unCLIP fixtures not found (set PROMPTBRUSH_FIXTURES)");
    const std::string d = dir_.path().toStdString() + "/";
    const Placement cpu;
    m_.clip = load_clip_model(d + "ViT-L-14.pt", cpu).as<nn::clip::Clip>();
    m_.decoder = load_decoder_model(d + "decoder-ckpt-step=01000000-of-01000000.ckpt", cpu)
                     .as<nn::unclip::Decoder>();
    m_.super_res =
        load_super_res_model(d + "improved-sr-ckpt-step=1.2M.ckpt", cpu).as<nn::unclip::SuperRes>();
    m_.decoder_name = "decoder.ckpt";
    m_.super_res_name = "sr.ckpt";
    m_.clip_hash = "small-clip";
    tok_ = text::ClipTokenizer::load(d + "tokenizer");
    const auto io = parity::load_io_fixture(pbtest::fixture_std("unclip/clip_small.io.pt"));
    a_ = image_of(parity::field(io, "image_hwc_uint8"), 0);
    b_ = image_of(parity::field(io, "image_hwc_uint8"), 1);
  }

  // Both slerp variants, the degenerate branch and the text diff against the fixture.
  void slerp_matches_fixture() {
    PB_REQUIRE_FIXTURE(path, "unclip/interp.io.pt");
    const auto io = parity::load_io_fixture(path.toStdString());
    const torch::Tensor t = parity::field(io, "t");
    for (const std::string suffix : {"", "_768"}) {
      const torch::Tensor a = parity::field(io, "z1" + suffix);
      const torch::Tensor b = parity::field(io, "z2" + suffix);
      for (int64_t i = 0; i < t.size(0); ++i) {
        const double ti = t[i].item<double>();
        QVERIFY(max_abs(slerp_unit(a, b, ti), parity::field(io, "slerp_unit" + suffix)[i]) < 1e-5);
        QVERIFY(max_abs(slerp_raw(a, b, ti), parity::field(io, "slerp_raw" + suffix)[i]) < 1e-4);
        // What the decoder receives: slerp_unit's direction, the norm blended linearly.
        const torch::Tensor e = interpolated_embedding(a, b, ti);
        const double want = (1 - ti) * a.norm().item<double>() + ti * b.norm().item<double>();
        QVERIFY(std::abs(e.norm().item<double>() - want) < 1e-4 * want);
        QVERIFY(max_abs(e / e.norm(), parity::field(io, "slerp_unit" + suffix)[i]) < 1e-5);
      }
      QVERIFY(max_abs(interpolated_embedding(a, b, 0), a) < 1e-5);
      QVERIFY(max_abs(interpolated_embedding(a, b, 1), b) < 1e-4);
    }
    const torch::Tensor z1 = parity::field(io, "z1");
    for (int64_t i = 0; i < t.size(0); ++i)
      QVERIFY(max_abs(slerp_unit(z1, z1, t[i].item<double>()),
                      parity::field(io, "slerp_unit_identical")[i]) < 1e-6);

    const torch::Tensor zd = text_diff_direction(parity::field(io, "textdiff.z_t_base"),
                                                 parity::field(io, "textdiff.z_t_target"));
    QVERIFY(max_abs(zd, parity::field(io, "textdiff.z_d")) < 1e-6);
    const torch::Tensor zi = parity::field(io, "textdiff.z_i");
    const torch::Tensor theta = parity::field(io, "textdiff.theta");
    for (int64_t i = 0; i < theta.size(0); ++i) {
      const torch::Tensor e = text_diff_embedding(zi, zd, theta[i].item<double>());
      QVERIFY(max_abs(e / zi.norm(), parity::field(io, "textdiff.z_theta")[i]) < 1e-5);
    }
    QCOMPARE(int(code_of([&] { text_diff_direction(zi, zi); })), int(ErrorCode::invalid_argument));
  }

  // The paper's faithful end points. The fixtures' decoder has random weights: it is no
  // denoiser, its DDIM paths are not straight, so its inversion cannot reconstruct closely
  // (tst_diffusion_sampler shows the round trip with an exact denoiser). What holds here: the
  // inverted end points are closer to the inputs than frames from plain fixed noise, and the
  // context keeps both kinds of frame.
  void inversion_brings_end_points_closer() {
    InterpolationContexts contexts;
    InterpolateRequest plain_req = request({0, 1});
    plain_req.settings.karlo.decoder_guidance_scale = 1;
    InterpolateRequest inv_req = plain_req;
    inv_req.settings.invert = true;
    const RunResult plain = run_interpolation(m_, *tok_, plain_req, {}, &contexts);
    const RunResult inv = run_interpolation(m_, *tok_, inv_req, {}, &contexts);
    QCOMPARE(inv.images.size(), size_t(2));
    const Image a = at_decoder_size(a_), b = at_decoder_size(b_);
    const double plain_a = rms(plain.images[0], a), plain_b = rms(plain.images[1], b);
    const double inv_a = rms(inv.images[0], a), inv_b = rms(inv.images[1], b);
    qInfo(
        "end-point RMS to the inputs (8-bit levels), 6 DDIM steps, guidance 1: fixed noise"
        " A %.1f B %.1f; inverted A %.1f B %.1f",
        plain_a, plain_b, inv_a, inv_b);
    QVERIFY(inv_a < 0.9 * plain_a);
    QVERIFY(inv_b < 0.9 * plain_b);
    QCOMPARE(inv.parameters.at("invert"), std::string("true"));
    QCOMPARE(inv.parameters.at("sampler"), std::string("DDIM"));
    // The inversion stops short of the last step (alpha_bar ~ 1e-9): 5 of the 6 steps.
    QCOMPARE(inv.parameters.at("steps"), std::string("5"));
    QCOMPARE(plain.parameters.at("steps"), std::string("6"));
    QCOMPARE(contexts.size(), size_t(1));
    QCOMPARE(contexts.latest()->frames.size(), size_t(4));
  }

  // A second job on the same images neither encodes nor inverts again; frames rendered
  // before come back at once, through on_frame, with the same pixels.
  void context_is_reused() {
    InterpolationContexts contexts;
    EmbeddingCache embeddings;
    std::vector<Progress> progress;
    std::vector<int> frames;
    RunCallbacks cb;
    cb.on_progress = [&](const Progress& p) { progress.push_back(p); };
    cb.on_frame = [&](int i, const Image& im) {
      frames.push_back(i);
      QVERIFY(!im.empty());
    };
    const RunResult first =
        run_interpolation(m_, *tok_, request({0, 0.5f}, true), cb, &contexts, &embeddings);
    int encodings = 0, inversions = 0;
    for (const auto& p : progress) {
      encodings += p.phase == Phase::encoding;
      inversions += p.stage == "inversion" && p.step == 0;
    }
    QCOMPARE(encodings, 3);  // A, B, the empty prompt
    QCOMPARE(inversions, 2);
    QCOMPARE(frames, (std::vector<int>{0, 1}));
    QCOMPARE(progress.back().stage_count, 4);  // two inversions, two frames

    progress.clear();
    frames.clear();
    const RunResult second = run_interpolation(m_, *tok_, request({0.5f, 0.25f, 0.5f}, true), cb,
                                               &contexts, &embeddings);
    for (const auto& p : progress) {
      QVERIFY(p.phase == Phase::sampling);
      QCOMPARE(p.stage, std::string("decoder"));  // only the one new frame decodes
    }
    QCOMPARE(progress.back().stage_count, 1);
    QCOMPARE(frames, (std::vector<int>{0, 2, 1}));  // the cached 0.5 first, twice
    QCOMPARE(second.images.size(), size_t(3));
    QVERIFY(second.images[0].pixels == first.images[1].pixels);
    QVERIFY(second.images[2].pixels == first.images[1].pixels);
    QCOMPARE(second.parameters.at("positions"), std::string("0.5,0.25,0.5"));

    // Other images: a new context (the old one is kept as the second most recent).
    InterpolateRequest other = request({0.5f}, false);
    std::swap(other.image_a, other.image_b);
    const RunResult swapped = run_interpolation(m_, *tok_, other, {}, &contexts, &embeddings);
    QCOMPARE(contexts.size(), size_t(2));
    QVERIFY(swapped.images[0].pixels != first.images[1].pixels);
    QCOMPARE(embeddings.size(), size_t(2));  // the images' embeddings were reused
  }

  // Neighbouring frames share the noise: the path moves smoothly; a batch of frames gives
  // the frames it gives one by one.
  void frames_are_coherent_and_batching_is_exact() {
    InterpolateRequest req = request({0, 0.125f, 0.5f, 1});
    req.settings.batch = 4;
    const RunResult batched = run_interpolation(m_, *tok_, req, {});
    req.settings.batch = 1;
    const RunResult single = run_interpolation(m_, *tok_, req, {});
    for (size_t i = 0; i < 4; ++i) {
      const double d = rms(batched.images[i], single.images[i]);
      QVERIFY2(d < 0.5, qPrintable(QString("frame %1 batched vs alone: RMS %2").arg(i).arg(d)));
    }
    const double near = rms(single.images[0], single.images[1]);
    const double far = rms(single.images[0], single.images[3]);
    qInfo("RMS frame 0 -> 0.125: %.2f, 0 -> 1: %.2f", near, far);
    QVERIFY(near < far);
    // Another seed is another noise.
    req.settings.karlo.seed = 6;
    QVERIFY(run_interpolation(m_, *tok_, req, {}).images[0].pixels != single.images[0].pixels);
  }

  // The frame under a resting slider is finished to the SR size from its cached 64 px frame.
  void super_resolution_finishes_a_cached_frame() {
    InterpolationContexts contexts;
    run_interpolation(m_, *tok_, request({0.5f}), {}, &contexts);
    InterpolateRequest req = request({0.5f});
    req.settings.karlo.super_resolve = true;
    std::vector<std::string> stages;
    RunCallbacks cb;
    cb.on_progress = [&](const Progress& p) {
      if (p.step == 0) stages.push_back(p.stage);
    };
    const RunResult r = run_interpolation(m_, *tok_, req, cb, &contexts);
    QCOMPARE(stages, (std::vector<std::string>{"super-resolution"}));
    QCOMPARE(r.images[0].width, 4 * m_.decoder->config().image_size);
    // Done twice, the finish is the same (the SR noise is the context's seed).
    InterpolationContexts fresh;
    QVERIFY(run_interpolation(m_, *tok_, req, {}, &fresh).images[0].pixels == r.images[0].pixels);
  }

  // Text diff: decoded from the image's inverted noise; a larger theta moves further away.
  void text_diff_moves_the_image() {
    InterpolationContexts contexts;
    TextDiffRequest req;
    req.image = a_;
    req.from_caption = "a photo of a cat";
    req.to_caption = "a photo of a dog";
    req.positions = {0, 0.25f, 0.5f};
    req.settings = quick();
    req.settings.invert = true;
    const RunResult r = run_text_diff(m_, *tok_, req, {}, &contexts);
    QCOMPARE(r.images.size(), size_t(3));
    const Image a = at_decoder_size(a_);
    const double d0 = rms(r.images[0], a), d2 = rms(r.images[2], a);
    qInfo("text diff RMS to the image: theta 0 %.1f, theta 0.5 %.1f", d0, d2);
    QVERIFY(d2 > d0);
    QVERIFY(r.images[1].pixels != r.images[0].pixels);
    QCOMPARE(r.parameters.at("mode"), std::string("textdiff"));
    // The direction is the fixture's z_d (same CLIP, same captions).
    PB_REQUIRE_FIXTURE(path, "unclip/interp.io.pt");
    const auto io = parity::load_io_fixture(path.toStdString());
    QVERIFY(max_abs(contexts.latest()->embed_b, parity::field(io, "textdiff.z_d")) < 1e-4);
    req.to_caption = req.from_caption;
    QCOMPARE(int(code_of([&] { run_text_diff(m_, *tok_, req, {}); })),
             int(ErrorCode::invalid_argument));
  }

  void cancel_keeps_finished_frames() {
    InterpolationContexts contexts;
    auto token = std::make_shared<CancelToken>();
    RunCallbacks cb;
    cb.cancel = token;
    int frames = 0;
    cb.on_frame = [&](int, const Image&) { ++frames; };
    cb.on_progress = [&](const Progress& p) {
      if (p.stage_index == 2 && p.step == 2) token->cancel();
    };
    QCOMPARE(int(code_of([&] {
               run_interpolation(m_, *tok_, request({0, 1}), cb, &contexts);
             })),
             int(ErrorCode::cancelled));
    QCOMPARE(frames, 1);
    QCOMPARE(contexts.latest()->frames.size(), size_t(1));
  }

  void bad_requests() {
    auto code = [&](InterpolateRequest r) {
      return int(code_of([&] { run_interpolation(m_, *tok_, r, {}); }));
    };
    const int bad = int(ErrorCode::invalid_argument);
    QCOMPARE(code(request({})), bad);
    QCOMPARE(code(request({1.5f})), bad);
    QCOMPARE(code(request({-0.1f})), bad);
    QCOMPARE(code(request({std::nanf("")})), bad);
    InterpolateRequest r = request({0.5f});
    r.settings.karlo.candidates = 2;
    QCOMPARE(code(r), bad);
    r = request({0.5f});
    r.image_b = Image();
    QCOMPARE(code(r), bad);
    r = request({0.5f});
    r.settings.batch = -1;
    QCOMPARE(code(r), bad);
  }

  void contexts_are_bounded() {
    InterpolationContexts contexts(2, 1);  // 1 byte: frames of older contexts go first
    for (int i = 0; i < 3; ++i) {
      auto c = contexts.get("k" + std::to_string(i));
      c->frames[{0.5f, false, false}] = {torch::zeros({1, 3, 8, 8}), Image(8, 8, 3)};
    }
    QCOMPARE(contexts.size(), size_t(2));
    contexts.trim();
    QCOMPARE(contexts.size(), size_t(1));
    QCOMPARE(contexts.latest()->key, std::string("k2"));
    contexts.keep_latest();
    QCOMPARE(contexts.size(), size_t(1));
  }
};

QTEST_GUILESS_MAIN(PipelinesInterpolation)
#include "tst_pipelines_interpolation.moc"
