// The `parameters` text other diffusion tools read and write, and our `promptbrush` chunk.
#include <QBuffer>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/resource.h>

#include "tests/common/png_bytes.h"
#include "ui/document/document.h"
#include "ui/document/image_file.h"
#include "ui/document/png_metadata.h"

namespace {

QByteArray encodePng(const QImage& image) {
  QByteArray data;
  QBuffer buffer(&data);
  buffer.open(QIODevice::WriteOnly);
  QImageWriter(&buffer, "png").write(image);
  return data;
}

double peakRssMib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

void writeFile(const QString& path, const std::string& bytes) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(bytes.data(), qint64(bytes.size()));
}

// "key=value, ..." of text chunks, for failure messages.
QString describe(const QList<QPair<QString, QString>>& chunks) {
  QStringList parts;
  for (const auto& [key, value] : chunks) parts << key + '=' + value;
  return parts.join(QStringLiteral(", "));
}

QImage smallImage() {
  QImage image(8, 6, QImage::Format_RGB32);
  image.fill(QColor(10, 20, 30));
  return image;
}

}  // namespace

class TestPngMetadata : public QObject {
  Q_OBJECT

 private slots:
  void formatsTheCommonLayout() {
    QJsonObject p{{"prompt", "a photo of a cat"},
                  {"negative_prompt", "blurry"},
                  {"steps", 50},
                  {"sampler", "DDIM"},
                  {"cfg_scale", 5.5},
                  {"seed", 42},
                  {"width", 256},
                  {"height", 192},
                  {"model", "base-inpaint"}};
    QCOMPARE(formatParametersText(p),
             QStringLiteral("a photo of a cat\nNegative prompt: blurry\n"
                            "Steps: 50, Sampler: DDIM, CFG scale: 5.5, Seed: 42, Size: 256x192, "
                            "Model: base-inpaint"));
  }

  void roundTripsKnownAndExtraKeys() {
    QJsonObject p{{"prompt", "line one\nline two, with: punctuation"},
                  {"steps", 27},
                  {"sampler", "Euler a"},
                  {"cfg_scale", 3},
                  {"seed", QJsonValue(qint64(9007199254740993LL))},  // above 2^53: stays exact
                  {"width", 64},
                  {"height", 64},
                  {"model", "base"},
                  {"model_hash", "ab12cd34"},
                  {"mode", "inpaint"},
                  {"mask_window", "0,0,64,64"},
                  {"t", 0.25},
                  {"upsample", true}};
    const QString text = formatParametersText(p);
    QVERIFY2(text.contains(QStringLiteral("Mask window: \"0,0,64,64\"")), qPrintable(text));
    const QJsonObject back = parseParametersText(text);
    QCOMPARE(back, p);
    QCOMPARE(back.value("seed").toInteger(), 9007199254740993LL);
  }

  void parsesTextWrittenByOtherTools() {
    const QString text = QStringLiteral(
        "masterpiece, a castle\non a hill\nNegative prompt: lowres, bad anatomy\n"
        "Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234567890, Size: 512x768, "
        "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: \"a: 1, b: 2\", "
        "Version: v1.6.0");
    const QJsonObject p = parseParametersText(text);
    QCOMPARE(p.value("prompt").toString(), QStringLiteral("masterpiece, a castle\non a hill"));
    QCOMPARE(p.value("negative_prompt").toString(), QStringLiteral("lowres, bad anatomy"));
    QCOMPARE(p.value("steps").toInt(), 20);
    QCOMPARE(p.value("sampler").toString(), QStringLiteral("DPM++ 2M Karras"));
    QCOMPARE(p.value("cfg_scale").toDouble(), 7.0);
    QCOMPARE(p.value("seed").toInteger(), 1234567890LL);
    QCOMPARE(p.value("width").toInt(), 512);
    QCOMPARE(p.value("height").toInt(), 768);
    QCOMPARE(p.value("model_hash").toString(), QStringLiteral("6ce0161689"));
    QCOMPARE(p.value("model").toString(), QStringLiteral("v1-5-pruned-emaonly"));
    QCOMPARE(p.value("lora_hashes").toString(), QStringLiteral("a: 1, b: 2"));
    QCOMPARE(p.value("version").toString(), QStringLiteral("v1.6.0"));
  }

  void promptWithoutParametersLine() {
    const QJsonObject p = parseParametersText(QStringLiteral("just a prompt: with a colon"));
    QCOMPARE(p.value("prompt").toString(), QStringLiteral("just a prompt: with a colon"));
    QVERIFY(!p.contains("steps"));
    QVERIFY(parseParametersText(QString()).isEmpty());
  }

  void promptbrushChunkRoundTrip() {
    QJsonArray applied{QJsonObject{{"prompt", "a"}, {"seeds", QJsonArray{1, 2, 3}}},
                       QJsonObject{{"prompt", "b"}, {"t", 0.5}}};
    QCOMPARE(parsePromptbrushChunk(formatPromptbrushChunk(applied)), applied);
    QVERIFY(parsePromptbrushChunk(QStringLiteral("{not json")).isEmpty());
    // The command-line tool's flat object.
    const QJsonArray cli = parsePromptbrushChunk(
        QStringLiteral(R"({"prompt":"42","steps":"50","seed":"7","cfg_scale":"3.5","model":"base",)"
                       R"("window":{"x":0,"y":0,"width":64,"height":64}})"));
    QCOMPARE(cli.size(), 1);
    const QJsonObject c = cli.at(0).toObject();
    QCOMPARE(c.value("prompt").toString(), QStringLiteral("42"));
    QCOMPARE(c.value("steps").toInt(), 50);
    QCOMPARE(c.value("seed").toInteger(), 7);
    QCOMPARE(c.value("cfg_scale").toDouble(), 3.5);
    QCOMPARE(c.value("window").toObject().value("width").toInt(), 64);
    QVERIFY(parsePromptbrushChunk(QStringLiteral("[1,2]")).isEmpty());
  }

  void insertsLatin1AsTextAndUnicodeAsItxt() {
    const QString latin = QStringLiteral("a caf\u00e9\nSteps: 10, Sampler: DDIM");
    const QString unicode = QStringLiteral("{\"prompt\":\"\u732b \u2014 cat\"}");
    const QByteArray png = insertPngTextChunks(encodePng(smallImage()),
                                               {{"parameters", latin}, {"promptbrush", unicode}});
    QVERIFY(!png.isEmpty());
    QVERIFY(png.contains("tEXtparameters"));
    QVERIFY(png.contains("iTXtpromptbrush"));
    // Before the image data, so that readers find them without decoding the image.
    QVERIFY(png.indexOf("tEXtparameters") < png.indexOf("IDAT"));

    QBuffer buffer;
    buffer.setData(png);
    QImageReader reader(&buffer, "png");
    QCOMPARE(reader.text("promptbrush"), unicode);  // other PNG readers see it too
    const QImage decoded = reader.read();
    QCOMPARE(decoded.convertToFormat(QImage::Format_RGB32), smallImage());  // CRCs are valid

    QTemporaryDir dir;
    const QString path = dir.filePath("t.png");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(png);
    f.close();
    const auto chunks = readPngTextChunks(path);
    QCOMPARE(chunks.size(), 2);
    QCOMPARE(pngTextValue(chunks, "parameters"), latin);  // with its line break
    QCOMPARE(pngTextValue(chunks, "promptbrush"), unicode);
    QVERIFY(pngTextValue(chunks, "absent").isEmpty());
  }

  void readsCompressedText() {
    // Qt writes long text as zTXt (and non-Latin-1 long text as compressed iTXt).
    QTemporaryDir dir;
    const QString path = dir.filePath("z.png");
    QImage image = smallImage();
    const QString longLatin = QStringLiteral("line one\n") + QString(300, QLatin1Char('x'));
    const QString longUnicode = QStringLiteral("\u732b\n") + QString(300, QChar(0x732b));
    image.setText("parameters", longLatin);
    image.setText("promptbrush", longUnicode);
    QVERIFY(image.save(path));
    const auto chunks = readPngTextChunks(path);
    QCOMPARE(pngTextValue(chunks, "parameters"), longLatin);
    QCOMPARE(pngTextValue(chunks, "promptbrush"), longUnicode);
  }

  // A damaged text chunk is skipped and the intact ones around it are still read; a chunk
  // that claims more bytes than the file holds ends the walk with what came before it.
  void damagedChunksAreSkipped() {
    using Chunks = QList<QPair<QString, QString>>;
    const std::string before = pbtest::png_chunk("tEXt", std::string("parameters\0a cat", 16));
    const std::string after = pbtest::png_chunk("tEXt", std::string("promptbrush\0{}", 14));
    const auto readBack = [](const std::string& bytes) {
      QTemporaryDir dir;
      const QString path = dir.filePath("d.png");
      writeFile(path, bytes);
      return readPngTextChunks(path);
    };
    const Chunks both{{"parameters", "a cat"}, {"promptbrush", "{}"}};
    QCOMPARE(readBack(pbtest::tiny_png(before + after)), both);  // the undamaged file
    const struct {
      const char* what;
      std::string chunk;
    } damaged[] = {
        {"zTXt that does not inflate",
         pbtest::png_chunk("zTXt", std::string("comment\0\0not zlib", 17))},
        {"zTXt without its method byte", pbtest::png_chunk("zTXt", std::string("k\0", 2))},
        {"iTXt without its language tag",
         pbtest::png_chunk("iTXt", std::string("comment\0\0\0no terminator", 23))},
        {"compressed iTXt that does not inflate",
         pbtest::png_chunk("iTXt", std::string("comment\0\1\0\0\0not zlib", 20))},
        {"tEXt without a keyword", pbtest::png_chunk("tEXt", std::string("\0orphan text", 12))},
        {"tEXt without the keyword's terminator", pbtest::png_chunk("tEXt", "no terminator")},
    };
    for (const auto& d : damaged) {
      const Chunks got = readBack(pbtest::tiny_png(before + d.chunk + after));
      QVERIFY2(got == both,
               qPrintable(QStringLiteral("%1: read back [%2]").arg(d.what, describe(got))));
    }
    // Claims 2^31 - 1 bytes: nothing after it can be found; what came before is kept.
    std::string lying;
    pbtest::put_be(lying, 0x7fffffffu);
    lying += "tEXtkey";
    QCOMPARE(readBack(pbtest::png_head(1, 1) + before + lying + after),
             Chunks({{"parameters", "a cat"}}));
    // The file ends inside the second chunk's header, then inside its data.
    const std::string whole = pbtest::png_head(1, 1) + before + after;
    QCOMPARE(readBack(whole.substr(0, whole.size() - after.size() + 7)),
             Chunks({{"parameters", "a cat"}}));
    QCOMPARE(readBack(whole.substr(0, whole.size() - 6)), Chunks({{"parameters", "a cat"}}));
    // Cut inside the first chunk: nothing is read, and the file is still not an error.
    QCOMPARE(readBack(whole.substr(0, 40)), Chunks());
  }

  void rejectsWhatIsNotPng() {
    QVERIFY(insertPngTextChunks(QByteArray("not a png"), {{"k", "v"}}).isEmpty());
    QVERIFY(insertPngTextChunks(QByteArray(), {{"k", "v"}}).isEmpty());
    QVERIFY(readPngTextChunks(QStringLiteral("/nonexistent/x.png")).isEmpty());
  }

  // zTXt bombs (64 MB of text each, ~60 KB in the file): neither our chunk reader nor Qt's
  // decoder inflates them; the honest chunk is still read and the image opens.
  void textBombsAreBounded() {
    QTemporaryDir dir;
    const QString path = dir.filePath("bomb.png");
    // Our own chunks come first in what we write; the bombs follow.
    const std::string extra = pbtest::png_chunk("tEXt", std::string("parameters\0a cat", 16)) +
                              pbtest::ztxt_bombs(40, 64u << 20);
    writeFile(path, pbtest::tiny_png(extra));
    const double before = peakRssMib();
    const auto chunks = readPngTextChunks(path);
    QCOMPARE(pngTextValue(chunks, "parameters"), QString("a cat"));
    for (const auto& c : chunks) QVERIFY(c.second.size() <= (8 << 20));
    QString error;
    const QImage image = readImageFile(path, &error);
    QVERIFY2(!image.isNull(), qPrintable(error));
    QCOMPARE(image.size(), QSize(1, 1));
    Document doc;
    QVERIFY2(doc.load(path, &error), qPrintable(error));
    qInfo("peak RSS grew by %.0f MiB", peakRssMib() - before);
    qInfo("peak RSS grew by %.0f MiB (text)", peakRssMib() - before);
    writeFile(dir.filePath("iccp.png"), pbtest::tiny_png(pbtest::iccp_bomb(256u << 20)));
    readImageFile(dir.filePath("iccp.png"), &error);
    qInfo("peak RSS grew by %.0f MiB (iccp) %s", peakRssMib() - before, qPrintable(error));
    QVERIFY(peakRssMib() - before < 256);
    // The stripped stream has no text chunks left, and decodes to the same pixels.
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bare = pngWithoutTextChunks(f.readAll());
    QVERIFY(!bare.contains("zTXt") && !bare.contains("tEXt"));
    QCOMPARE(QImage::fromData(bare, "png").size(), QSize(1, 1));
  }

  void lyingChunkLengthRefused() {
    QTemporaryDir dir;
    const QString path = dir.filePath("lying.png");
    std::string bytes = pbtest::png_head(1, 1);
    pbtest::put_be(bytes, 0x65200000u);
    bytes += "tEXt";
    writeFile(path, bytes);
    const double before = peakRssMib();
    QString error;
    QVERIFY(readImageFile(path, &error).isNull());
    QVERIFY2(error.contains("truncated or damaged"), qPrintable(error));
    QVERIFY(peakRssMib() - before < 64);
  }

  void hugeDeclaredSizeRefused() {
    QTemporaryDir dir;
    const QString path = dir.filePath("huge.png");
    writeFile(path, pbtest::tiny_png().replace(0, 33, pbtest::png_head(30000, 30000)));
    QString error;
    QVERIFY(readImageFile(path, &error).isNull());
    QVERIFY2(error.contains("30000x30000") && error.contains("64 megapixels"), qPrintable(error));
    Document doc;
    QVERIFY(!doc.load(path, &error));
    QVERIFY2(error.contains("30000x30000"), qPrintable(error));
  }

  void maskOfAnotherSizeIsResizedWithANotice() {
    QTemporaryDir dir;
    Document doc;
    doc.newCanvas(QSize(40, 30), Qt::white);
    QImage mask(20, 10, QImage::Format_Grayscale8);
    mask.fill(255);
    QVERIFY(mask.save(dir.filePath("m.png")));
    QString error, notice;
    QVERIFY2(doc.importMask(dir.filePath("m.png"), &error, &notice), qPrintable(error));
    QVERIFY2(notice.contains("20x10") && notice.contains("40x30"), qPrintable(notice));
    QCOMPARE(doc.mask().size(), QSize(40, 30));
  }
};

QTEST_GUILESS_MAIN(TestPngMetadata)
#include "tst_ui_png_metadata.moc"
