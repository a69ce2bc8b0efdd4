// Verifying model files from their index: the small fixture models against expectations
// built from their own json (verified), another model's file (wrong, naming the key and
// the shapes), truncated and garbage files (unreadable), absent ones (missing); the
// tokenizer vocabularies and CLIP statistics; the cache by path, size and time.
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch headers.
#include <torch/types.h>

#include <sys/stat.h>
#include <fcntl.h>

#include <filesystem>
#include <fstream>

#include "engine/io/checkpoint_writer.h"
#include "engine/io/safetensors_writer.h"
#include "engine/io/tensor_listing.h"
#include "engine/runtime/model_verify.h"

#include <QTemporaryDir>
#include <QtTest>

#include "tests/common/fixtures.h"
#include "tests/runtime/expectation_json.h"

using pb::VerifyStatus;

namespace {

pb::ModelExpectation small_glide(const char* name) {
  const QString json = pbtest::fixture(QString("glide/%1.json").arg(name));
  return pbtest::expectation_from_manifest(json, name, std::string(name) + ".pt", "fixture");
}

// An expectation from another container of the same weights (the unCLIP small models
// have no key list of their own; their .safetensors were written independently by Python).
pb::ModelExpectation from_listing(const std::string& path, const std::string& role) {
  pb::ModelExpectation e;
  e.role = role;
  for (const auto& t : pb::io::list_tensors(path).tensors) {
    e.tensors.push_back({t.name, t.dtype, t.shape});
    e.parameters += t.numel();
  }
  return e;
}

void copy_truncated(const QString& from, const QString& to, double fraction) {
  QFile::remove(to);
  QVERIFY(QFile::copy(from, to));
  QFile::setPermissions(to, QFile::ReadOwner | QFile::WriteOwner);
  std::filesystem::resize_file(to.toStdString(),
                               std::uintmax_t(double(QFileInfo(from).size()) * fraction));
}

QString text(const pb::VerifyResult& r) { return QString::fromStdString(r.summary); }

}  // namespace

class TestRuntimeModelVerify : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path(const char* name) { return dir_.filePath(name); }

 private slots:
  void init() { pb::clear_verify_cache(); }

  void small_glide_models_verify_in_every_container() {
    PB_REQUIRE_FIXTURE(zip, "glide/small-base-inpaint.pt");
    PB_REQUIRE_FIXTURE(legacy, "glide/small-base-inpaint.legacy.pt");
    PB_REQUIRE_FIXTURE(st, "glide/small-base-inpaint.safetensors");
    const pb::ModelExpectation e = small_glide("small-base-inpaint");
    QVERIFY(e.tensors.size() > 100);
    for (const QString& f : {zip, legacy, st}) {
      const pb::VerifyResult r = pb::verify_checkpoint(f.toStdString(), e);
      QVERIFY2(r.status == VerifyStatus::verified, qPrintable(f + ": " + text(r)));
      QVERIFY2(text(r).contains(QString::number(e.tensors.size()) + " tensors"),
               qPrintable(text(r)));
      QCOMPARE(r.bytes, std::uint64_t(QFileInfo(f).size()));
    }
  }

  void another_model_is_wrong_naming_key_and_shapes() {
    PB_REQUIRE_FIXTURE(base, "glide/small-base.pt");
    // The inpainting model's first convolution takes 7 channels (image, mask, masked image).
    const pb::VerifyResult r =
        pb::verify_checkpoint(base.toStdString(), small_glide("small-base-inpaint"));
    QCOMPARE(r.status, VerifyStatus::wrong);
    QVERIFY2(
        text(r).contains("input_blocks.0.0.weight: expected [32, 7, 3, 3], found [32, 3, 3, 3]"),
        qPrintable(text(r)));
    PB_REQUIRE_FIXTURE(up, "glide/small-upsample.pt");
    const pb::VerifyResult u = pb::verify_checkpoint(up.toStdString(), small_glide("small-base"));
    QCOMPARE(u.status, VerifyStatus::wrong);
    // The upsampler's first convolution takes the noisy image and the low-resolution one.
    QVERIFY2(QString::fromStdString(u.detail())
                 .contains("input_blocks.0.0.weight: expected [32, 3, 3, 3], found [32, 6, 3, 3]"),
             qPrintable(QString::fromStdString(u.detail())));
  }

  void missing_unexpected_and_dtype_problems_are_named() {
    const std::string p = path("few.safetensors").toStdString();
    pb::io::save_safetensors(p, {{"a", torch::zeros({2, 3})},
                                 {"b", torch::zeros({4}, torch::kLong)},
                                 {"extra", torch::zeros({1})}});
    pb::ModelExpectation e;
    e.role = "t";
    e.tensors = {{"a", "float16", {2, 3}}, {"b", "float32", {4}}, {"c", "float32", {5}}};
    e.parameters = 15;
    const pb::VerifyResult r = pb::verify_checkpoint(p, e);
    QCOMPARE(r.status, VerifyStatus::wrong);
    const QString d = QString::fromStdString(r.detail());
    QVERIFY2(!d.contains("a:"), qPrintable(d));  // float32 stands in for float16
    QVERIFY2(d.contains("b: expected dtype float32, found int64"), qPrintable(d));
    QVERIFY2(d.contains("missing key c"), qPrintable(d));
    QVERIFY2(d.contains("unexpected key extra [1]"), qPrintable(d));
    QVERIFY2(text(r).contains("1 missing, 1 unexpected, 1 wrong shape or dtype"),
             qPrintable(text(r)));
    e.ignored = {"extra"};
    e.tensors = {{"a", "float32", {2, 3}}, {"b", "int64", {4}}};
    e.parameters = 10;
    QCOMPARE(pb::verify_checkpoint(p, e).status, VerifyStatus::verified);
  }

  void truncated_and_garbage_files_are_unreadable() {
    PB_REQUIRE_FIXTURE(src, "unclip/decoder_small.ckpt");
    PB_REQUIRE_FIXTURE(st, "unclip/decoder_small.safetensors");
    const pb::ModelExpectation e = from_listing(st.toStdString(), "decoder-small");
    QCOMPARE(pb::verify_checkpoint(src.toStdString(), e).status, VerifyStatus::verified);
    for (double fraction : {0.0, 0.3, 0.999}) {
      copy_truncated(src, path("cut.ckpt"), fraction);
      const pb::VerifyResult r = pb::verify_checkpoint(path("cut.ckpt").toStdString(), e);
      QVERIFY2(r.status == VerifyStatus::unreadable, qPrintable(text(r)));
      QVERIFY2(text(r).contains("truncated"), qPrintable(text(r)));
    }
    copy_truncated(st, path("cut.safetensors"), 0.9);
    QCOMPARE(pb::verify_checkpoint(path("cut.safetensors").toStdString(), e).status,
             VerifyStatus::unreadable);
    QFile html(path("page.ckpt"));  // what a proxy's error page saved as the file looks like
    QVERIFY(html.open(QIODevice::WriteOnly));
    html.write("<html><body>403 Forbidden</body></html>\n");
    html.close();
    QCOMPARE(pb::verify_checkpoint(path("page.ckpt").toStdString(), e).status,
             VerifyStatus::unreadable);
    QCOMPARE(pb::verify_checkpoint(path("absent.ckpt").toStdString(), e).status,
             VerifyStatus::missing);
  }

  void torchscript_clip_with_its_scalar_keys() {
    PB_REQUIRE_FIXTURE(ts, "unclip/clip_small.torchscript.pt");
    PB_REQUIRE_FIXTURE(sd, "unclip/clip_small.state_dict.pt");
    pb::ModelExpectation e = from_listing(sd.toStdString(), "clip-small");
    e.ignored = pb::shipped_expectation("clip-vit-l-14")->ignored;
    const pb::VerifyResult r = pb::verify_checkpoint(ts.toStdString(), e);
    QVERIFY2(r.ok(), qPrintable(QString::fromStdString(r.detail())));
    QVERIFY2(text(r).contains("torchscript"), qPrintable(text(r)));
    // The real CLIP's expectation against the small one: wrong, with a shape.
    const pb::VerifyResult big =
        pb::verify_checkpoint(ts.toStdString(), *pb::shipped_expectation("clip-vit-l-14"));
    QCOMPARE(big.status, VerifyStatus::wrong);
    QVERIFY2(text(big).contains("expected [77, 768], found"), qPrintable(text(big)));
  }

  void shipped_expectations_refuse_the_small_models() {
    PB_REQUIRE_FIXTURE(base, "glide/small-base.pt");
    const pb::VerifyResult r =
        pb::verify_model_file(*pb::find_model_file("base"), base.toStdString());
    QCOMPARE(r.status, VerifyStatus::wrong);
    QVERIFY2(text(r).startsWith("positional_embedding: expected [128, 512], found [16, 4]"),
             qPrintable(text(r)));
  }

  void clip_statistics() {
    const pb::ModelFile& stats = *pb::find_model_file("clip-stats");
    pb::io::save_torch_zip(path("stats.th").toStdString(),
                           {{"0", torch::zeros({1, 768})}, {"1", torch::ones({1, 768})}});
    QCOMPARE(pb::verify_model_file(stats, path("stats.th").toStdString()).status,
             VerifyStatus::verified);
    PB_REQUIRE_FIXTURE(small, "unclip/prior_small_clip_stats.th");
    const pb::VerifyResult r = pb::verify_model_file(stats, small.toStdString());
    QCOMPARE(r.status, VerifyStatus::wrong);
    QVERIFY2(text(r).contains("768"), qPrintable(text(r)));
  }

  void tokenizer_vocabularies() {
    for (const char* role : {"glide-vocab", "glide-merges", "clip-vocab"}) {
      const pb::ModelFile& f = *pb::find_model_file(role);
      PB_REQUIRE_FIXTURE(src, QString::fromStdString("tokenizer/" + f.name));
      const pb::VerifyResult ok = pb::verify_model_file(f, src.toStdString());
      QVERIFY2(ok.ok(), qPrintable(QString(role) + ": " + text(ok)));
      copy_truncated(src, path("cut.gz"), 0.5);
      const pb::VerifyResult cut = pb::verify_model_file(f, path("cut.gz").toStdString());
      QCOMPARE(cut.status, VerifyStatus::wrong);
      QVERIFY2(text(cut).contains("truncated"), qPrintable(text(cut)));
      // Right size, damaged content: the gzip check catches it.
      QFile::remove(path("bad.gz"));
      QVERIFY(QFile::copy(src, path("bad.gz")));
      QFile::setPermissions(path("bad.gz"), QFile::ReadOwner | QFile::WriteOwner);
      {
        std::fstream io(path("bad.gz").toStdString(),
                        std::ios::in | std::ios::out | std::ios::binary);
        io.seekp(std::streamoff(f.bytes / 2));
        io.write("\xde\xad\xbe\xef\xde\xad\xbe\xef", 8);
      }
      QCOMPARE(pb::verify_model_file(f, path("bad.gz").toStdString()).status,
               VerifyStatus::unreadable);
    }
  }

  void folder_results_cached_by_size_and_time() {
    PB_REQUIRE_FIXTURE(src, "tokenizer/vocab.bpe.gz");
    QTemporaryDir models;
    const QString dest = QDir(models.path()).filePath("vocab.bpe.gz");
    QVERIFY(QFile::copy(src, dest));
    QFile::setPermissions(dest, QFile::ReadOwner | QFile::WriteOwner);
    const pb::ModelFile& f = *pb::find_model_file("glide-merges");
    const std::string dir = models.path().toStdString();
    QCOMPARE(pb::verify_in_folder(dir, f).status, VerifyStatus::verified);
    struct stat before {};
    QCOMPARE(::stat(dest.toLocal8Bit().constData(), &before), 0);
    {
      std::fstream io(dest.toStdString(), std::ios::in | std::ios::out | std::ios::binary);
      io.seekp(1000);
      io.write("\xde\xad\xbe\xef\xde\xad\xbe\xef", 8);
    }
    // Same size, same time: the cached verdict (no second read).
    struct timespec times[2] = {before.st_atim, before.st_mtim};
    QCOMPARE(::utimensat(AT_FDCWD, dest.toLocal8Bit().constData(), times, 0), 0);
    QCOMPARE(pb::verify_in_folder(dir, f).status, VerifyStatus::verified);
    // A newer modification time: checked again.
    times[1].tv_sec += 10;
    QCOMPARE(::utimensat(AT_FDCWD, dest.toLocal8Bit().constData(), times, 0), 0);
    QCOMPARE(pb::verify_in_folder(dir, f).status, VerifyStatus::unreadable);
    QFile::remove(dest);
    QCOMPARE(pb::verify_in_folder(dir, f).status, VerifyStatus::missing);
  }

  void sizes_read_as_people_write_them() {
    QCOMPARE(QString::fromStdString(pb::human_bytes(348346)), QString("348 kB"));
    QCOMPARE(QString::fromStdString(pb::human_bytes(1540000000)), QString("1.54 GB"));
    QCOMPARE(QString::fromStdString(pb::human_bytes(12)), QString("12 bytes"));
  }
};

QTEST_GUILESS_MAIN(TestRuntimeModelVerify)
#include "tst_runtime_model_verify.moc"
