// PNG output with text chunks: write with libpng, read back, and the A1111 / JSON layouts.
// LibTorch headers before Qt's: Qt's "slots" macro breaks ATen's ivalue_inl.h.
#include "engine/core/error.h"
#include "engine/core/version.h"
#include "engine/pipelines/image_convert.h"
#include "engine/pipelines/png_io.h"
#include "engine/pipelines/png_metadata.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

using namespace pb;
using namespace pb::pipelines;

class PipelinesPng : public QObject {
  Q_OBJECT
 private slots:
  void text_chunks_round_trip() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("a.png").toStdString();
    Image img(7, 5, 3);
    for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = std::uint8_t(i * 13);
    const std::vector<PngText> texts{
        {"parameters", "a corgi\nSteps: 3", false},
        {"promptbrush", "{\"prompt\":\"caf\xc3\xa9 \xe2\x98\x95\"}", true},
        {"Comment", "non-ASCII \xc3\xa9 becomes iTXt", false}};
    write_png(path, img, texts);
    const auto back = read_png_text(path);
    QCOMPARE(back.size(), texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      QCOMPARE(QString::fromStdString(back[i].key), QString::fromStdString(texts[i].key));
      QCOMPARE(QString::fromStdString(back[i].value), QString::fromStdString(texts[i].value));
    }
    QVERIFY(!back[0].utf8);  // plain tEXt for ASCII
    QVERIFY(back[1].utf8);
    QVERIFY(back[2].utf8);
    // Pixels survive (read with OpenCV as an independent decoder).
    const Image again = read_image_rgb(path);
    QCOMPARE(again.width, 7);
    QVERIFY(again.pixels == img.pixels);
  }

  void generation_parameters_layout() {
    RunResult r;
    r.images.push_back(Image(640, 480, 3));
    r.images.push_back(Image(640, 480, 3));
    r.seeds = {42, 43};
    r.window = {10, 20, 300, 300};
    r.parameters = {{"prompt", "a red hat"},
                    {"steps", "100"},
                    {"sampler", "DDPM"},
                    {"cfg_scale", "5"},
                    {"model", "base_inpaint.pt + upsample_inpaint.pt"},
                    {"mode", "inpaint"},
                    {"upsample_steps", "27"}};
    const std::string a = a1111_parameters(r, 1);
    QCOMPARE(QString::fromStdString(a),
             QString("a red hat\nSteps: 100, Sampler: DDPM, CFG scale: 5, Seed: 43, Size: 640x480, "
                     "Model: base_inpaint.pt + upsample_inpaint.pt, Mode: inpaint, "
                     "Software: Promptbrush ") +
                 QString::fromLatin1(pb::version()));
    const auto j = nlohmann::json::parse(promptbrush_json(r, 1));
    QCOMPARE(QString::fromStdString(j["seed"].get<std::string>()), QString("43"));
    QCOMPARE(j["candidate"].get<int>(), 2);
    QCOMPARE(j["window"]["width"].get<int>(), 300);
    QCOMPARE(QString::fromStdString(j["upsample_steps"].get<std::string>()), QString("27"));

    QTemporaryDir dir;
    const std::string path = dir.filePath("r.png").toStdString();
    write_result_png(path, r, 0);
    const auto back = read_png_text(path);
    QCOMPARE(QString::fromStdString(back.at(0).key), QString("parameters"));
    QVERIFY(back.at(0).value.find("Seed: 42") != std::string::npos);
    QCOMPARE(QString::fromStdString(back.at(1).key), QString("promptbrush"));
  }

  void bad_files() {
    QTemporaryDir dir;
    QVERIFY_THROWS_EXCEPTION(Error, read_png_text(dir.filePath("none.png").toStdString()));
    const std::string junk = dir.filePath("junk.png").toStdString();
    QFile f(QString::fromStdString(junk));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("\x89PNG\r\n\x1a\n garbage garbage");
    f.close();
    try {
      read_png_text(junk);
      QFAIL("a corrupt PNG was accepted");
    } catch (const Error& e) {
      QCOMPARE(int(e.code()), int(ErrorCode::bad_file));
    }
    QVERIFY_THROWS_EXCEPTION(Error, read_image_rgb(junk));
    QVERIFY_THROWS_EXCEPTION(
        Error, write_png(dir.filePath("no/such/dir.png").toStdString(), Image(2, 2, 3), {}));
  }

  void masks_from_files() {
    QTemporaryDir dir;
    // Grey: white = change; soft values are kept, as the app exports and imports them.
    Image grey(4, 1, 1);
    grey.pixels = {0, 255, 200, 10};
    write_png(dir.filePath("g.png").toStdString(), grey, {});
    Image m = read_mask(dir.filePath("g.png").toStdString());
    QCOMPARE(m.channels, 1);
    QVERIFY((m.pixels == std::vector<std::uint8_t>{0, 255, 200, 10}));
    // RGBA: alpha 0 = change, whatever the colour.
    Image rgba(4, 1, 4, 255);
    rgba.at(0, 0, 3) = 0;
    rgba.at(2, 0, 3) = 255;
    rgba.at(1, 0, 3) = 0;
    rgba.at(3, 0, 3) = 55;
    write_png(dir.filePath("a.png").toStdString(), rgba, {});
    m = read_mask(dir.filePath("a.png").toStdString());
    QVERIFY((m.pixels == std::vector<std::uint8_t>{255, 255, 0, 200}));
    // RGBA opaque everywhere: its grey values.
    Image opaque(2, 1, 4, 255);
    opaque.at(0, 0, 0) = opaque.at(0, 0, 1) = opaque.at(0, 0, 2) = 0;
    write_png(dir.filePath("o.png").toStdString(), opaque, {});
    m = read_mask(dir.filePath("o.png").toStdString());
    QVERIFY((m.pixels == std::vector<std::uint8_t>{0, 255}));
  }
};

QTEST_GUILESS_MAIN(PipelinesPng)
#include "tst_pipelines_png.moc"
