// Image files within limits: the size every format's header declares is read before
// decoding (checked against files OpenCV writes), a small file declaring a huge image is
// refused with the size and the limit, and PNG text chunks cannot inflate without bound.
#include <sys/resource.h>

#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "engine/core/error.h"
#include "engine/pipelines/image_convert.h"
#include "engine/pipelines/image_header.h"
#include "engine/pipelines/png_io.h"
#include "tests/common/png_bytes.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace pb;
using namespace pb::pipelines;

namespace {

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string le(std::uint32_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return s;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace

class PipelinesImageLimits : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path(const std::string& name) { return dir_.filePath(name.c_str()).toStdString(); }

  // The error of reading `bytes` as an image (must fail) .
  QString image_error(const std::string& name, const std::string& bytes) {
    write_all(path(name), bytes);
    try {
      read_image_rgb(path(name));
      return "<accepted>";
    } catch (const Error& e) {
      return QString::fromStdString(e.what());
    }
  }

 private slots:
  void header_sizes_of_real_files() {
    cv::Mat img(23, 37, CV_8UC3, cv::Scalar(10, 200, 30));
    for (const char* ext : {".png", ".jpg", ".webp", ".tiff", ".bmp"}) {
      const std::string p = path(std::string("real") + ext);
      QVERIFY(cv::imwrite(p, img));
      const ImageHeader h = check_image_header(p);
      QCOMPARE(h.width, std::int64_t(37));
      QCOMPARE(h.height, std::int64_t(23));
      const Image back = read_image_rgb(p);
      QCOMPARE(back.width, 37);
      QCOMPARE(back.height, 23);
    }
    // Lossless WebP (VP8L) and a grey PNG too.
    const std::string lossless = path("lossless.webp");
    QVERIFY(cv::imwrite(lossless, img, {cv::IMWRITE_WEBP_QUALITY, 101}));
    QCOMPARE(check_image_header(lossless).width, std::int64_t(37));
    QCOMPARE(check_image_header(lossless).height, std::int64_t(23));
  }

  void huge_declared_sizes_refused_before_decoding() {
    const double before = peak_rss_mib();
    // PNG 30000 x 30000 (900 megapixels) in 60 bytes.
    QString msg =
        image_error("huge.png", pbtest::tiny_png().replace(0, 33, pbtest::png_head(30000, 30000)));
    QVERIFY2(msg.contains("30000x30000") && msg.contains("64 megapixels"), qPrintable(msg));
    QVERIFY(msg.contains("huge.png"));
    // JPEG: SOI, an APP0 segment, then a frame header of 40000 x 100.
    msg =
        image_error("huge.jpg", std::string("\xFF\xD8\xFF\xE0\x00\x04xx\xFF\xC0\x00\x11\x08", 13) +
                                    std::string("\x00\x64\x9C\x40", 4) + std::string(12, '\0'));
    QVERIFY2(msg.contains("40000x100") && msg.contains("32768 pixels a side"), qPrintable(msg));
    // WebP VP8X canvas 20000 x 20000.
    msg = image_error("huge.webp", "RIFF" + le(30, 4) + "WEBPVP8X" + le(10, 4) + le(0, 4) +
                                       le(19999, 3) + le(19999, 3));
    QVERIFY2(msg.contains("20000x20000"), qPrintable(msg));
    // BMP 10000 x -10000 (top-down).
    msg = image_error("huge.bmp", "BM" + le(0, 4) + le(0, 4) + le(54, 4) + le(40, 4) +
                                      le(10000, 4) + le(static_cast<std::uint32_t>(-10000), 4) +
                                      std::string(28, '\0'));
    QVERIFY2(msg.contains("10000x10000"), qPrintable(msg));
    // TIFF 9000 x 9000 (long values).
    msg = image_error("huge.tiff", std::string("II*\0", 4) + le(8, 4) + le(2, 2) + le(256, 2) +
                                       le(4, 2) + le(1, 4) + le(9000, 4) + le(257, 2) + le(4, 2) +
                                       le(1, 4) + le(9000, 4) + le(0, 4));
    QVERIFY2(msg.contains("9000x9000"), qPrintable(msg));
    // TIFF 16 x 2 whose RowsPerStrip (7682) and a duplicate, larger ImageWidth make OpenCV
    // allocate 1 GB (found by fuzz_image): the first ImageWidth counts, as in libtiff.
    auto tag = [&](std::uint32_t t, std::uint32_t type, std::uint32_t v) {
      return le(t, 2) + le(type, 2) + le(1, 4) + le(v, 4);
    };
    msg = image_error("strips.tiff", std::string("II*\0", 4) + le(8, 4) + le(5, 2) +
                                         tag(256, 3, 32778) + tag(257, 3, 2) + tag(258, 3, 32) +
                                         tag(278, 3, 7682) + tag(256, 4, 16) + le(0, 4));
    QVERIFY2(msg.contains("decoding buffer of 1007202384 bytes"), qPrintable(msg));
    QVERIFY(peak_rss_mib() - before < 64);  // nothing was decoded
    // Masks go through the same check.
    QVERIFY_THROWS_EXCEPTION(Error, read_mask(path("huge.png")));
    // Not one of the five formats: refused, not handed to OpenCV's other decoders.
    msg = image_error("image.pgm", "P5\n2 2\n255\n\x01\x02\x03\x04");
    QVERIFY2(msg.contains("not a PNG, JPEG, WebP, TIFF or BMP"), qPrintable(msg));
  }

  void lying_chunk_lengths_refused() {
    // 41 bytes: IHDR, then a text chunk header claiming 1.7 GB, which libpng would allocate
    // before finding the file short (found by fuzz_image and fuzz_png_text).
    std::string bytes = pbtest::png_head(1, 1);
    pbtest::put_be(bytes, 0x65200000u);
    bytes += "tEXt";
    const double before = peak_rss_mib();
    const QString msg = image_error("lying.png", bytes);
    QVERIFY2(msg.contains("claims 1696595968 bytes, more than the file holds"), qPrintable(msg));
    QVERIFY_THROWS_EXCEPTION(Error, read_png_text(path("lying.png")));
    QVERIFY(peak_rss_mib() - before < 64);
  }

  void png_text_bombs_are_bounded() {
    // 40 zTXt chunks of 64 MB each when inflated (2.5 GB), ~60 KB each in the file.
    // Our own chunks come first in what we write; the bombs follow.
    const std::string extra = pbtest::png_chunk("tEXt", std::string("parameters\0a cat", 16)) +
                              pbtest::ztxt_bombs(40, 64u << 20);
    write_all(path("bomb.png"), pbtest::tiny_png(extra));
    const double before = peak_rss_mib();
    const std::vector<PngText> texts = read_png_text(path("bomb.png"));
    qInfo("peak RSS grew by %.0f MiB reading %zu chunks", peak_rss_mib() - before, texts.size());
    QVERIFY(peak_rss_mib() - before < 256);
    bool found = false;
    for (const auto& t : texts) {
      QVERIFY(t.value.size() <= (4u << 20));
      found |= t.key == "parameters" && t.value == "a cat";
    }
    QVERIFY(found);                                       // the honest chunk is still read
    QCOMPARE(read_image_rgb(path("bomb.png")).width, 1);  // OpenCV's libpng inflates none
    // An ICC profile of 256 MB zeros (256 KB in the file).
    write_all(path("iccp.png"), pbtest::tiny_png(pbtest::iccp_bomb(256u << 20)));
    try {
      read_image_rgb(path("iccp.png"));
    } catch (const Error&) {
    }
    qInfo("peak RSS grew by %.0f MiB after decoding", peak_rss_mib() - before);
    QVERIFY(peak_rss_mib() - before < 256);
  }
};

QTEST_GUILESS_MAIN(PipelinesImageLimits)
#include "tst_pipelines_image_limits.moc"
