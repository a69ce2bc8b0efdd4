// Document: loading and saving (with generation parameters), the mask brush, undoable mask
// edits, applied results, mask import/export and crash recovery.
#include <QFile>
#include <QImageReader>
#include <QImageWriter>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

#include <cmath>
#include <thread>

#include "ui/document/document.h"
#include "ui/document/mask_brush.h"
#include "ui/document/png_metadata.h"

namespace {

QImage pattern(int w, int h, bool alpha = false) {
  QImage image(w, h, alpha ? QImage::Format_ARGB32 : QImage::Format_RGB32);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      image.setPixel(
          x, y,
          qRgba((x * 7) & 255, (y * 5) & 255, (x + y) & 255, alpha ? (x * 3 + 40) & 255 : 255));
  return image;
}

QImage solid(int w, int h, QColor c) {
  QImage image(w, h, QImage::Format_RGB32);
  image.fill(c);
  return image;
}

// Distance from p to the segment ab.
qreal segmentDistance(QPointF p, QPointF a, QPointF b) {
  const QPointF ab = b - a;
  const qreal len2 = QPointF::dotProduct(ab, ab);
  const qreal t = len2 > 0 ? std::clamp(QPointF::dotProduct(p - a, ab) / len2, 0.0, 1.0) : 0;
  const QPointF d = p - (a + t * ab);
  return std::hypot(d.x(), d.y());
}

int maskAt(const Document& doc, int x, int y) { return doc.mask().constScanLine(y)[x]; }

QImage maskCopy(const Document& doc) { return doc.mask().copy(); }

}  // namespace

class TestDocument : public QObject {
  Q_OBJECT

 private slots:
  void newCanvasHasEmptyMask() {
    Document doc;
    QSignalSpy replaced(&doc, &Document::imageReplaced);
    doc.newCanvas(QSize(300, 200), Qt::white);
    QCOMPARE(replaced.count(), 1);
    QCOMPARE(doc.image().size(), QSize(300, 200));
    QCOMPARE(doc.image().format(), QImage::Format_RGB32);
    QCOMPARE(doc.image().pixel(10, 10), qRgb(255, 255, 255));
    QCOMPARE(doc.mask().format(), QImage::Format_Grayscale8);
    QCOMPARE(doc.mask().size(), QSize(300, 200));
    QVERIFY(doc.maskIsEmpty());
    QVERIFY(doc.maskBounds().isNull());
    QVERIFY(!doc.isModified());
    QVERIFY(doc.filePath().isEmpty());
  }

  void loadsCommonFormats_data() {
    QTest::addColumn<QString>("format");
    QTest::newRow("png") << "png";
    QTest::newRow("jpg") << "jpg";
    QTest::newRow("webp") << "webp";
    QTest::newRow("tiff") << "tiff";
  }
  void loadsCommonFormats() {
    QFETCH(QString, format);
    if (!QImageWriter::supportedImageFormats().contains(format.toLatin1()))
      QSKIP("image format plugin not installed");
    QTemporaryDir dir;
    const QString path = dir.filePath("in." + format);
    QVERIFY(pattern(123, 77).save(path));
    Document doc;
    QSignalSpy pathSpy(&doc, &Document::filePathChanged);
    QString error;
    QVERIFY2(doc.load(path, &error), qPrintable(error));
    QCOMPARE(doc.image().size(), QSize(123, 77));
    QCOMPARE(doc.filePath(), path);
    QCOMPARE(pathSpy.count(), 1);
    QVERIFY(doc.loadedParameters().isEmpty());
    QVERIFY(!doc.isModified());
  }

  void keepsAlpha() {
    QTemporaryDir dir;
    const QString path = dir.filePath("alpha.png");
    QVERIFY(pattern(40, 30, true).save(path));
    Document doc;
    QVERIFY(doc.load(path, nullptr));
    QCOMPARE(doc.image().format(), QImage::Format_ARGB32);
    QCOMPARE(doc.image(), pattern(40, 30, true));
  }

  void badFilesFailCleanly() {
    QTemporaryDir dir;
    const QString garbage = dir.filePath("garbage.png");
    QFile f(garbage);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("\x89PNG\r\n\x1a\n this is not really a png");
    f.close();
    // A truncated real PNG.
    const QString truncated = dir.filePath("truncated.png");
    QVERIFY(pattern(64, 64).save(truncated));
    QFile t(truncated);
    QVERIFY(t.open(QIODevice::ReadWrite));
    t.resize(t.size() / 3);
    t.close();

    Document doc;
    doc.newCanvas(QSize(10, 10));
    for (const QString& path : {garbage, truncated, dir.filePath("missing.png")}) {
      QString error;
      QVERIFY(!doc.load(path, &error));
      QVERIFY2(error.contains(path), qPrintable(error));
      QCOMPARE(doc.image().size(), QSize(10, 10));  // unchanged
    }
  }

  void strokeCoversItsPathAndNothingElse() {
    Document doc;
    doc.newCanvas(QSize(200, 150));
    const QPointF a(20.3, 30.7), b(170.2, 110.1), c(60, 140);
    const qreal diameter = 12, r = diameter / 2;
    doc.beginStroke(false, diameter, 1.0);
    doc.strokeTo(a);
    doc.strokeTo(b);  // one long jump: must still be continuous
    doc.strokeTo(c);
    doc.endStroke();
    for (int y = 0; y < 150; ++y)
      for (int x = 0; x < 200; ++x) {
        const QPointF p(x + 0.5, y + 0.5);
        const qreal d = std::min(segmentDistance(p, a, b), segmentDistance(p, b, c));
        const int m = maskAt(doc, x, y);
        if (d <= r - 1)
          QVERIFY2(m == 255, qPrintable(QString("(%1,%2) = %3").arg(x).arg(y).arg(m)));
        if (d >= r + 1) QVERIFY2(m == 0, qPrintable(QString("(%1,%2) = %3").arg(x).arg(y).arg(m)));
      }
    QCOMPARE(doc.undoStack()->count(), 1);
    QVERIFY(doc.isModified());
  }

  void softBrushDoesNotAccumulateWithinAStroke() {
    Document doc;
    doc.newCanvas(QSize(100, 100));
    doc.beginStroke(false, 40, 0.0);
    doc.strokeTo(QPointF(50, 50));
    doc.endStroke();
    const QImage once = maskCopy(doc);
    QVERIFY(maskAt(doc, 50, 50) >= 250);  // soft: full only at the exact centre
    QVERIFY(maskAt(doc, 50 + 15, 50) > 0 && maskAt(doc, 50 + 15, 50) < 255);

    doc.undoStack()->undo();
    doc.beginStroke(false, 40, 0.0);
    for (int i = 0; i < 20; ++i) doc.strokeTo(QPointF(50, 50));  // scrubbing on one spot
    doc.endStroke();
    QCOMPARE(doc.mask(), once);
  }

  void eraserLowersToTheDab() {
    Document doc;
    doc.newCanvas(QSize(60, 60));
    doc.fillMask();
    doc.beginStroke(true, 10, 1.0);
    doc.strokeTo(QPointF(30, 30));
    doc.endStroke();
    QCOMPARE(maskAt(doc, 30, 30), 0);
    QCOMPARE(maskAt(doc, 5, 5), 255);
    // Erasing where nothing is masked adds no history entry.
    doc.clearMask();
    const int steps = doc.undoStack()->count();
    doc.beginStroke(true, 10, 1.0);
    doc.strokeTo(QPointF(10, 10));
    doc.endStroke();
    QCOMPARE(doc.undoStack()->count(), steps);
  }

  void brushCoverageProfile() {
    QCOMPARE(brushCoverage(0, 10, 1), 1.0);
    QCOMPARE(brushCoverage(9.5, 10, 1), 1.0);
    QCOMPARE(brushCoverage(10.5, 10, 1), 0.0);
    QVERIFY(qAbs(brushCoverage(10, 10, 1) - 0.5) < 1e-9);  // edge centred on the radius
    QVERIFY(brushCoverage(5, 10, 0) < 1 && brushCoverage(5, 10, 0) > brushCoverage(8, 10, 0));
  }

  void strokeUndoRedoIsExact() {
    Document doc;
    doc.setImage(pattern(120, 90), "/tmp/x.png");
    const QImage empty = maskCopy(doc);
    doc.beginStroke(false, 20, 0.5);
    doc.strokeTo(QPointF(10, 10));
    doc.strokeTo(QPointF(100, 80));
    doc.endStroke();
    const QImage first = maskCopy(doc);
    doc.beginStroke(true, 8, 1.0);
    doc.strokeTo(QPointF(10, 80));
    doc.strokeTo(QPointF(100, 10));
    doc.endStroke();
    const QImage second = maskCopy(doc);
    QVERIFY(first != empty && second != first);

    QSignalSpy changed(&doc, &Document::maskChanged);
    doc.undoStack()->undo();
    QCOMPARE(doc.mask(), first);
    QVERIFY(changed.count() == 1);
    QVERIFY(changed.at(0).at(0).toRect().width() < 120);  // only the stroke's rectangle
    doc.undoStack()->undo();
    QCOMPARE(doc.mask(), empty);
    QVERIFY(!doc.isModified());
    doc.undoStack()->redo();
    QCOMPARE(doc.mask(), first);
    doc.undoStack()->redo();
    QCOMPARE(doc.mask(), second);
  }

  void clearInvertFillUndo() {
    Document doc;
    doc.newCanvas(QSize(50, 40));
    doc.beginStroke(false, 10, 0.7);
    doc.strokeTo(QPointF(25, 20));
    doc.endStroke();
    const QImage painted = maskCopy(doc);
    QCOMPARE(doc.maskBounds(), QRect(QPoint(20, 15), QPoint(29, 24)));  // soft edge: 5.5 px reach

    doc.invertMask();
    QCOMPARE(maskAt(doc, 25, 20), 0);
    QCOMPARE(maskAt(doc, 0, 0), 255);
    const QImage inverted = maskCopy(doc);
    doc.clearMask();
    QVERIFY(doc.maskIsEmpty());
    doc.fillMask();
    QCOMPARE(doc.maskBounds(), QRect(0, 0, 50, 40));

    QUndoStack* u = doc.undoStack();
    u->undo();
    QVERIFY(doc.maskIsEmpty());
    u->undo();
    QCOMPARE(doc.mask(), inverted);
    u->undo();
    QCOMPARE(doc.mask(), painted);
    u->redo();
    u->redo();
    u->redo();
    QCOMPARE(doc.maskBounds(), QRect(0, 0, 50, 40));
    // Clearing an empty mask is not a history step.
    doc.clearMask();
    const int n = u->count();
    doc.clearMask();
    QCOMPARE(u->count(), n);
  }

  void maskExportImportRoundTrip() {
    QTemporaryDir dir;
    Document doc;
    doc.newCanvas(QSize(64, 48));
    doc.beginStroke(false, 20, 0.3);
    doc.strokeTo(QPointF(10, 10));
    doc.strokeTo(QPointF(50, 40));
    doc.endStroke();
    const QImage painted = maskCopy(doc);
    const QString path = dir.filePath("mask.png");
    QString error;
    QVERIFY2(doc.exportMask(path, &error), qPrintable(error));
    const QImage written(path);
    QCOMPARE(written.format(), QImage::Format_Grayscale8);
    QCOMPARE(written, painted);  // white = change

    doc.clearMask();
    QVERIFY(doc.importMask(path, &error));
    QCOMPARE(doc.mask(), painted);
    doc.undoStack()->undo();
    QVERIFY(doc.maskIsEmpty());
  }

  void importReadsAlphaAsChange() {
    QTemporaryDir dir;
    // Transparent (alpha 0) where the change goes; the colour channels say the opposite, so
    // the test tells which one was read.
    QImage rgba(32, 32, QImage::Format_ARGB32);
    rgba.fill(qRgba(0, 0, 0, 255));
    for (int y = 8; y < 16; ++y)
      for (int x = 4; x < 20; ++x) rgba.setPixel(x, y, qRgba(0, 0, 0, 0));
    const QString path = dir.filePath("alpha.png");
    QVERIFY(rgba.save(path));

    Document doc;
    doc.newCanvas(QSize(32, 32));
    QVERIFY(doc.importMask(path, nullptr));
    QCOMPARE(doc.maskBounds(), QRect(4, 8, 16, 8));
    QCOMPARE(maskAt(doc, 5, 9), 255);
    QCOMPARE(maskAt(doc, 0, 0), 0);

    // An RGBA file that is opaque everywhere is read by its brightness.
    QImage opaque(32, 32, QImage::Format_ARGB32);
    opaque.fill(qRgba(0, 0, 0, 255));
    opaque.setPixel(3, 3, qRgba(255, 255, 255, 255));
    QVERIFY(opaque.save(path));
    QVERIFY(doc.importMask(path, nullptr));
    QCOMPARE(doc.maskBounds(), QRect(3, 3, 1, 1));

    // Another size is scaled to the image.
    QImage half(16, 16, QImage::Format_Grayscale8);
    half.fill(255);
    QVERIFY(half.save(path));
    QVERIFY(doc.importMask(path, nullptr));
    QCOMPARE(doc.maskBounds(), QRect(0, 0, 32, 32));

    QString error;
    QVERIFY(!doc.importMask(dir.filePath("nope.png"), &error));
    QVERIFY(!error.isEmpty());
  }

  void applyResultUndoRedo() {
    Document doc;
    doc.setImage(pattern(80, 60), "/tmp/a.png");
    doc.beginStroke(false, 10, 1);
    doc.strokeTo(QPointF(40, 30));
    doc.endStroke();
    const QImage original = doc.image().copy();
    QImage result = original.copy();
    for (int y = 20; y < 40; ++y)
      for (int x = 30; x < 50; ++x) result.setPixel(x, y, qRgb(1, 2, 3));
    const QJsonObject params{{"prompt", "a red ball"}, {"seed", 7}};

    doc.setPreview(result);
    QVERIFY(!doc.preview().isNull());
    QSignalSpy changed(&doc, &Document::imageChanged);
    doc.setClearMaskOnApply(true);
    doc.applyResult(result, "Inpaint", params);
    QVERIFY(doc.preview().isNull());  // the pending result is now the image
    QCOMPARE(doc.image(), result);
    QVERIFY(doc.maskIsEmpty());
    QCOMPARE(doc.appliedParameters(), QJsonArray{params});
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toRect(), QRect(30, 20, 20, 20));
    QCOMPARE(doc.undoStack()->undoText(), QStringLiteral("Inpaint"));

    doc.undoStack()->undo();
    QCOMPARE(doc.image(), original);
    QVERIFY(!doc.maskIsEmpty());
    QVERIFY(doc.appliedParameters().isEmpty());
    doc.undoStack()->redo();
    QCOMPARE(doc.image(), result);
    QCOMPARE(doc.appliedParameters().size(), 1);

    // A result of another size is scaled; one of the wrong size as preview is refused.
    doc.applyResult(solid(40, 30, Qt::green), "Variation", {{"prompt", "b"}});
    QCOMPARE(doc.image().size(), QSize(80, 60));
    QCOMPARE(doc.image().pixel(70, 50), qRgb(0, 255, 0));
    doc.setPreview(solid(10, 10, Qt::red));
    QVERIFY(doc.preview().isNull());
  }

  void savesAndReloadsParameters() {
    QTemporaryDir dir;
    Document doc;
    doc.newCanvas(QSize(64, 64));
    const QJsonObject first{{"prompt", "a cat"}, {"steps", 50},    {"sampler", "DDIM"},
                            {"cfg_scale", 5},    {"seed", 1},      {"width", 64},
                            {"height", 64},      {"model", "base"}};
    const QJsonObject second{{"prompt", "a cat wearing a hat"},
                             {"steps", 27},
                             {"sampler", "DDPM"},
                             {"cfg_scale", 3.5},
                             {"seed", QJsonValue(qint64(4000000000LL))},
                             {"width", 64},
                             {"height", 64},
                             {"model", "base-inpaint"},
                             {"mode", "inpaint"},
                             {"mask_window", QJsonArray{8, 8, 48, 48}},
                             {"seeds", QJsonArray{1, 2}},
                             {"t", 0.3},
                             {"model_hashes", QJsonObject{{"base-inpaint", "sha256:abc"}}}};
    doc.applyResult(solid(64, 64, Qt::blue), "Text to image", first);
    doc.applyResult(solid(64, 64, Qt::red), "Inpaint", second);
    QVERIFY(doc.isModified());
    QSignalSpy modified(&doc, &Document::modifiedChanged);
    const QString path = dir.filePath("out.png");
    QString error;
    QVERIFY2(doc.save(path, &error), qPrintable(error));
    QVERIFY(!doc.isModified());
    QCOMPARE(modified.count(), 1);
    QCOMPARE(doc.filePath(), path);

    const QString text = pngTextValue(readPngTextChunks(path), "parameters");
    QVERIFY2(text.startsWith("a cat wearing a hat\nSteps: 27, Sampler: DDPM, CFG scale: 3.5, "
                             "Seed: 4000000000, Size: 64x64, Model: base-inpaint"),
             qPrintable(text));
    QFile raw(path);
    QVERIFY(raw.open(QIODevice::ReadOnly));
    QVERIFY(raw.readAll().contains("tEXtparameters"));

    Document other;
    QVERIFY(other.load(path, &error));
    QCOMPARE(other.loadedParameters(), second);
    QCOMPARE(other.appliedParameters(), (QJsonArray{first, second}));
    QCOMPARE(other.image().pixel(3, 3), qRgb(255, 0, 0));
    QVERIFY(other.image().textKeys().isEmpty());  // the file's chunks stay out of image()
    // Saving again keeps the provenance; no duplicated chunks from the loaded image.
    const QString again = dir.filePath("again.png");
    QVERIFY(other.save(again, &error));
    QFile againFile(again);
    QVERIFY(againFile.open(QIODevice::ReadOnly));
    QCOMPARE(againFile.readAll().count("tEXtparameters"), 1);
  }

  void loadsParametersTextOfOtherTools() {
    QTemporaryDir dir;
    const QString path = dir.filePath("a1111.png");
    QImage image = solid(16, 16, Qt::gray);
    image.setText("parameters",
                  "a dog\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 16x16");
    QVERIFY(image.save(path));
    Document doc;
    QVERIFY(doc.load(path, nullptr));
    QCOMPARE(doc.loadedParameters().value("prompt").toString(), QStringLiteral("a dog"));
    QCOMPARE(doc.loadedParameters().value("sampler").toString(), QStringLiteral("Euler a"));
    QCOMPARE(doc.loadedParameters().value("seed").toInt(), 5);
  }

  void savesOtherFormatsBySuffix() {
    QTemporaryDir dir;
    Document doc;
    doc.setImage(pattern(30, 20, true));
    QVERIFY(doc.isModified());  // pasted: nothing on disk yet
    QString error;
    QVERIFY2(doc.save(dir.filePath("o.jpg"), &error), qPrintable(error));
    QVERIFY(!doc.isModified());
    QCOMPARE(QImage(dir.filePath("o.jpg")).size(), QSize(30, 20));
    QVERIFY(doc.save(dir.filePath("o.tiff"), &error));
    QVERIFY(!doc.save(dir.filePath("o.unknownformat"), &error));
    QVERIFY(error.contains("unknownformat"));
  }

  void recoveryRoundTrip() {
    QTemporaryDir dir;
    Document doc;
    doc.setImage(pattern(97, 61, true), "/somewhere/photo.png");
    doc.applyResult(pattern(97, 61, true).mirrored(), "Inpaint", {{"prompt", "p"}, {"seed", 3}});
    doc.beginStroke(false, 15, 0.4);
    doc.strokeTo(QPointF(20, 20));
    doc.strokeTo(QPointF(80, 50));
    doc.endStroke();
    doc.setRecoveryExtra({{"runs", QJsonArray{QJsonObject{{"id", 1}}}}});
    const QString path = dir.filePath("doc.recovery");
    QString error;
    QVERIFY2(doc.saveRecovery(path, &error), qPrintable(error));

    Document restored;
    QSignalSpy replaced(&restored, &Document::imageReplaced);
    QVERIFY2(restored.loadRecovery(path, &error), qPrintable(error));
    QCOMPARE(replaced.count(), 1);
    QCOMPARE(restored.image(), doc.image());
    QCOMPARE(restored.image().format(), QImage::Format_ARGB32);
    QCOMPARE(restored.mask(), doc.mask());
    QCOMPARE(restored.appliedParameters(), doc.appliedParameters());
    QCOMPARE(restored.recoveryExtra(), doc.recoveryExtra());
    QCOMPARE(restored.filePath(), QStringLiteral("/somewhere/photo.png"));
    QVERIFY(restored.isModified());
    QCOMPARE(restored.undoStack()->count(), 0);
  }

  void recoverySnapshotWrittenFromAnotherThread() {
    QTemporaryDir dir;
    Document doc;
    doc.setImage(pattern(64, 64));
    doc.fillMask();
    const Document::RecoverySnapshot snap = doc.recoverySnapshot();
    const QImage imageThen = doc.image().copy();
    const QImage maskThen = doc.mask().copy();
    const QString path = dir.filePath("bg.recovery");
    bool ok = false;
    std::thread writer([&] { ok = Document::writeRecovery(snap, path, nullptr); });
    doc.clearMask();  // edits meanwhile do not reach the snapshot
    doc.applyResult(pattern(64, 64).mirrored(true, false), "x", {});
    writer.join();
    QVERIFY(ok);
    Document restored;
    QVERIFY(restored.loadRecovery(path, nullptr));
    QCOMPARE(restored.image(), imageThen);
    QCOMPARE(restored.mask(), maskThen);
  }

  void corruptRecoveryFailsCleanly() {
    QTemporaryDir dir;
    Document doc;
    doc.setImage(pattern(50, 40));
    const QString path = dir.filePath("r.recovery");
    QVERIFY(doc.saveRecovery(path, nullptr));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray good = f.readAll();
    f.close();

    Document target;
    target.newCanvas(QSize(5, 5));
    const QList<QByteArray> bad{good.left(good.size() / 2), good.left(10), QByteArray("junk"),
                                QByteArray(good).replace(0, 4, "XXXX")};
    for (const QByteArray& bytes : bad) {
      QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
      f.write(bytes);
      f.close();
      QString error;
      QVERIFY(!target.loadRecovery(path, &error));
      QVERIFY2(error.contains(path), qPrintable(error));
      QCOMPARE(target.image().size(), QSize(5, 5));
    }
    QVERIFY(!target.loadRecovery(dir.filePath("absent"), nullptr));
  }
};

QTEST_MAIN(TestDocument)
#include "tst_ui_document.moc"
