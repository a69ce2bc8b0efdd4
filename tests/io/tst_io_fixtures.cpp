// The published-container fixtures: the same weights in several containers must load to
// identical tensors (names, order, values); Lightning .ckpt, TorchScript, tuple files.
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch headers.
#include <torch/types.h>

#include "engine/io/checkpoint.h"

#include <QtTest>

#include "tests/common/fixtures.h"

using pb::io::Checkpoint;
using pb::io::ContainerFormat;

namespace {

// Names, order, dtypes, shapes and values (bitwise) must agree.
void expect_same(const Checkpoint& a, const Checkpoint& b) {
  if (a.tensors.size() != b.tensors.size()) {
    QStringList only_a;
    QSet<QString> seen;
    for (const auto& [n, t] : a.tensors) {
      const QString name = QString::fromStdString(n);
      if (!b.find(n) || seen.contains(name)) only_a << name;
      seen.insert(name);
    }
    qWarning() << "only or twice in" << a.path.c_str() << only_a;
  }
  QCOMPARE(a.tensors.size(), b.tensors.size());
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    const auto& [na, ta] = a.tensors[i];
    const auto& [nb, tb] = b.tensors[i];
    QCOMPARE(QString::fromStdString(na), QString::fromStdString(nb));
    QCOMPARE(ta.scalar_type(), tb.scalar_type());
    QVERIFY2(ta.sizes() == tb.sizes(), na.c_str());
    QVERIFY2(torch::equal(ta, tb), na.c_str());
  }
}

std::int64_t total(const Checkpoint& c) {
  std::int64_t n = 0;
  for (const auto& [name, t] : c.tensors) n += t.numel();
  return n;
}

}  // namespace

class TestIoFixtures : public QObject {
  Q_OBJECT
 private slots:
  void glide_three_containers_agree() {
    PB_REQUIRE_FIXTURE(zip, "glide/small-base-inpaint.pt");
    PB_REQUIRE_FIXTURE(legacy, "glide/small-base-inpaint.legacy.pt");
    PB_REQUIRE_FIXTURE(st, "glide/small-base-inpaint.safetensors");
    Checkpoint z = pb::io::load_checkpoint(zip.toStdString());
    Checkpoint l = pb::io::load_checkpoint(legacy.toStdString());
    Checkpoint s = pb::io::load_checkpoint(st.toStdString());
    QCOMPARE(z.format, ContainerFormat::torch_zip);
    QCOMPARE(l.format, ContainerFormat::torch_legacy);
    QCOMPARE(s.format, ContainerFormat::safetensors);
    QCOMPARE(z.tensors.size(), std::size_t(259));
    QCOMPARE(total(z), std::int64_t(730490));
    QCOMPARE(QString::fromStdString(z.tensors.front().first), QString("positional_embedding"));
    expect_same(z, l);
    expect_same(z, s);
    QCOMPARE(QString::fromStdString(s.metadata.at("safetensors.format")), QString("pt"));
    // The state_dict's _metadata (module versions) is bookkeeping, not metadata.
    QVERIFY(z.metadata.empty());
    QVERIFY(z.find("out.2.weight") != nullptr);
    QVERIFY(z.find("no.such.key") == nullptr);
  }

  void glide_other_models_load() {
    for (const char* rel :
         {"glide/small-base.pt", "glide/small-upsample.pt", "glide/small-upsample-inpaint.pt"}) {
      PB_REQUIRE_FIXTURE(path, rel);
      Checkpoint c = pb::io::load_checkpoint(path.toStdString());
      QVERIFY(c.tensors.size() > 200);
      for (const auto& [n, t] : c.tensors) QCOMPARE(t.scalar_type(), torch::kFloat);
    }
  }

  void plain_dict_io_file() {
    // A plain dict of float32/float64/int64/bool and 0-dim tensors.
    PB_REQUIRE_FIXTURE(path, "glide/small-base.io.pt");
    Checkpoint c = pb::io::load_checkpoint(path.toStdString());
    QCOMPARE(c.tensors.size(), std::size_t(15));
  }

  void lightning_ckpts_match_safetensors() {
    for (const char* stem : {"decoder_small", "prior_small", "sr_small"}) {
      PB_REQUIRE_FIXTURE(ckpt, QString("unclip/%1.ckpt").arg(stem));
      PB_REQUIRE_FIXTURE(st, QString("unclip/%1.safetensors").arg(stem));
      Checkpoint c = pb::io::load_checkpoint(ckpt.toStdString());
      Checkpoint s = pb::io::load_checkpoint(st.toStdString());
      QCOMPARE(c.format, ContainerFormat::torch_zip);
      expect_same(c, s);
      // Lightning-style container: the state_dict's tensors keep their names, the
      // other entries become metadata.
      QCOMPARE(QString::fromStdString(c.metadata.at("epoch")), QString("0"));
      QCOMPARE(QString::fromStdString(c.metadata.at("global_step")), QString("0"));
    }
    PB_REQUIRE_FIXTURE(prior, "unclip/prior_small.ckpt");
    Checkpoint p = pb::io::load_checkpoint(prior.toStdString());
    QCOMPARE(total(p), std::int64_t(117968));
    QVERIFY(p.tensors.front().first.rfind("model.", 0) == 0);
    // The prefix option keeps and strips one network's keys.
    Checkpoint stripped = pb::io::load_checkpoint(prior.toStdString(), {"model."});
    QCOMPARE(stripped.tensors.size(), p.tensors.size());
    QCOMPARE(stripped.tensors.front().first, p.tensors.front().first.substr(6));
  }

  void torchscript_matches_state_dict() {
    PB_REQUIRE_FIXTURE(ts, "unclip/clip_small.torchscript.pt");
    PB_REQUIRE_FIXTURE(sd, "unclip/clip_small.state_dict.pt");
    Checkpoint t = pb::io::load_checkpoint(ts.toStdString());
    Checkpoint s = pb::io::load_checkpoint(sd.toStdString());
    QCOMPARE(t.format, ContainerFormat::torchscript);
    expect_same(t, s);
    QCOMPARE(t.tensors.size(), std::size_t(62));
    QCOMPARE(total(t), std::int64_t(913297));
    QCOMPARE(QString::fromStdString(t.metadata.at("torchscript.class")),
             QString("__torch__.karlo.models.clip.CustomizedCLIP"));
    QCOMPARE(QString::fromStdString(t.metadata.at("context_length")), QString("77"));
  }

  void stats_tuple() {
    PB_REQUIRE_FIXTURE(path, "unclip/prior_small_clip_stats.th");
    Checkpoint c = pb::io::load_checkpoint(path.toStdString());
    QCOMPARE(c.tensors.size(), std::size_t(2));
    QCOMPARE(QString::fromStdString(c.tensors[0].first), QString("0"));  // mean
    QCOMPARE(QString::fromStdString(c.tensors[1].first), QString("1"));  // std
    QCOMPARE(c.tensors[1].second.sizes().vec(), std::vector<std::int64_t>{16});
    QVERIFY(c.tensors[1].second.gt(0).all().item<bool>());
  }
};

QTEST_GUILESS_MAIN(TestIoFixtures)
#include "tst_io_fixtures.moc"
