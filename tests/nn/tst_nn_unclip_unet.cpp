// Karlo's decoder and 64->256 SR U-Nets against the reference fixtures
// (shared/fixtures/unclip, README 1.4-1.9, 3.4, 3.5): config parsing, forward parity of the
// small models from both weight containers (checks in tests/parity), the real-size module
// trees against the manifests, bf16 mode, bad weights and bad inputs.
// LibTorch before Qt: Qt's `slots` macro breaks torch's JIT headers.
#include <ATen/Parallel.h>
#include <torch/types.h>

#include "engine/core/error.h"
#include "engine/io/checkpoint.h"
#include "engine/nn/unclip/decoder.h"
#include "engine/nn/unclip/super_res.h"
#include "engine/nn/unclip/unet_config.h"
#include "tests/parity/karlo_unet_parity.h"

#include <QFile>
#include <QtTest>

#include <functional>
#include <nlohmann/json.hpp>

#include "tests/common/fixtures.h"
#include "tests/common/parity_checks.h"

using namespace pb::nn::unclip;

namespace {

std::string read_text(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return f.readAll().toStdString();
}

double rel_err(const torch::Tensor& a, const torch::Tensor& b) {
  return pb::parity::max_rel_error(a, b);
}

std::string configs() { return read_text(pbtest::fixture("unclip/small_configs.json")); }

Decoder load_decoder(const QString& weights) {
  Decoder model(decoder_config_from_json(configs()));
  const auto ck = pb::io::load_checkpoint(pbtest::fixture_std("unclip/" + weights));
  pb::io::load_state_dict(*model, ck.tensors, {}, weights.toStdString());
  model->eval();
  return model;
}

SuperRes load_super_res(const QString& weights) {
  SuperRes model(super_res_config_from_json(configs()));
  const auto ck = pb::io::load_checkpoint(pbtest::fixture_std("unclip/" + weights));
  pb::io::load_state_dict(*model, ck.tensors, {}, weights.toStdString());
  model->eval();
  return model;
}

// fn throws pb::Error with this code and a message containing needle.
void expect_error(const std::function<void()>& fn, pb::ErrorCode code, const QString& needle) {
  try {
    fn();
    QFAIL(qPrintable("no error (expected one mentioning " + needle + ")"));
  } catch (const pb::Error& e) {
    QCOMPARE(e.code(), code);
    QVERIFY2(QString(e.what()).contains(needle), e.what());
  }
}

}  // namespace

class TestNnUnclipUnet : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { at::set_num_threads(1); }

  void published_configs() {
    const DecoderConfig d = DecoderConfig::karlo();
    d.validate();
    QCOMPARE(d.resolved_channel_mult(), (std::vector<int>{1, 2, 3, 4}));
    QCOMPARE(d.attention_downsample_factors(), (std::vector<int>{2, 4, 8}));
    QCOMPARE(d.time_embed_dim(), 1280);
    QCOMPARE(d.out_channels(), 6);
    QCOMPARE(d.context_tokens(), 81);
    QCOMPARE(d.heads_for(960, false), 15);
    const SuperResConfig s = SuperResConfig::karlo();
    s.validate();
    QCOMPARE(s.channels, 320);
    QCOMPARE(s.depth, 3);
    QCOMPARE(s.channels_multiple, (std::vector<int>{1, 2, 3, 4}));
  }

  // small_configs.json whole, its entry, {"model": ...} and the bare hparams all parse alike.
  void config_json_layouts() {
    PB_REQUIRE_FIXTURE(path, "unclip/small_configs.json");
    const auto doc = nlohmann::json::parse(read_text(path));
    const auto& entry = doc.at("decoder");
    for (const auto& text : {doc.dump(), entry.dump(), entry.at("config").dump(),
                             entry.at("config").at("model").at("hparams").dump()}) {
      const DecoderConfig c = decoder_config_from_json(text);
      QCOMPARE(c.image_size, 32);
      QCOMPARE(c.num_channels, 32);
      QCOMPARE(c.num_res_blocks, 1);
      QCOMPARE(c.channel_mult, (std::vector<int>{1, 1, 2}));
      QCOMPARE(c.attention_resolutions, (std::vector<int>{16, 8}));
      QCOMPARE(c.attention_downsample_factors(), (std::vector<int>{2, 4}));
      QCOMPARE(c.num_head_channels, 16);
      QCOMPARE(c.clip_dim, 16);
      QCOMPARE(c.xf_width, 48);
      QVERIFY(c.learn_sigma && c.use_scale_shift_norm && c.resblock_updown);
    }
    const auto& sr = doc.at("sr");
    for (const auto& text : {doc.dump(), sr.dump(), sr.at("config").dump(),
                             sr.at("config").at("model").at("hparams").dump()}) {
      const SuperResConfig c = super_res_config_from_json(text);
      QCOMPARE(c.channels, 32);
      QCOMPARE(c.depth, 1);
      QCOMPARE(c.channels_multiple, (std::vector<int>{1, 1}));
    }
    const DecoderConfig arrays =
        decoder_config_from_json(R"({"image_size": 64, "channel_mult": [1, 2, 2, 4],
                                     "attention_resolutions": [16]})");
    QCOMPARE(arrays.attention_downsample_factors(), (std::vector<int>{4}));
    QCOMPARE(decoder_config_from_json(R"({"channel_mult": ""})").resolved_channel_mult(),
             (std::vector<int>{1, 2, 3, 4}));
    QCOMPARE(super_res_config_from_json(R"({"channels_multiple": "1,2"})").channels_multiple,
             (std::vector<int>{1, 2}));
  }

  void config_json_errors_name_the_field_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<bool>("decoder");
    QTest::addColumn<QString>("field");
    QTest::newRow("type") << R"({"num_channels": "wide"})" << true << "num_channels";
    QTest::newRow("list") << R"({"channel_mult": "1,x"})" << true << "channel_mult";
    QTest::newRow("levels") << R"({"channel_mult": "1,2"})" << true << "channel_mult";
    QTest::newRow("unknown") << R"({"num_chanels": 3})" << true << "num_chanels";
    QTest::newRow("xf_layers") << R"({"xf_layers": 2})" << true << "xf_layers";
    QTest::newRow("emb type") << R"({"clip_emb_type": "text"})" << true << "clip_emb_type";
    QTest::newRow("heads") << R"({"num_head_channels": 48})" << true << "num_head_channels";
    QTest::newRow("no default") << R"({"image_size": 48})" << true << "channel_mult";
    QTest::newRow("sr depth") << R"({"depth": 0})" << false << "depth";
    QTest::newRow("sr mult") << R"({"channels_multiple": [1, "2"]})" << false
                             << "channels_multiple";
    QTest::newRow("sr unknown") << R"({"attention": true})" << false << "attention";
  }
  void config_json_errors_name_the_field() {
    QFETCH(QString, json);
    QFETCH(bool, decoder);
    QFETCH(QString, field);
    expect_error(
        [&] {
          if (decoder)
            decoder_config_from_json(json.toStdString());
          else
            super_res_config_from_json(json.toStdString());
        },
        pb::ErrorCode::invalid_argument, "'" + field + "'");
  }

  // Both containers of both small models, each recorded intermediate (tests/parity).
  void forward_parity() {
    PB_VERIFY_CHECKS(pb::parity::karlo_unet_forward(pbtest::fixtures_dir().toStdString(), {}));
  }

  // The same on two intra-op threads: the CPU splits matrix products and attention heads.
  void forward_parity_two_threads() {
    at::set_num_threads(2);
    const auto checks = pb::parity::karlo_unet_forward(pbtest::fixtures_dir().toStdString(), {});
    at::set_num_threads(1);
    PB_VERIFY_CHECKS(checks);
  }

  // Real-size module trees: every manifest key in order, shapes, 893,318,086 and
  // 1,383,159,046 parameters.
  void manifests() {
    PB_VERIFY_CHECKS(pb::parity::karlo_unet_manifests(pbtest::fixtures_dir().toStdString()));
  }

  void condition_is_reused() {
    PB_REQUIRE_FIXTURE(io_path, "unclip/decoder_small.io.pt");
    PB_REQUIRE_FIXTURE(w_path, "unclip/decoder_small.safetensors");
    c10::InferenceMode guard;
    Decoder model = load_decoder("decoder_small.safetensors");
    auto io = pb::parity::load_io_fixture(io_path.toStdString());
    QVERIFY(torch::equal(model->cf_param(), io["cf_param"]));
    const auto cond = model->condition(io["txt_feat"], io["txt_feat_seq"], io["mask"], io["y"]);
    QCOMPARE(cond.emb.sizes(), (c10::IntArrayRef{2, 128}));
    QCOMPARE(cond.context.sizes(), (c10::IntArrayRef{2, 48, 81}));
    QCOMPARE(cond.context_bias.sizes(), (c10::IntArrayRef{2, 81}));
    // The 4 image tokens are never masked; the text mask follows them.
    QVERIFY(torch::equal(cond.context_bias.narrow(1, 0, 4), torch::zeros({2, 4})));
    QVERIFY(
        torch::equal(torch::isinf(cond.context_bias.narrow(1, 4, 77)), io["mask"].logical_not()));
    const torch::Tensor a = model->forward(io["x_t"], io["timesteps"], cond);
    const torch::Tensor b = model->forward(io["x_t"], io["timesteps"], cond);
    QVERIFY(torch::equal(a, b));
    QVERIFY(rel_err(a, io["out"]) < 1e-4);
  }

  // The CPU channels-last layout (the default with AVX-512) gives the contiguous result.
  void channels_last_layout_matches() {
    PB_REQUIRE_FIXTURE(io_path, "unclip/decoder_small.io.pt");
    PB_REQUIRE_FIXTURE(w_path, "unclip/decoder_small.safetensors");
    c10::InferenceMode guard;
    Decoder model = load_decoder("decoder_small.safetensors");
    auto io = pb::parity::load_io_fixture(io_path.toStdString());
    const auto cond = model->condition(io["txt_feat"], io["txt_feat_seq"], io["mask"], io["y"]);
    model->set_cpu_channels_last_min_pixels(0);
    const torch::Tensor contiguous = model->forward(io["x_t"], io["timesteps"], cond);
    for (int64_t from : {1, 16 * 16, 32 * 32}) {
      model->set_cpu_channels_last_min_pixels(from);
      const torch::Tensor out = model->forward(io["x_t"], io["timesteps"], cond);
      QVERIFY(out.is_contiguous());
      QVERIFY2(rel_err(out, contiguous) < 1e-5, qPrintable(QString::number(from)));
      QVERIFY(rel_err(out, io["out"]) < 1e-4);
    }
  }

  // Optional faster CPU mode: the U-Net bodies' convolutions in bfloat16. The fixtures'
  // re-initialised weights have no zero layers, so bf16 rounding (2^-8) compounds over the
  // blocks: ~4% after the input blocks, ~7% at the decoder's output.
  void bf16_body_stays_close() {
    PB_REQUIRE_FIXTURE(dio_path, "unclip/decoder_small.io.pt");
    PB_REQUIRE_FIXTURE(sio_path, "unclip/sr_small.io.pt");
    PB_REQUIRE_FIXTURE(dw_path, "unclip/decoder_small.safetensors");
    PB_REQUIRE_FIXTURE(sw_path, "unclip/sr_small.safetensors");
    c10::InferenceMode guard;
    {
      Decoder model = load_decoder("decoder_small.safetensors");
      model->convert_body_to(torch::kBFloat16);
      QCOMPARE(model->body_dtype(), torch::kBFloat16);
      auto io = pb::parity::load_io_fixture(dio_path.toStdString());
      const auto cond = model->condition(io["txt_feat"], io["txt_feat_seq"], io["mask"], io["y"]);
      QCOMPARE(cond.context.scalar_type(), torch::kBFloat16);
      DecoderTrace trace;
      const torch::Tensor out = model->forward(io["x_t"], io["timesteps"], cond, &trace);
      QCOMPARE(out.scalar_type(), torch::kFloat);
      const double err = rel_err(out, io["out"]);
      qInfo("decoder bf16 body: relative error %g (input blocks %g, middle %g)", err,
            rel_err(trace.input_blocks_last_out, io["input_blocks_last_out"]),
            rel_err(trace.middle_block_out, io["middle_block_out"]));
      QVERIFY2(err < 0.1 && err > 0, qPrintable(QString("relative error %1").arg(err)));
    }
    {
      SuperRes model = load_super_res("sr_small.safetensors");
      model->convert_body_to(torch::kBFloat16);
      QCOMPARE(model->body_dtype(), torch::kBFloat16);
      auto io = pb::parity::load_io_fixture(sio_path.toStdString());
      for (const bool last : {false, true}) {
        const torch::Tensor out = model->forward(io["x_t"], io["timesteps"], io["low_res"], last);
        QCOMPARE(out.scalar_type(), torch::kFloat);
        const double err = rel_err(out, io[last ? "out_last_step" : "out_first_steps"]);
        qInfo("SR bf16 body (%s): relative error %g", last ? "last" : "first", err);
        QVERIFY2(err < 0.1 && err > 0, qPrintable(QString("relative error %1").arg(err)));
      }
    }
  }

  // Missing, unexpected and misshapen tensors are reported by key.
  void bad_weights_name_the_key() {
    PB_REQUIRE_FIXTURE(dw_path, "unclip/decoder_small.safetensors");
    PB_REQUIRE_FIXTURE(sw_path, "unclip/sr_small.ckpt");
    const auto dck = pb::io::load_checkpoint(dw_path.toStdString());
    const auto sck = pb::io::load_checkpoint(sw_path.toStdString());
    Decoder dec(decoder_config_from_json(configs()));
    SuperRes sr(super_res_config_from_json(configs()));
    QCOMPARE(dck.tensors.front().first, std::string("model.cf_param"));
    QCOMPARE(dck.tensors.size(), dec->named_parameters().size());
    QCOMPARE(sck.tensors.size(), sr->named_parameters().size());

    auto without = [](pb::io::TensorList t, const std::string& key) {
      std::erase_if(t, [&](const auto& e) { return e.first == key; });
      return t;
    };
    auto reshaped = [](pb::io::TensorList t, const std::string& key) {
      for (auto& e : t)
        if (e.first == key) e.second = torch::zeros({e.second.size(0) + 1});
      return t;
    };
    auto renamed = [](pb::io::TensorList t, const std::string& key) {
      for (auto& e : t)
        if (e.first == key) e.first = key.substr(6);  // prefix stripped: "model." missing
      return t;
    };
    expect_error([&] { pb::io::load_state_dict(*dec, without(dck.tensors, "model.cf_param")); },
                 pb::ErrorCode::shape_mismatch, "model.cf_param");
    expect_error(
        [&] { pb::io::load_state_dict(*dec, reshaped(dck.tensors, "model.clip_tok_proj.bias")); },
        pb::ErrorCode::shape_mismatch, "model.clip_tok_proj.bias");
    expect_error(
        [&] { pb::io::load_state_dict(*dec, renamed(dck.tensors, "model.text_feat_proj.weight")); },
        pb::ErrorCode::shape_mismatch, "text_feat_proj.weight");
    expect_error(
        [&] { pb::io::load_state_dict(*sr, without(sck.tensors, "model_last_step.out.2.bias")); },
        pb::ErrorCode::shape_mismatch, "model_last_step.out.2.bias");
    expect_error(
        [&] {
          pb::io::load_state_dict(*sr, reshaped(sck.tensors, "model_first_steps.out.0.weight"));
        },
        pb::ErrorCode::shape_mismatch, "model_first_steps.out.0.weight");
    // The decoder's weights do not fit the SR model and vice versa.
    expect_error([&] { pb::io::load_state_dict(*sr, dck.tensors); }, pb::ErrorCode::shape_mismatch,
                 "model_first_steps.time_embed.0.weight");
  }

  void bad_inputs_are_reported() {
    c10::InferenceMode guard;
    Decoder dec(decoder_config_from_json(configs()));
    SuperRes sr(super_res_config_from_json(configs()));
    const auto txt = torch::randn({2, 16}), seq = torch::randn({2, 77, 16});
    const auto mask = torch::ones({2, 77}, torch::kBool), y = torch::randn({2, 16});
    const auto x = torch::randn({2, 3, 32, 32});
    const auto t = torch::tensor({999, 3}, torch::kLong);
    const auto invalid = pb::ErrorCode::invalid_argument;
    expect_error(
        [&] {
          dec->condition(txt, seq, torch::ones({2, 76}, torch::kBool), y);
        },
        invalid, "mask");
    expect_error([&] { dec->condition(txt, seq.narrow(2, 0, 8), mask, y); }, invalid,
                 "txt_feat_seq");
    expect_error([&] { dec->condition(txt.narrow(0, 0, 1), seq, mask, y); }, invalid, "txt_feat");
    expect_error([&] { dec->condition(txt, seq, mask, torch::randn({2, 15})); }, invalid, "y");
    const auto cond = dec->condition(txt, seq, mask, y);
    expect_error([&] { dec->forward(torch::randn({2, 4, 32, 32}), t, cond); }, invalid, "x");
    expect_error(
        [&] {
          dec->forward(torch::randn({2, 3, 30, 32}), t, cond);
        },
        invalid, "multiples of 4");
    expect_error([&] { dec->forward(x, torch::tensor({1}), cond); }, invalid, "timesteps");
    expect_error([&] { dec->forward(x.narrow(0, 0, 1), t.narrow(0, 0, 1), cond); }, invalid,
                 "condition");
    QCOMPARE(dec->forward(x, t, cond).sizes(), (c10::IntArrayRef{2, 6, 32, 32}));

    const auto low = torch::rand({2, 3, 32, 32}) * 2 - 1;
    expect_error(
        [&] {
          sr->forward(x, t, torch::randn({2, 1, 32, 32}), false);
        },
        invalid, "low_res");
    expect_error([&] { sr->forward(x, t.narrow(0, 0, 1), low, true); }, invalid, "timesteps");
    expect_error(
        [&] {
          sr->forward(torch::randn({2, 3, 33, 32}), t, low, true);
        },
        invalid, "multiples of 2");
    QCOMPARE(sr->forward(x, t, low, false).sizes(), (c10::IntArrayRef{2, 3, 32, 32}));
    // A smaller low_res is resized to x's size (bilinear, as SuperResUNetModel does).
    QCOMPARE(sr->forward(x, t, torch::rand({2, 3, 16, 16}), true).sizes(),
             (c10::IntArrayRef{2, 3, 32, 32}));
  }
};

QTEST_GUILESS_MAIN(TestNnUnclipUnet)
#include "tst_nn_unclip_unet.moc"
