// promptbrush-cli inpaint and text2im with the fixtures' small GLIDE models, run as a person
// runs them: the mask settings recorded in the PNG, explore (--no-upsample writes each
// candidate's base output) then finish (--finish-from) giving the pixels of the whole run
// with that seed, one base file per window for far-apart strokes, and text2im at a
// non-square size.
// LibTorch headers before Qt's: Qt's "slots" macro breaks ATen's ivalue_inl.h.
#include "engine/pipelines/png_io.h"

#include <QDir>
#include <QImage>
#include <QPainter>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/common/fixtures.h"

namespace {

struct Run {
  int code = -1;
  QString out, err;
};

Run cli(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(PB_CLI), args);
  Run r;
  if (!p.waitForFinished(600000)) {
    p.kill();
    r.err = QStringLiteral("promptbrush-cli did not finish within 10 minutes");
    return r;
  }
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

QString promptbrushChunk(const QString& png) {
  for (const auto& t : pb::pipelines::read_png_text(png.toStdString()))
    if (t.key == "promptbrush") return QString::fromStdString(t.value);
  return {};
}

bool samePixels(const QString& a, const QString& b) {
  const QImage x(a), y(b);
  return !x.isNull() &&
         x.convertToFormat(QImage::Format_RGB888) == y.convertToFormat(QImage::Format_RGB888);
}

}  // namespace

class AppCliGlide : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString models_, image_, mask_, twoMask_;

  bool copy(const QString& fixture, const QString& to) {
    const QString from = pbtest::fixture(fixture);
    QDir().mkpath(QFileInfo(to).absolutePath());
    return !from.isEmpty() && QFile::copy(from, to);
  }

 private slots:
  void initTestCase() {
    models_ = tmp_.filePath("models");
    bool ok = true;
    for (const char* n : {"base-inpaint", "upsample-inpaint", "base", "upsample"}) {
      const QString official = QString(n).replace('-', '_');
      ok = ok && copy(QStringLiteral("glide/small-%1.pt").arg(n), models_ + "/" + official + ".pt");
      ok = ok &&
           copy(QStringLiteral("glide/small-%1.json").arg(n), models_ + "/" + official + ".json");
    }
    ok = ok && copy("tokenizer/encoder.json.gz", models_ + "/encoder.json.gz") &&
         copy("tokenizer/vocab.bpe.gz", models_ + "/vocab.bpe.gz");
    if (!ok) QSKIP("GLIDE fixtures not found");
    QImage img(120, 90, QImage::Format_RGB888);
    for (int y = 0; y < 90; ++y)
      for (int x = 0; x < 120; ++x) img.setPixel(x, y, qRgb(x * 2, y * 2, (x * y) % 256));
    image_ = tmp_.filePath("in.png");
    QVERIFY(img.save(image_));
    QImage mask(120, 90, QImage::Format_Grayscale8);
    mask.fill(0);
    QPainter(&mask).fillRect(50, 30, 20, 20, Qt::white);
    mask_ = tmp_.filePath("mask.png");
    QVERIFY(mask.save(mask_));
    // Far-apart strokes in a larger picture: two windows.
    QImage big(600, 400, QImage::Format_RGB888);
    big.fill(QColor(90, 120, 60));
    QVERIFY(big.save(tmp_.filePath("big.png")));
    QImage two(600, 400, QImage::Format_Grayscale8);
    two.fill(0);
    {
      QPainter p(&two);
      p.fillRect(20, 20, 20, 20, Qt::white);
      p.fillRect(560, 360, 20, 20, Qt::white);
    }
    twoMask_ = tmp_.filePath("two.png");
    QVERIFY(two.save(twoMask_));
  }

  void maskSettingsAreRecorded() {
    const QString out = tmp_.filePath("grown.png");
    const Run r =
        cli({"inpaint",    "--image",   image_, "--mask",           mask_,      "--prompt",
             "a red ball", "--out",     out,    "--models",         models_,    "--seed",
             "3",          "--steps",   "3",    "--upsample-steps", "2",        "--grow",
             "6",          "--feather", "3",    "--colour-match",   "--device", "cpu",
             "--quiet"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QString chunk = promptbrushChunk(out);
    QVERIFY2(chunk.contains("\"mask_grow\":\"6\""), qPrintable(chunk));
    QVERIFY(chunk.contains("\"mask_feather\":\"3\""));
    QVERIFY(chunk.contains("\"colour_match\":\"on\""));
    // Outside the grown region the bytes are the input's.
    const QImage in(image_), got(out);
    QCOMPARE(got.pixel(5, 5), in.pixel(5, 5));
    QCOMPARE(got.pixel(50 - 8, 40), in.pixel(50 - 8, 40));
    QVERIFY(got.pixel(60, 40) != in.pixel(60, 40));
    const Run bad = cli({"inpaint", "--image", image_, "--mask", mask_, "--prompt", "x", "--out",
                         out, "--models", models_, "--feather", "-2"});
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.contains("--feather"), qPrintable(bad.err));
  }

  void exploreThenFinish() {
    const QStringList common{"inpaint", "--image",  image_,       "--mask",
                             mask_,     "--prompt", "a red ball", "--models",
                             models_,   "--steps",  "3",          "--upsample-steps",
                             "2",       "--device", "cpu",        "--quiet"};
    const QString whole = tmp_.filePath("whole.png");
    Run r = cli(common + QStringList{"--seed", "8", "--out", whole});
    QVERIFY2(r.code == 0, qPrintable(r.err));

    const QString explore = tmp_.filePath("explore.png");
    r = cli(common +
            QStringList{"--seed", "7", "--candidates", "2", "--no-upsample", "--out", explore});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QString base2 = tmp_.filePath("explore-2.base.png");
    QVERIFY2(r.out.contains("explore-2.base.png"), qPrintable(r.out));
    QCOMPARE(QImage(base2).size(), QSize(32, 32));  // the small base model's resolution
    QCOMPARE(QImage(tmp_.filePath("explore-2.png")).size(), QSize(120, 90));

    const QString finished = tmp_.filePath("finished.png");
    r = cli(common + QStringList{"--seed", "8", "--finish-from", base2, "--out", finished});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(samePixels(finished, whole), "the finished candidate differs from the whole run");
    QVERIFY(promptbrushChunk(finished).contains("\"finished_from_base\":\"yes\""));

    r = cli(common + QStringList{"--finish-from", base2, "--out", finished});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--seed"), qPrintable(r.err));
  }

  void farApartStrokesWriteABasePerWindow() {
    const QString out = tmp_.filePath("two.png.out.png");
    const Run r = cli({"inpaint", "--image", tmp_.filePath("big.png"), "--mask", twoMask_,
                       "--prompt", "flowers", "--out", out, "--models", models_, "--seed", "1",
                       "--steps", "2", "--no-upsample", "--device", "cpu", "--quiet"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(tmp_.filePath("two.png.out.base-1.png")));
    QVERIFY(QFile::exists(tmp_.filePath("two.png.out.base-2.png")));
    const QString chunk = promptbrushChunk(out);
    QVERIFY2(chunk.contains("\"windows\":\""), qPrintable(chunk));
    QCOMPARE(chunk.count(";"), 1);  // two windows, one separator
  }

  void text2imAtTheCanvasAspect() {
    const QString out = tmp_.filePath("t2i.png");
    const Run r = cli({"text2im", "--prompt", "a lighthouse", "--size", "96x64", "--out", out,
                       "--models", models_, "--seed", "2", "--steps", "3", "--upsample-steps", "2",
                       "--device", "cpu", "--quiet"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(QImage(out).size(), QSize(96, 64));
    const QString chunk = promptbrushChunk(out);
    QVERIFY2(chunk.contains("\"upsample_sampler\":\"DDIM\""), qPrintable(chunk));
    QVERIFY(chunk.contains("\"cfg_scale\":\"3\""));
  }
};

QTEST_GUILESS_MAIN(AppCliGlide)
#include "tst_app_cli_glide.moc"
