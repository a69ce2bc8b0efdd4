// The real-size GLIDE models' module trees against the published checkpoints'
// manifests (shared/fixtures/glide/manifest_*.json, README 5): every state_dict key
// and shape (order-independent), no buffers, the parameter count, and the dtypes
// convert_to_fp16() leaves (dtype_after_convert_to_fp16). Builds ~1.6 GB models.
// LibTorch before Qt: Qt's `slots` macro breaks torch's JIT headers.
#include <torch/types.h>

#include "engine/nn/glide/config.h"
#include "engine/nn/glide/model.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <map>

#include "tests/common/fixtures.h"

using namespace pb::nn::glide;

class TestNnGlideManifest : public QObject {
  Q_OBJECT

 private slots:
  void manifest_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("which");
    QTest::newRow("base") << "base" << 0;
    QTest::newRow("base-inpaint") << "base-inpaint" << 1;
    QTest::newRow("upsample") << "upsample" << 2;
    QTest::newRow("upsample-inpaint") << "upsample-inpaint" << 3;
  }
  void manifest() {
    QFETCH(QString, name);
    QFETCH(int, which);
    PB_REQUIRE_FIXTURE(path, "glide/manifest_" + name + ".json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    const QJsonObject doc = QJsonDocument::fromJson(bytes).object();

    // The options in the manifest describe exactly the published configuration.
    const Config parsed = config_from_json(bytes.toStdString());
    const Config published =
        std::vector<Config>{Config::base(), Config::base_inpaint(), Config::upsample(),
                            Config::upsample_inpaint()}[which];
    QCOMPARE(parsed.in_channels(), published.in_channels());
    QCOMPARE(parsed.image_size, published.image_size);
    QCOMPARE(parsed.num_res_blocks, published.num_res_blocks);
    QCOMPARE(parsed.resolved_channel_mult(), published.resolved_channel_mult());
    QCOMPARE(parsed.class_name(),
             doc["summary"].toObject()["model_class"].toString().toStdString());

    torch::NoGradGuard no_grad;
    GlideUNet model(published);
    QVERIFY(model->named_buffers().is_empty());

    std::map<std::string, std::pair<std::vector<int64_t>, QString>> expected;
    for (const auto& v : doc["state_dict"].toArray()) {
      const QJsonObject e = v.toObject();
      std::vector<int64_t> shape;
      for (const auto& d : e["shape"].toArray()) shape.push_back(d.toInteger());
      expected[e["name"].toString().toStdString()] = {shape,
                                                      e["dtype_after_convert_to_fp16"].toString()};
    }
    QCOMPARE(int(expected.size()), doc["n_state_dict_keys"].toInt());

    QStringList problems;
    int64_t total = 0;
    const auto params = model->named_parameters();
    for (const auto& p : params) {
      total += p.value().numel();
      auto it = expected.find(p.key());
      if (it == expected.end()) {
        problems << QString("unexpected %1").arg(p.key().c_str());
        continue;
      }
      if (p.value().sizes().vec() != it->second.first)
        problems << QString("shape of %1").arg(p.key().c_str());
    }
    for (const auto& [key, value] : expected)
      if (!params.contains(key)) problems << QString("missing %1").arg(key.c_str());
    QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 20).join("\n")));
    QCOMPARE(total, doc["total_parameters"].toInteger());

    model->convert_to_fp16();
    QCOMPARE(model->body_dtype(), torch::kHalf);
    for (const auto& p : model->named_parameters()) {
      const QString want = expected[p.key()].second;
      const QString have = p.value().scalar_type() == torch::kHalf ? "float16" : "float32";
      if (want != have) problems << QString("%1: %2, expected %3").arg(p.key().c_str(), have, want);
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 20).join("\n")));
  }
};

QTEST_GUILESS_MAIN(TestNnGlideManifest)
#include "tst_nn_glide_manifest.moc"
