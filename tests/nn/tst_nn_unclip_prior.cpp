// Karlo's diffusion prior (PriorTransformer) against shared/fixtures/unclip (README 1.4,
// 1.5, 1.8, 3.3): config parsing, forward parity from both weight containers with and
// without the prefix cache (checks in tests/parity/prior_parity.cpp), the CLIP statistics
// file, the real-size module tree, bf16 mode, and the errors for bad files and shapes.
// LibTorch before Qt: Qt's `slots` macro breaks torch's JIT headers.
#include <torch/types.h>

#include "engine/core/error.h"
#include "engine/io/checkpoint.h"
#include "engine/io/checkpoint_writer.h"
#include "engine/io/safetensors_writer.h"
#include "engine/nn/unclip/clip_stats.h"
#include "engine/nn/unclip/prior.h"
#include "engine/nn/unclip/prior_config.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>
#include <nlohmann/json.hpp>

#include "tests/common/fixtures.h"
#include "tests/common/parity_checks.h"
#include "tests/parity/prior_parity.h"

using namespace pb::nn::unclip;

namespace {

std::string read_text(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return f.readAll().toStdString();
}

Prior load_small(const QString& weights) {
  Prior prior(prior_config_from_json(read_text(pbtest::fixture("unclip/small_configs.json"))),
              false);
  const std::string path = pbtest::fixture_std("unclip/" + weights);
  pb::io::load_state_dict(*prior, pb::io::load_checkpoint(path).tensors, {}, path);
  prior->eval();
  return prior;
}

// The pb::Error fn throws; fails the test if it throws none or another code, or if the
// message lacks needle.
#define EXPECT_PB_ERROR(code_, needle_, ...)                                           \
  do {                                                                                 \
    try {                                                                              \
      __VA_ARGS__;                                                                     \
      QFAIL("no error thrown");                                                        \
    } catch (const pb::Error& e) {                                                     \
      QVERIFY2(e.code() == (code_), e.what());                                         \
      QVERIFY2(QString(e.what()).contains(QString::fromStdString(needle_)), e.what()); \
    }                                                                                  \
  } while (false)

}  // namespace

class TestNnUnclipPrior : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { at::set_num_threads(1); }

  void karlo_config() {
    const PriorConfig c = PriorConfig::karlo();
    QCOMPARE(c.text_ctx, 77);
    QCOMPARE(c.xf_width, 2048);
    QCOMPARE(c.xf_layers, 20);
    QCOMPARE(c.xf_heads, 32);
    QVERIFY(c.xf_final_ln);
    QCOMPARE(c.clip_dim, 768);
    QCOMPARE(c.seq_len(), 81);
    QCOMPARE(c.head_dim(), 64);
  }

  // small_configs.json whole, its "prior" entry, {"model": ...} and the bare hparams.
  void config_json_forms() {
    PB_REQUIRE_FIXTURE(path, "unclip/small_configs.json");
    const auto doc = nlohmann::json::parse(read_text(path));
    const auto& entry = doc.at("prior");
    const auto& model = entry.at("config");
    const auto& hparams = model.at("model").at("hparams");
    for (const auto& form : {doc, entry, model, hparams}) {
      const PriorConfig c = prior_config_from_json(form.dump());
      QCOMPARE(c.text_ctx, 77);
      QCOMPARE(c.xf_width, 64);
      QCOMPARE(c.xf_layers, 2);
      QCOMPARE(c.xf_heads, 4);
      QVERIFY(c.xf_final_ln);
      QCOMPARE(c.clip_dim, 16);
    }
  }

  void config_json_errors_name_the_field_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("field");
    QTest::newRow("type") << R"({"xf_width": "wide"})"
                          << "xf_width";
    QTest::newRow("heads") << R"({"xf_width": 64, "xf_heads": 3})"
                           << "xf_heads";
    QTest::newRow("unknown") << R"({"xf_widht": 64})"
                             << "xf_widht";
    QTest::newRow("bool") << R"({"xf_final_ln": 1})"
                          << "xf_final_ln";
    QTest::newRow("padding") << R"({"xf_padding": true})"
                             << "xf_padding";
    QTest::newRow("model type") << R"({"model": {"type": "t2i-decoder", "hparams": {}}})"
                                << "type";
    QTest::newRow("layers") << R"({"config": {"model": {"hparams": {"xf_layers": -1}}}})"
                            << "xf_layers";
  }
  void config_json_errors_name_the_field() {
    QFETCH(QString, json);
    QFETCH(QString, field);
    EXPECT_PB_ERROR(pb::ErrorCode::invalid_argument, "'" + field.toStdString() + "'",
                    prior_config_from_json(json.toStdString()));
  }

  // prior_small.io.pt from both containers, each intermediate, prefix cache and whole
  // sequence; the statistics file.
  void forward_parity() {
    PB_VERIFY_CHECKS(pb::parity::prior_forward(pbtest::fixtures_dir().toStdString(), {}));
  }

  // The same with the linears split over two intra-op threads.
  void forward_parity_two_threads() {
    at::set_num_threads(2);
    const auto checks = pb::parity::prior_forward(pbtest::fixtures_dir().toStdString(), {});
    at::set_num_threads(1);
    PB_VERIFY_CHECKS(checks);
  }

  // The cached prefix gives the whole sequence's result for other inputs too (timesteps
  // per row, a fully padded and a full-length mask), and is reused over calls.
  void prefix_cache_matches_whole_sequence() {
    PB_REQUIRE_FIXTURE(w, "unclip/prior_small.safetensors");
    c10::InferenceMode guard;
    Prior prior = load_small("prior_small.safetensors");
    torch::manual_seed(7);
    const auto text_emb = torch::randn({3, 16});
    const auto text_enc = torch::randn({3, 77, 16});
    auto mask = torch::zeros({3, 77}, torch::kBool);
    mask[0].narrow(0, 0, 5).fill_(true);
    mask[1].narrow(0, 0, 2).fill_(true);
    mask[2].fill_(true);
    const PriorCondition cached = prior->condition(text_emb, text_enc, mask, true);
    const PriorCondition whole = prior->condition(text_emb, text_enc, mask, false);
    QCOMPARE(int(cached.prefix_k.size()), 2);
    QCOMPARE(cached.prefix_k[0].sizes(), (c10::IntArrayRef{3, 4, 78, 16}));
    QVERIFY(whole.prefix_k.empty());
    for (int64_t t0 : {999, 500, 0}) {
      const auto x = torch::randn({3, 16});
      const auto t = torch::tensor({t0, int64_t(17), int64_t(999 - t0)});
      for (int threads : {1, 2}) {
        at::set_num_threads(threads);
        const double err =
            pb::parity::max_rel_error(prior->forward(x, t, cached), prior->forward(x, t, whole));
        QVERIFY2(err < 1e-5,
                 qPrintable(QString("t %1, %2 threads: %3").arg(t0).arg(threads).arg(err)));
      }
      at::set_num_threads(1);
    }
  }

  void clip_stats_file() {
    PB_REQUIRE_FIXTURE(stats_path, "unclip/prior_small_clip_stats.th");
    PB_REQUIRE_FIXTURE(io_path, "unclip/prior_small.io.pt");
    const auto io = pb::parity::load_io_fixture(io_path.toStdString());
    const ClipStats s = load_clip_stats(stats_path.toStdString(), 16);
    QCOMPARE(s.mean.sizes(), (c10::IntArrayRef{16}));
    QCOMPARE(s.mean.scalar_type(), torch::kFloat);
    QVERIFY(torch::equal(s.mean, io.at("clip_mean")));
    QVERIFY(torch::equal(s.std, io.at("clip_std")));
    // Through the prior: x0 * std + mean per dimension.
    Prior prior(prior_config_from_json(R"({"xf_width": 8, "xf_layers": 1, "xf_heads": 2,
                                           "clip_dim": 16})"));
    prior->set_clip_stats(s.mean, s.std);
    const auto x0 = torch::randn({2, 16});
    QVERIFY(torch::allclose(prior->denormalize(x0), x0 * s.std + s.mean));
  }

  // Karlo's ViT-L-14_stats.th layout: a tuple of two [1, 768] tensors (fp16 cast too).
  void clip_stats_karlo_layout() {
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/ViT-L-14_stats.th").toStdString();
    const auto mean = torch::randn({1, 768});
    const auto std = torch::rand({1, 768}) + 0.5;
    pb::io::TorchPickler p;
    p.mark().tensor(mean).tensor(std.to(torch::kHalf)).tuple();
    pb::io::write_torch_zip(path, p);
    const ClipStats s = load_clip_stats(path, 768);
    QCOMPARE(s.mean.sizes(), (c10::IntArrayRef{768}));
    QVERIFY(torch::equal(s.mean, mean.reshape({768})));
    QVERIFY(torch::equal(s.std, std.to(torch::kHalf).to(torch::kFloat).reshape({768})));
    EXPECT_PB_ERROR(pb::ErrorCode::shape_mismatch, path, load_clip_stats(path, 16));

    const std::string three = (dir.path() + "/three.th").toStdString();
    pb::io::TorchPickler q;
    q.mark().tensor(mean).tensor(std).tensor(std).tuple();
    pb::io::write_torch_zip(three, q);
    EXPECT_PB_ERROR(pb::ErrorCode::bad_file, three, load_clip_stats(three, 768));
  }

  void bad_clip_stats_files() {
    PB_REQUIRE_FIXTURE(w, "unclip/prior_small.safetensors");
    EXPECT_PB_ERROR(pb::ErrorCode::bad_file, w.toStdString(), load_clip_stats(w.toStdString(), 16));
    EXPECT_PB_ERROR(pb::ErrorCode::file_not_found, "/nonexistent/stats.th",
                    load_clip_stats("/nonexistent/stats.th", 16));
    Prior prior(prior_config_from_json(R"({"xf_width": 8, "xf_layers": 1, "xf_heads": 2,
                                           "clip_dim": 16})"));
    EXPECT_PB_ERROR(pb::ErrorCode::invalid_argument, "clip_mean",
                    prior->denormalize(torch::zeros({1, 16})));
    EXPECT_PB_ERROR(pb::ErrorCode::invalid_argument, "clip_std",
                    prior->set_clip_stats(torch::zeros({16}), torch::ones({15})));
  }

  void bad_weights_files() {
    PB_REQUIRE_FIXTURE(w, "unclip/prior_small.safetensors");
    PB_REQUIRE_FIXTURE(decoder, "unclip/decoder_small.safetensors");
    Prior prior(prior_config_from_json(read_text(pbtest::fixture("unclip/small_configs.json"))),
                false);
    // Another model's weights: the error names the file and the prior's keys.
    const std::string dpath = decoder.toStdString();
    EXPECT_PB_ERROR(
        pb::ErrorCode::shape_mismatch, "model.prd_emb",
        pb::io::load_state_dict(*prior, pb::io::load_checkpoint(dpath).tensors, {}, dpath));
    EXPECT_PB_ERROR(
        pb::ErrorCode::shape_mismatch, dpath,
        pb::io::load_state_dict(*prior, pb::io::load_checkpoint(dpath).tensors, {}, dpath));
    // One tensor of another shape (a prior of another width).
    QTemporaryDir dir;
    auto tensors = pb::io::load_checkpoint(w.toStdString()).tensors;
    for (auto& [name, t] : tensors)
      if (name == "model.prd_emb") t = torch::zeros({1, 1, 32});
    const std::string bad = (dir.path() + "/bad.safetensors").toStdString();
    pb::io::save_safetensors(bad, tensors);
    EXPECT_PB_ERROR(pb::ErrorCode::shape_mismatch, "model.prd_emb",
                    pb::io::load_state_dict(*prior, pb::io::load_checkpoint(bad).tensors, {}, bad));
    // A truncated file.
    QFile in(w);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray bytes = in.readAll();
    const std::string cut = (dir.path() + "/cut.safetensors").toStdString();
    QFile out(QString::fromStdString(cut));
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(bytes.left(bytes.size() / 2));
    out.close();
    EXPECT_PB_ERROR(pb::ErrorCode::bad_file, cut, pb::io::load_checkpoint(cut));
  }

  void bad_input_shapes() {
    c10::InferenceMode guard;
    Prior prior(prior_config_from_json(R"({"xf_width": 8, "xf_layers": 1, "xf_heads": 2,
                                           "clip_dim": 16})"));
    const auto emb = torch::randn({2, 16});
    const auto enc = torch::randn({2, 77, 16});
    const auto mask = torch::ones({2, 77}, torch::kBool);
    const auto arg = pb::ErrorCode::invalid_argument;
    EXPECT_PB_ERROR(arg, "text_emb", prior->condition(torch::randn({2, 15}), enc, mask));
    EXPECT_PB_ERROR(arg, "text_enc", prior->condition(emb, torch::randn({2, 76, 16}), mask));
    EXPECT_PB_ERROR(arg, "text_enc", prior->condition(emb, torch::randn({1, 77, 16}), mask));
    EXPECT_PB_ERROR(arg, "mask", prior->condition(emb, enc, torch::ones({2, 76}, torch::kBool)));
    EXPECT_PB_ERROR(arg, "mask", prior->condition(emb, enc, torch::ones({2, 77})));
    const PriorCondition cond = prior->condition(emb, enc, mask);
    const auto t = torch::tensor({999, 0});
    EXPECT_PB_ERROR(arg, "x_t", prior->forward(torch::randn({2, 17}), t, cond));
    EXPECT_PB_ERROR(arg, "x_t",
                    prior->forward(torch::randn({4, 16}), torch::tensor({1, 2, 3, 4}), cond));
    EXPECT_PB_ERROR(arg, "timesteps",
                    prior->forward(torch::randn({2, 16}), torch::tensor({1}), cond));
    EXPECT_PB_ERROR(arg, "condition", prior->forward(torch::randn({2, 16}), t, PriorCondition{}));
    QCOMPARE(prior->forward(torch::randn({2, 16}), t, cond).sizes(), (c10::IntArrayRef{2, 16}));
  }

  // The real-size tree: manifest keys in order, shapes, 1,022,028,544 parameters.
  void real_size_module_tree() {
    PB_VERIFY_CHECKS(pb::parity::prior_manifest(pbtest::fixtures_dir().toStdString()));
  }

  // Faster mode: the linears in bfloat16, LayerNorms and softmax in float32.
  void bf16_body_stays_close() {
    PB_REQUIRE_FIXTURE(io_path, "unclip/prior_small.io.pt");
    PB_REQUIRE_FIXTURE(w, "unclip/prior_small.safetensors");
    c10::InferenceMode guard;
    Prior prior = load_small("prior_small.safetensors");
    prior->convert_body_to(torch::kBFloat16);
    QCOMPARE(prior->body_dtype(), torch::kBFloat16);
    const auto io = pb::parity::load_io_fixture(io_path.toStdString());
    for (bool cache : {true, false}) {
      const PriorCondition cond =
          prior->condition(io.at("text_emb"), io.at("text_enc"), io.at("mask"), cache);
      const torch::Tensor out = prior->forward(io.at("x_t"), io.at("timesteps"), cond);
      QCOMPARE(out.scalar_type(), torch::kFloat);
      const double err = pb::parity::max_rel_error(out, io.at("out"));
      qInfo("bf16 %s: relative error %g", cache ? "prefix cache" : "whole sequence", err);
      QVERIFY2(err < 0.05, qPrintable(QString("relative error %1").arg(err)));
    }
  }
};

QTEST_GUILESS_MAIN(TestNnUnclipPrior)
#include "tst_nn_unclip_prior.moc"
