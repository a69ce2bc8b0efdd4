// Containers written by our own torch.save-compatible writers: half/bfloat16 storages,
// views sharing one storage, Lightning-style dicts with unknown classes, tuples; then
// load_state_dict reports and the inspect summary.
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch headers.
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/io/checkpoint.h"
#include "engine/io/checkpoint_writer.h"
#include "engine/io/inspect.h"
#include "engine/io/safetensors_writer.h"

#include <QTemporaryDir>
#include <QtTest>

using pb::io::Checkpoint;
using pb::io::TensorList;

namespace {

struct Net : torch::nn::Module {
  Net() {
    fc = register_module("fc", torch::nn::Linear(3, 2));
    running = register_buffer("running", torch::zeros({2}));
  }
  torch::nn::Linear fc{nullptr};
  torch::Tensor running;
};

}  // namespace

class TestIoContainers : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path(const char* name) { return dir_.filePath(name).toStdString(); }

 private slots:
  void half_and_bfloat16_in_every_container() {
    torch::manual_seed(1);
    TensorList tensors = {{"h", torch::randn({3, 5}).to(torch::kHalf)},
                          {"b", torch::randn({7}).to(torch::kBFloat16)},
                          {"f", torch::randn({2, 2})},
                          {"i", torch::arange(6, torch::kLong).reshape({2, 3})},
                          {"m", torch::tensor({true, false, true})},
                          {"s", torch::tensor(2.5, torch::kDouble)}};  // 0-dim
    pb::io::save_torch_zip(path("d.pt"), tensors);
    pb::io::save_torch_legacy(path("d.legacy.pt"), tensors);
    pb::io::save_safetensors(path("d.safetensors"), tensors);
    for (const char* name : {"d.pt", "d.legacy.pt", "d.safetensors"}) {
      Checkpoint c = pb::io::load_checkpoint(path(name));
      QCOMPARE(c.tensors.size(), tensors.size());
      for (std::size_t i = 0; i < tensors.size(); ++i) {
        QCOMPARE(c.tensors[i].first, tensors[i].first);
        QCOMPARE(c.tensors[i].second.scalar_type(), tensors[i].second.scalar_type());
        QVERIFY2(torch::equal(c.tensors[i].second, tensors[i].second), name);
      }
    }
  }

  void views_of_a_shared_storage() {
    torch::Tensor base = torch::arange(24, torch::kFloat).reshape({4, 6});
    TensorList views = {{"base", base},
                        {"t", base.t()},                // strides (1, 6)
                        {"col", base.narrow(1, 2, 3)},  // offset 2, non-contiguous
                        {"row", base[2]},               // offset 12
                        {"step", base.view({-1}).slice(0, 1, 24, 5)}};
    pb::io::save_torch_zip(path("v.pt"), views);
    pb::io::save_torch_legacy(path("v.legacy.pt"), views);
    for (const char* name : {"v.pt", "v.legacy.pt"}) {
      Checkpoint c = pb::io::load_checkpoint(path(name));
      QCOMPARE(c.tensors.size(), views.size());
      for (std::size_t i = 0; i < views.size(); ++i) {
        QCOMPARE(c.tensors[i].second.sizes(), views[i].second.sizes());
        QCOMPARE(c.tensors[i].second.strides(), views[i].second.strides());
        QVERIFY(torch::equal(c.tensors[i].second, views[i].second));
      }
      // One storage, shared as in the file (offsets into the same bytes).
      QVERIFY(c.tensors[1].second.is_alias_of(c.tensors[0].second));
      QCOMPARE(c.tensors[3].second.storage_offset(), std::int64_t(12));
    }
  }

  void lightning_container_with_unknown_classes() {
    torch::Tensor w = torch::randn({4, 4}), ema = torch::randn({4});
    for (bool legacy : {false, true}) {
      pb::io::TorchPickler p(legacy);
      p.empty_dict().mark();
      p.string("state_dict").state_dict({{"model.w", w}});
      p.string("epoch").integer(3).string("lr").floating(1e-4);
      // hyper_parameters: an instance of a class we do not know, holding a tensor.
      p.string("hyper_parameters").global("__main__", "TrainConfig").empty_tuple().newobj();
      p.empty_dict().mark().string("layers").mark().integer(1).integer(2).tuple();
      p.string("name").string("prior").string("ema_tensor").tensor(ema).setitems().build();
      p.string("callbacks").global("pytorch_lightning.callbacks", "ModelCheckpoint");
      p.mark().string("x").tuple().reduce();
      p.setitems();
      const std::string file = path(legacy ? "l.legacy.ckpt" : "l.ckpt");
      if (legacy)
        pb::io::write_torch_legacy(file, p);
      else
        pb::io::write_torch_zip(file, p, "l");
      Checkpoint c = pb::io::load_checkpoint(file);
      QCOMPARE(c.tensors.size(), std::size_t(2));
      QCOMPARE(c.tensors[0].first, std::string("model.w"));  // state_dict names kept
      QVERIFY(torch::equal(c.tensors[0].second, w));
      QCOMPARE(c.tensors[1].first, std::string("hyper_parameters.ema_tensor"));
      QVERIFY(torch::equal(c.tensors[1].second, ema));
      QCOMPARE(c.metadata.at("epoch"), std::string("3"));
      QCOMPARE(c.metadata.at("lr"), std::string("0.0001"));
      QCOMPARE(c.metadata.at("hyper_parameters"), std::string("<opaque __main__.TrainConfig>"));
      QCOMPARE(c.metadata.at("hyper_parameters.layers"), std::string("(1, 2)"));
      QCOMPARE(c.metadata.at("hyper_parameters.name"), std::string("prior"));
      QCOMPARE(c.metadata.at("callbacks"),
               std::string("<opaque pytorch_lightning.callbacks.ModelCheckpoint>"));
    }
  }

  void tuple_names_are_indices() {
    pb::io::TorchPickler p;
    p.mark().tensor(torch::ones({2})).tensor(torch::zeros({2})).tuple();
    pb::io::write_torch_zip(path("stats.th"), p, "stats");
    Checkpoint c = pb::io::load_checkpoint(path("stats.th"));
    QCOMPARE(c.tensors.size(), std::size_t(2));
    QCOMPARE(c.tensors[0].first, std::string("0"));
    QCOMPARE(c.tensors[1].first, std::string("1"));
  }

  void load_state_dict_reports_everything() {
    Net net;
    TensorList tensors = {{"fc.weight", torch::ones({2, 3}).to(torch::kHalf)},
                          {"fc.bias", torch::ones({3})},  // wrong shape
                          {"extra", torch::ones({1})}};   // unexpected; "running" missing
    try {
      pb::io::load_state_dict(net, tensors, {}, "model.ckpt");
      QFAIL("expected an error");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::shape_mismatch);
      const QString msg = e.what();
      QVERIFY2(msg.contains("model.ckpt"), qPrintable(msg));
      QVERIFY2(msg.contains("fc.bias: expected [2], found [3]"), qPrintable(msg));
      QVERIFY2(msg.contains("missing key: running"), qPrintable(msg));
      QVERIFY2(msg.contains("unexpected key: extra"), qPrintable(msg));
      QVERIFY2(!msg.contains("missing key: fc.bias"), qPrintable(msg));
    }
    // Not strict, shapes right: reports missing/unexpected, loads the rest (cast to fp32).
    tensors[1].second = torch::full({2}, 5.0);
    pb::io::StateDictOptions lax;
    lax.strict = false;
    pb::io::StateDictReport r = pb::io::load_state_dict(net, tensors, lax, "model.ckpt");
    QCOMPARE(r.missing, std::vector<std::string>{"running"});
    QCOMPARE(r.unexpected, std::vector<std::string>{"extra"});
    // 10^5 unexpected names of 1000 bytes make a report of the first 2000, each cut to 300
    // bytes, and a count: not 100 MB.
    pb::io::StateDictReport many;
    for (int i = 0; i < 100000; ++i) many.unexpected.push_back(std::string(1000, 'n'));
    const std::string text = many.to_string();
    QVERIFY(text.size() < 2000 * 330);
    QVERIFY(text.find("... and 98000 more (unexpected key)") != std::string::npos);
    QVERIFY(r.mismatched.empty());
    QCOMPARE(net.fc->weight.scalar_type(), torch::kFloat);
    QVERIFY(torch::equal(net.fc->weight, torch::ones({2, 3})));
    QVERIFY(torch::equal(net.fc->bias, torch::full({2}, 5.0)));
    // Shape mismatches throw even when not strict.
    tensors[1].second = torch::ones({3});
    QVERIFY_THROWS_EXCEPTION(pb::Error, pb::io::load_state_dict(net, tensors, lax));
  }

  void memory_mapped_tensors_are_copy_on_write() {
    pb::io::save_safetensors(path("w.safetensors"), {{"w", torch::ones({1024})}});
    {
      Checkpoint c = pb::io::load_checkpoint(path("w.safetensors"));
      c.tensors[0].second.mul_(3);  // private mapping: the file is not changed
      QCOMPARE(c.tensors[0].second[0].item<float>(), 3.0f);
    }
    Checkpoint again = pb::io::load_checkpoint(path("w.safetensors"));
    QCOMPARE(again.tensors[0].second[0].item<float>(), 1.0f);
  }

  void inspect_summary() {
    TensorList tensors = {{"a.weight", torch::full({2, 3}, 0.5)},
                          {"a.bias", torch::tensor({1.0, 2.0}).to(torch::kHalf)}};
    pb::io::save_safetensors(path("i.safetensors"), tensors, {{"format", "pt"}});
    pb::io::CheckpointSummary s = pb::io::summarize(pb::io::load_checkpoint(path("i.safetensors")));
    QCOMPARE(s.format, std::string("safetensors"));
    QCOMPARE(s.parameter_total, std::int64_t(8));
    QCOMPARE(s.dtypes.at("float32"), std::int64_t(1));
    QCOMPARE(s.dtypes.at("float16"), std::int64_t(1));

    auto j = nlohmann::json::parse(pb::io::format_json(s));
    QCOMPARE(j["format"].get<std::string>(), std::string("safetensors"));
    QCOMPARE(j["tensor_count"].get<int>(), 2);
    QCOMPARE(j["parameter_total"].get<int>(), 8);
    QCOMPARE(j["metadata"]["safetensors.format"].get<std::string>(), std::string("pt"));
    QCOMPARE(j["tensors"][0]["name"].get<std::string>(), std::string("a.weight"));
    QCOMPARE(j["tensors"][0]["dtype"].get<std::string>(), std::string("float32"));
    QCOMPARE(j["tensors"][0]["shape"], nlohmann::json({2, 3}));
    QCOMPARE(j["tensors"][0]["sum"].get<double>(), 3.0);
    QCOMPARE(j["tensors"][1]["sum"].get<double>(), 3.0);

    const QString text = QString::fromStdString(pb::io::format_text(s));
    QVERIFY2(text.contains("format:     safetensors"), qPrintable(text));
    QVERIFY2(text.contains("parameters: 8"), qPrintable(text));
    QVERIFY2(text.contains("a.bias"), qPrintable(text));
    QVERIFY2(text.contains("float16  [2]  sum=3"), qPrintable(text));

    // NaN sums are written as null (JSON has no NaN).
    s.tensors[0].sum = std::nan("");
    QVERIFY(nlohmann::json::parse(pb::io::format_json(s))["tensors"][0]["sum"].is_null());
  }
};

QTEST_GUILESS_MAIN(TestIoContainers)
#include "tst_io_containers.moc"
