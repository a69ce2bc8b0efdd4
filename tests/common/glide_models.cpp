// LibTorch headers before Qt's: Qt's "slots" macro breaks ATen's ivalue_inl.h.
#include <torch/torch.h>

#include "tests/common/glide_models.h"

#include <QDir>
#include <QFile>

#include "engine/io/safetensors_writer.h"
#include "engine/nn/glide/config.h"
#include "engine/nn/glide/model.h"
#include "tests/common/fixtures.h"

namespace pbtest {

namespace {
// 2^(levels+2) == image_size: 3 levels at 32, 4 at 64.
std::string tinyOptions(bool superRes) {
  return std::string(R"({"image_size": )") +
         (superRes ? R"(64, "channel_mult": "1,1,1,1")" : R"(32, "channel_mult": "1,1,1")") +
         R"(, "num_channels": 32, "num_res_blocks": 1, "attention_resolutions": "16,8",
            "num_head_channels": 8, "text_ctx": 16, "xf_width": 8, "xf_layers": 1,
            "xf_heads": 2, "inpaint": true, "super_res": )" +
         (superRes ? "true" : "false") + "}";
}

bool writeModel(const QString& dir, const QString& name, bool superRes) {
  const std::string options = tinyOptions(superRes);
  torch::manual_seed(superRes ? 2 : 1);
  pb::nn::glide::GlideUNet model(pb::nn::glide::config_from_json(options));
  pb::io::save_safetensors(QDir(dir).filePath(name + ".pt").toStdString(),
                           pb::io::named_tensors(*model));
  QFile json(QDir(dir).filePath(name + ".json"));
  return json.open(QIODevice::WriteOnly) && json.write(options.c_str()) == qint64(options.size());
}
}  // namespace

bool make_glide_inpaint_models_dir(const QString& dir) {
  for (const char* name : {"encoder.json.gz", "vocab.bpe.gz"}) {
    const QString from = fixture(QStringLiteral("tokenizer/") + name);
    const QString to = QDir(dir).filePath(name);
    QFile::remove(to);
    if (from.isEmpty() || !QFile::copy(from, to)) return false;
  }
  return writeModel(dir, QStringLiteral("base_inpaint"), false) &&
         writeModel(dir, QStringLiteral("upsample_inpaint"), true);
}

}  // namespace pbtest
