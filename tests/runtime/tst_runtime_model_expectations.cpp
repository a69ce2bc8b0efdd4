// The shipped expectations (engine/runtime/expectations/*.tsv, compiled in) against the
// reference fixtures' manifests of the published files. This test is also their
// generator: with PROMPTBRUSH_WRITE_EXPECTATIONS=1 it rewrites the committed files from
// the manifests (then rebuild, and the comparison passes).
#include <QDir>
#include <QFile>
#include <QtTest>

#include "engine/core/error.h"
#include "engine/runtime/model_expectation.h"
#include "engine/runtime/model_files.h"
#include "tests/common/fixtures.h"
#include "tests/runtime/expectation_json.h"

namespace {

struct Published {
  const char* role;
  const char* manifest;  // under the fixtures folder
};
// Every published checkpoint with a manifest (ViT-L-14_stats.th and the tokenizer files
// are checked by their readers, see model_verify.cpp).
constexpr Published kPublished[] = {
    {"base", "glide/manifest_base.json"},
    {"base-inpaint", "glide/manifest_base-inpaint.json"},
    {"upsample", "glide/manifest_upsample.json"},
    {"upsample-inpaint", "glide/manifest_upsample-inpaint.json"},
    {"karlo-prior", "unclip/manifest_prior_1B_vit_l.json"},
    {"karlo-decoder", "unclip/manifest_decoder_900M_vit_l.json"},
    {"karlo-sr", "unclip/manifest_sr_64_256_1.4B.json"},
    {"clip-vit-l-14", "unclip/manifest_clip_vit_l_14.json"},
};

// The keys Karlo deletes from OpenAI's archive before loading (clip/loader.h kScalarKeys).
const char* kClipScalarKeys[] = {"input_resolution", "context_length", "vocab_size"};

QString committed_path(const char* role) {
  return QDir(PB_SOURCE_DIR).filePath(QString("engine/runtime/expectations/%1.tsv").arg(role));
}

}  // namespace

class TestRuntimeModelExpectations : public QObject {
  Q_OBJECT
 private slots:
  void every_published_checkpoint_has_one() {
    QCOMPARE(pb::shipped_expectations().size(), std::size(kPublished));
    for (const auto& p : kPublished) {
      const pb::ModelExpectation* e = pb::shipped_expectation(p.role);
      QVERIFY2(e, p.role);
      const pb::ModelFile* f = pb::find_model_file(p.role);
      QVERIFY2(f, p.role);
      QCOMPARE(QString::fromStdString(e->file), QString::fromStdString(f->name));
      QVERIFY(!e->tensors.empty());
    }
  }

  void committed_files_match_the_manifests() {
    const bool write = qEnvironmentVariableIntValue("PROMPTBRUSH_WRITE_EXPECTATIONS") == 1;
    for (const auto& p : kPublished) {
      PB_REQUIRE_FIXTURE(manifest, p.manifest);
      pb::ModelExpectation e = pbtest::expectation_from_manifest(
          manifest, p.role, pb::find_model_file(p.role)->name, p.manifest);
      if (std::string(p.role) == "clip-vit-l-14")
        for (const char* k : kClipScalarKeys) e.ignored.push_back(k);
      const std::string text = pb::to_text(e);
      QFile committed(committed_path(p.role));
      if (write) {
        QVERIFY(committed.open(QIODevice::WriteOnly | QIODevice::Truncate));
        committed.write(QByteArray::fromStdString(text));
        continue;
      }
      QVERIFY2(committed.open(QIODevice::ReadOnly), qPrintable(committed.fileName()));
      QVERIFY2(committed.readAll().toStdString() == text,
               qPrintable(committed.fileName() + " differs from " + manifest +
                          " (regenerate: PROMPTBRUSH_WRITE_EXPECTATIONS=1 " +
                          QCoreApplication::applicationFilePath() + ")"));
      // And the binary embeds what is committed.
      QVERIFY2(pb::to_text(*pb::shipped_expectation(p.role)) == text, p.role);
    }
  }

  void published_parameter_totals() {
    // The model cards' numbers (GLIDE README section 5, the unCLIP manifests).
    QCOMPARE(pb::shipped_expectation("base")->parameters, std::int64_t{385030726});
    QCOMPARE(pb::shipped_expectation("upsample-inpaint")->parameters, std::int64_t{398368198});
    QCOMPARE(pb::shipped_expectation("karlo-prior")->parameters, std::int64_t{1022028544});
    QCOMPARE(pb::shipped_expectation("karlo-sr")->parameters, std::int64_t{1383159046});
    // OpenAI's archive is mostly float16: about 890 MiB (933 MB), as published.
    const std::uint64_t clip = pb::estimated_bytes(*pb::shipped_expectation("clip-vit-l-14"));
    QVERIFY2(clip > 900'000'000 && clip < 960'000'000, qPrintable(QString::number(clip)));
  }

  void text_round_trips_and_malformed_text_is_refused() {
    const pb::ModelExpectation& e = *pb::shipped_expectation("karlo-decoder");
    const pb::ModelExpectation back = pb::parse_expectation(pb::to_text(e), "copy");
    QCOMPARE(pb::to_text(back), pb::to_text(e));
    const std::string good = "role\tx\nparameters\t6\ntensor\ta\tfloat32\t[2,3]\n";
    QCOMPARE(pb::parse_expectation(good, "g").tensors.at(0).shape,
             (std::vector<std::int64_t>{2, 3}));
    for (const char* bad : {"role\tx\nparameters\t7\ntensor\ta\tfloat32\t[2,3]\n",
                            "role\tx\nparameters\t6\ntensor\ta\tfloat32\t2,3\n",
                            "role\tx\nparameters\t6\ntensor\ta\tfloat32\t[2,-3]\n",
                            "role\tx\nparameters\t6\nshape\ta\n", "role\tx\n"}) {
      try {
        pb::parse_expectation(bad, "bad.tsv");
        QFAIL(bad);
      } catch (const pb::Error& err) {
        QVERIFY2(QString(err.what()).startsWith("bad.tsv"), err.what());
      }
    }
  }
};

QTEST_GUILESS_MAIN(TestRuntimeModelExpectations)
#include "tst_runtime_model_expectations.moc"
