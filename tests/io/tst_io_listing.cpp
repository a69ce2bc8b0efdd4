// list_tensors (metadata only, for verifying downloads) against load_checkpoint: the same
// names, order, dtypes, shapes and format for every container the published files use,
// the same refusal for a truncated file, and no tensor data read.
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch headers.
#include <torch/types.h>

#include <sys/resource.h>

#include <filesystem>
#include <fstream>

#include "engine/core/error.h"
#include "engine/io/checkpoint.h"
#include "engine/io/inspect.h"
#include "engine/io/tensor_listing.h"

#include <QTemporaryDir>
#include <QtTest>

#include "tests/common/fixtures.h"

namespace {

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

void expect_same_index(const std::string& path) {
  const pb::io::Checkpoint ck = pb::io::load_checkpoint(path);
  const pb::io::TensorListing l = pb::io::list_tensors(path);
  QCOMPARE(QString::fromStdString(l.format), QString(pb::io::to_string(ck.format)));
  QCOMPARE(l.file_bytes, std::filesystem::file_size(path));
  QCOMPARE(l.tensors.size(), ck.tensors.size());
  QVERIFY(!l.tensors.empty());
  for (std::size_t i = 0; i < l.tensors.size(); ++i) {
    const auto& [name, t] = ck.tensors[i];
    QCOMPARE(QString::fromStdString(l.tensors[i].name), QString::fromStdString(name));
    QCOMPARE(QString::fromStdString(l.tensors[i].dtype),
             QString(pb::io::dtype_name(t.scalar_type())));
    QVERIFY2(l.tensors[i].shape == std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()),
             name.c_str());
    QCOMPARE(l.tensors[i].numel(), t.numel());
  }
  QVERIFY(l.metadata == ck.metadata);
}

}  // namespace

class TestIoListing : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void every_container_lists_as_it_loads_data() {
    const char* files[] = {
        "glide/small-base-inpaint.pt",          "glide/small-base-inpaint.legacy.pt",
        "glide/small-base-inpaint.safetensors", "unclip/decoder_small.ckpt",
        "unclip/clip_small.torchscript.pt",     "unclip/prior_small_clip_stats.th"};
    for (const char* rel : files) {
      PB_REQUIRE_FIXTURE(path, rel);
      expect_same_index(path.toStdString());
      if (QTest::currentTestFailed()) QFAIL(rel);
    }
  }

  void lightning_container_names_its_state_dict() {
    PB_REQUIRE_FIXTURE(path, "unclip/sr_small.ckpt");
    const pb::io::TensorListing l = pb::io::list_tensors(path.toStdString());
    QVERIFY(!l.tensors.empty());
    for (const auto& t : l.tensors)
      QVERIFY2(
          t.name.rfind("model_first_steps.", 0) == 0 || t.name.rfind("model_last_step.", 0) == 0,
          t.name.c_str());
  }

  // No tensor is allocated or read: an 8 GiB tensor (a sparse file) lists within a few
  // MiB of memory, where loading it would take 8 GiB.
  void tensor_data_is_not_read() {
    const std::string path = dir_.filePath("huge.safetensors").toStdString();
    const std::uint64_t n = std::uint64_t{1} << 31;  // float32 elements
    std::string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + std::to_string(n) +
                         "],\"data_offsets\":[0," + std::to_string(4 * n) + "]}}";
    {
      std::ofstream out(path, std::ios::binary);
      for (int i = 0; i < 8; ++i) out.put(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
      out << header;
    }
    std::filesystem::resize_file(path, 8 + header.size() + 4 * n);
    const long before = peak_rss_kib();
    const pb::io::TensorListing l = pb::io::list_tensors(path);
    QCOMPARE(l.tensors.size(), std::size_t{1});
    QCOMPARE(l.tensors[0].numel(), std::int64_t(n));
    QCOMPARE(QString::fromStdString(l.format), QString("safetensors"));
    QVERIFY2(peak_rss_kib() - before < 256 * 1024,
             qPrintable(QString("peak RSS grew by %1 KiB").arg(peak_rss_kib() - before)));
  }

  void truncated_fixture_refused_naming_the_file() {
    PB_REQUIRE_FIXTURE(src, "unclip/decoder_small.ckpt");
    for (double fraction : {0.5, 0.99}) {
      const QString cut = dir_.filePath("cut.ckpt");
      QFile::remove(cut);
      QVERIFY(QFile::copy(src, cut));
      QFile::setPermissions(cut, QFile::ReadOwner | QFile::WriteOwner);  // fixtures are read-only
      std::filesystem::resize_file(cut.toStdString(),
                                   std::uintmax_t(double(QFileInfo(src).size()) * fraction));
      try {
        pb::io::list_tensors(cut.toStdString());
        QFAIL("a truncated file listed");
      } catch (const pb::Error& e) {
        QVERIFY2(QString(e.what()).contains(cut), e.what());
      }
    }
  }

  void missing_file_is_file_not_found() {
    try {
      pb::io::list_tensors(dir_.filePath("absent.pt").toStdString());
      QFAIL("listed a missing file");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::file_not_found);
    }
  }
};

QTEST_GUILESS_MAIN(TestIoListing)
#include "tst_io_listing.moc"
