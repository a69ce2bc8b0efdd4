#pragma once
// Tiny random-weight GLIDE inpainting models (32x32 base, 64x64 upsampler, short text
// context) written into a models folder, for GUI tests that run real jobs in seconds.
#include <torch/torch.h>

#include <QDir>
#include <QFile>
#include <QtTest>

#include "engine/io/safetensors_writer.h"
#include "engine/nn/glide/config.h"
#include "engine/nn/glide/model.h"
#include "tests/common/fixtures.h"

namespace apptest {

inline std::string tinyGlideOptions(bool superRes) {
  // 2^(levels+2) == image_size: 3 levels at 32, 4 at 64.
  return std::string(R"({"image_size": )") +
         (superRes ? R"(64, "channel_mult": "1,1,1,1")" : R"(32, "channel_mult": "1,1,1")") +
         R"(, "num_channels": 32, "num_res_blocks": 1,
            "attention_resolutions": "16,8", "num_head_channels": 8, "text_ctx": 16,
            "xf_width": 8, "xf_layers": 1, "xf_heads": 2, "inpaint": true, "super_res": )" +
         (superRes ? "true" : "false") + "}";
}

// Writes <name>.pt (safetensors content: the readers go by content) and <name>.json.
inline void writeTinyGlide(const QString& dir, const QString& name, bool superRes) {
  const std::string options = tinyGlideOptions(superRes);
  torch::manual_seed(superRes ? 2 : 1);
  pb::nn::glide::GlideUNet model(pb::nn::glide::config_from_json(options));
  pb::io::save_safetensors(QDir(dir).filePath(name + ".pt").toStdString(),
                           pb::io::named_tensors(*model));
  QFile json(QDir(dir).filePath(name + ".json"));
  QVERIFY(json.open(QIODevice::WriteOnly));
  json.write(options.c_str());
}

}  // namespace apptest

// In a test function: the tokenizer fixtures and both tiny models into `dir` (skips the
// test when the fixtures are absent).
#define PB_WRITE_TINY_GLIDE_MODELS(dir)                                    \
  do {                                                                     \
    PB_REQUIRE_FIXTURE(encoder_, "tokenizer/encoder.json.gz");             \
    PB_REQUIRE_FIXTURE(merges_, "tokenizer/vocab.bpe.gz");                 \
    QVERIFY(QFile::copy(encoder_, QDir(dir).filePath("encoder.json.gz"))); \
    QVERIFY(QFile::copy(merges_, QDir(dir).filePath("vocab.bpe.gz")));     \
    apptest::writeTinyGlide(dir, "base_inpaint", false);                   \
    apptest::writeTinyGlide(dir, "upsample_inpaint", true);                \
  } while (false)
