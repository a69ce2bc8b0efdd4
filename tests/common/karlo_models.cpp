#include "tests/common/karlo_models.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include "tests/common/fixtures.h"

namespace pbtest {

namespace {

bool link(const QString& fixture_rel, const QString& to) {
  const QString from = fixture(fixture_rel);
  if (from.isEmpty()) return false;
  QDir().mkpath(QFileInfo(to).absolutePath());
  QFile::remove(to);
  return QFile::link(from, to);
}

bool sidecar(const QJsonObject& configs, const QString& entry, const QString& to) {
  if (!configs.contains(entry)) return false;
  QFile f(to);
  if (!f.open(QIODevice::WriteOnly)) return false;
  f.write(QJsonDocument(configs.value(entry).toObject()).toJson());
  return true;
}

}  // namespace

bool make_karlo_models_dir(const QString& dir, bool prior) {
  const QString cfg_path = fixture("unclip/small_configs.json");
  if (cfg_path.isEmpty()) return false;
  QFile cfg(cfg_path);
  if (!cfg.open(QIODevice::ReadOnly)) return false;
  const QJsonObject configs = QJsonDocument::fromJson(cfg.readAll()).object();
  const QString d = dir + "/";
  bool ok =
      link("unclip/clip_small.torchscript.pt", d + "ViT-L-14.pt") &&
      sidecar(configs, "clip", d + "ViT-L-14.json") &&
      link("unclip/decoder_small.ckpt", d + "decoder-ckpt-step=01000000-of-01000000.ckpt") &&
      sidecar(configs, "decoder", d + "decoder-ckpt-step=01000000-of-01000000.json") &&
      link("unclip/sr_small.ckpt", d + "improved-sr-ckpt-step=1.2M.ckpt") &&
      sidecar(configs, "sr", d + "improved-sr-ckpt-step=1.2M.json") &&
      link("tokenizer/bpe_simple_vocab_16e6.txt.gz", d + "tokenizer/bpe_simple_vocab_16e6.txt.gz");
  if (ok && prior)
    ok = link("unclip/prior_small.ckpt", d + "prior-ckpt-step=01000000-of-01000000.ckpt") &&
         sidecar(configs, "prior", d + "prior-ckpt-step=01000000-of-01000000.json") &&
         link("unclip/prior_small_clip_stats.th", d + "ViT-L-14_stats.th");
  return ok;
}

}  // namespace pbtest
