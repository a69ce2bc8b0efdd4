// promptbrush-cli run as a person runs it: `forward --model clip|prior|decoder|sr` on the
// unCLIP fixtures (outputs under the fixtures' names, equal to the reference), `variations`
// and `unclip`, `interpolate` and `textdiff` with the small models (files, seeds, PNG
// parameters, contact sheet, animation), and the messages and
// exit codes for missing models and bad usage.
// LibTorch headers before Qt's: Qt's "slots" macro breaks ATen's ivalue_inl.h.
#include "engine/pipelines/png_io.h"
#include "tests/parity/parity.h"

#include <QDir>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/common/fixtures.h"
#include "tests/common/karlo_models.h"

namespace {

struct Run {
  int code = -1;
  QString out, err;
};

Run cli(const QStringList& args) {
  QProcess p;
  p.setProgram(QStringLiteral(PB_CLI));
  p.setArguments(args);
  p.start();
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

}  // namespace

class AppCli : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private slots:
  // One version, from project(VERSION): the CLI reports exactly that.
  void version() {
    const Run r = cli({"--version"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out, QStringLiteral("promptbrush-cli " PB_EXPECTED_VERSION "\n"));
  }
  void forward_unclip_models_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("weights");
    QTest::addColumn<QString>("io");
    QTest::addColumn<QStringList>("outputs");
    QTest::newRow("clip torchscript")
        << "clip"
        << "clip_small.torchscript.pt"
        << "clip_small.io.pt" << QStringList{"image_embeds", "text_embeds", "text_seq"};
    QTest::newRow("clip state_dict")
        << "clip"
        << "clip_small.state_dict.pt"
        << "clip_small.io.pt" << QStringList{"image_embeds", "text_embeds", "text_seq"};
    QTest::newRow("prior") << "prior"
                           << "prior_small.ckpt"
                           << "prior_small.io.pt" << QStringList{"out"};
    QTest::newRow("decoder") << "decoder"
                             << "decoder_small.safetensors"
                             << "decoder_small.io.pt" << QStringList{"out"};
    QTest::newRow("sr") << "sr"
                        << "sr_small.ckpt"
                        << "sr_small.io.pt" << QStringList{"out_first_steps", "out_last_step"};
  }

  void forward_unclip_models() {
    QFETCH(QString, model);
    QFETCH(QString, weights);
    QFETCH(QString, io);
    QFETCH(QStringList, outputs);
    PB_REQUIRE_FIXTURE(configs, "unclip/small_configs.json");
    PB_REQUIRE_FIXTURE(w, "unclip/" + weights);
    PB_REQUIRE_FIXTURE(inputs, "unclip/" + io);
    const QString out = tmp_.filePath(model + "-" + weights + ".out.pt");
    const Run r = cli({"forward", "--model", model, "--config", configs, "--weights", w, "--inputs",
                       inputs, "--out", out, "--device", "cpu"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto mine = pb::parity::load_io_fixture(out.toStdString());
    const auto ref = pb::parity::load_io_fixture(inputs.toStdString());
    for (const QString& key : outputs) {
      const double err = pb::parity::max_rel_error(pb::parity::field(mine, key.toStdString()),
                                                   pb::parity::field(ref, key.toStdString()));
      qInfo("%s %s: %g", qPrintable(model), qPrintable(key), err);
      QVERIFY2(err < 1e-4, qPrintable(key));
    }
  }

  void forward_bad_usage() {
    PB_REQUIRE_FIXTURE(configs, "unclip/small_configs.json");
    PB_REQUIRE_FIXTURE(w, "unclip/sr_small.ckpt");
    PB_REQUIRE_FIXTURE(inputs, "unclip/decoder_small.io.pt");
    const QString out = tmp_.filePath("bad.pt");
    // Weights of another model: named keys, exit 1.
    Run r = cli({"forward", "--model", "decoder", "--config", configs, "--weights", w, "--inputs",
                 inputs, "--out", out});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("model.cf_param"), qPrintable(r.err));
    // Inputs lacking what the model needs.
    r = cli({"forward", "--model", "sr", "--config", configs, "--weights", w, "--inputs", inputs,
             "--out", out});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("low_res"), qPrintable(r.err));
    // A weights file as inputs: a message, not an internal assertion.
    r = cli({"forward", "--model", "sr", "--config", configs, "--weights", w, "--inputs", w,
             "--out", out});
    QCOMPARE(r.code, 1);
    QVERIFY2(!r.err.contains("INTERNAL ASSERT"), qPrintable(r.err));
    r = cli({"forward", "--model", "vae", "--config", configs, "--weights", w, "--inputs", inputs,
             "--out", out});
    QCOMPARE(r.code, 2);
  }

  void variations_and_unclip() {
    QTemporaryDir models;
    if (!pbtest::make_karlo_models_dir(models.path())) QSKIP("unCLIP fixtures not found");
    // An input image: any PNG will do; write one with the engine's writer.
    pb::Image im(40, 30, 3);
    for (size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = std::uint8_t(i * 13);
    const QString in = tmp_.filePath("in.png");
    pb::pipelines::write_png(in.toStdString(), im, {});
    const QString out = tmp_.filePath("var.png");
    Run r = cli({"variations", "--image", in, "--out", out, "--models", models.path(), "--count",
                 "2", "--seed", "7", "--steps", "2", "--device", "cpu", "--quiet"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("var-1.png") && r.out.contains("(seed 8"), qPrintable(r.out));
    const auto texts = pb::pipelines::read_png_text(tmp_.filePath("var-2.png").toStdString());
    bool has_seed = false;
    for (const auto& t : texts)
      has_seed =
          has_seed || (t.key == "parameters" && t.value.find("Seed: 8") != std::string::npos &&
                       t.value.find("Mode: variations") != std::string::npos);
    QVERIFY(has_seed);

    const QString t2i = tmp_.filePath("t2i.png");
    r = cli({"unclip", "--prompt", "a red cube", "--out", t2i, "--models", models.path(), "--steps",
             "2", "--prior-steps", "2", "--no-sr", "--rank", "--device", "cpu", "--quiet"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("CLIP score"), qPrintable(r.out));
    QVERIFY(QFile::exists(t2i));
  }

  // interpolate and textdiff: numbered frames with their positions, a contact sheet of the
  // strip and an animated WebP; missing weights refused with the files named.
  void interpolate_and_textdiff() {
    QTemporaryDir models;
    if (!pbtest::make_karlo_models_dir(models.path(), false)) QSKIP("unCLIP fixtures not found");
    pb::Image a(40, 30, 3), b(40, 30, 3);
    for (size_t i = 0; i < a.pixels.size(); ++i) {
      a.pixels[i] = std::uint8_t(i * 13);
      b.pixels[i] = std::uint8_t(255 - i * 7);
    }
    const QString ia = tmp_.filePath("a.png"), ib = tmp_.filePath("b.png");
    pb::pipelines::write_png(ia.toStdString(), a, {});
    pb::pipelines::write_png(ib.toStdString(), b, {});
    const QString dir = tmp_.filePath("strip");
    Run r = cli({"interpolate", "--image-a", ia, "--image-b", ib, "--frames", "4", "--out", dir,
                 "--models", models.path(), "--steps", "3", "--seed", "9", "--invert", "--device",
                 "cpu", "--quiet"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    for (const char* f :
         {"frame_0001.png", "frame_0004.png", "contact_sheet.png", "animation.webp"})
      QVERIFY2(QFile::exists(dir + "/" + f), f);
    QVERIFY(!QFile::exists(dir + "/frame_0005.png"));
    const QImage sheet(dir + "/contact_sheet.png");
    QCOMPARE(sheet.width(), 2 * 32 + 4);  // 2 x 2 frames of the small decoder's 32 px
    QFile webp(dir + "/animation.webp");
    QVERIFY(webp.open(QIODevice::ReadOnly));
    const QByteArray head = webp.read(16);
    QVERIFY(head.startsWith("RIFF") && head.mid(8, 4) == "WEBP");
    std::map<std::string, std::string> texts;
    for (const auto& t : pb::pipelines::read_png_text((dir + "/frame_0002.png").toStdString()))
      texts[t.key] = t.value;
    QCOMPARE(texts["position"].substr(0, 5), std::string("0.333"));
    QVERIFY2(texts["parameters"].find("Mode: interpolate") != std::string::npos,
             texts["parameters"].c_str());

    const QString diff = tmp_.filePath("diff");
    r = cli({"textdiff",
             "--image",
             ia,
             "--from",
             "a photo of a cat",
             "--to",
             "a photo of a dog",
             "--frames",
             "3",
             "--max-theta",
             "0.4",
             "--out",
             diff,
             "--models",
             models.path(),
             "--steps",
             "3",
             "--device",
             "cpu",
             "--quiet"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(diff + "/frame_0003.png"));
    texts.clear();
    for (const auto& t : pb::pipelines::read_png_text((diff + "/frame_0003.png").toStdString()))
      texts[t.key] = t.value;
    QCOMPARE(texts["position"].substr(0, 3), std::string("0.4"));

    QTemporaryDir empty;
    r = cli({"interpolate", "--image-a", ia, "--image-b", ib, "--out", dir + "2", "--models",
             empty.path()});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("decoder-ckpt-step=01000000-of-01000000.ckpt"), qPrintable(r.err));
    QVERIFY(!QFile::exists(dir + "2"));
    r = cli({"interpolate", "--image-a", ia, "--out", dir});
    QCOMPARE(r.code, 2);
    r = cli({"interpolate", "--image-a", ia, "--image-b", ib, "--frames", "1", "--out", dir});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("--frames"));
    r = cli(
        {"textdiff", "--image", ia, "--from", "x", "--to", "y", "--max-theta", "2", "--out", diff});
    QCOMPARE(r.code, 2);
  }

  void missing_models_and_bad_options() {
    QTemporaryDir empty;
    const QString out = tmp_.filePath("none.png");
    Run r = cli({"unclip", "--prompt", "x", "--out", out, "--models", empty.path()});
    QCOMPARE(r.code, 1);
    for (const char* name : {"prior-ckpt-step=01000000-of-01000000.ckpt", "ViT-L-14.pt",
                             "https://arena.kakaocdn.net/"})
      QVERIFY2(r.err.contains(name), qPrintable(r.err));
    QVERIFY(!QFile::exists(out));
    r = cli({"variations", "--image", tmp_.filePath("nope.png"), "--out", out});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("nope.png"), qPrintable(r.err));
    r = cli({"variations", "--out", out});
    QCOMPARE(r.code, 2);
    r = cli({"unclip", "--prompt", "x", "--out", out, "--preset", "slow"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("default, fast"));
    r = cli({"models", "--models", empty.path()});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("improved-sr-ckpt-step=1.2M.ckpt"));
    QVERIFY(r.out.contains("unCLIP image variations: missing"));
  }

  // `models` checks what is there: a published tokenizer file verified, a truncated
  // checkpoint and another model under a published name named as such (exit 1).
  void modelsVerifiesTheFolder() {
    PB_REQUIRE_FIXTURE(vocab, "tokenizer/vocab.bpe.gz");
    PB_REQUIRE_FIXTURE(base, "glide/small-base.pt");
    QTemporaryDir models;
    QVERIFY(QFile::copy(vocab, QDir(models.path()).filePath("vocab.bpe.gz")));
    QVERIFY(QFile::copy(base, QDir(models.path()).filePath("base.pt")));
    QFile cut(QDir(models.path()).filePath("upsample.pt"));
    QVERIFY(cut.open(QIODevice::WriteOnly));
    cut.write(QByteArray(4096, 'x'));
    cut.close();
    Run r = cli({"models", "--models", models.path()});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.out.contains("[verified]   vocab.bpe.gz  (214 kB on disk;"), qPrintable(r.out));
    QVERIFY2(r.out.contains("[WRONG]      base.pt"), qPrintable(r.out));
    QVERIFY2(r.out.contains("positional_embedding: expected [128, 512], found [16, 4]"),
             qPrintable(r.out));
    QVERIFY2(r.out.contains("[UNREADABLE] upsample.pt"), qPrintable(r.out));
    QVERIFY2(r.out.contains("[missing]    base_inpaint.pt  (about 1.54 GB;"), qPrintable(r.out));
    QVERIFY2(
        r.out.contains("GLIDE text-to-image: missing encoder.json.gz; wrong base.pt, upsample.pt"),
        qPrintable(r.out));
    QVERIFY2(r.out.contains("promptbrush-fetch-models"), qPrintable(r.out));
    r = cli({"models", "--models", models.path(), "--details"});
    QVERIFY2(r.out.count("expected [") > 5, qPrintable(r.out));
  }
};

QTEST_GUILESS_MAIN(AppCli)
#include "tst_app_cli.moc"
