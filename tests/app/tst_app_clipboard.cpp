// A candidate of a real run (classic fill, no weights) saved, exported or copied from the
// gallery carries the text chunks promptbrush-cli writes for a result (the engine's
// png_texts_for): the A1111 "parameters" text with Mode and Software, the "promptbrush" JSON
// with the candidate's number, and "Software".
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMimeData>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/core/version.h"
#include "engine/pipelines/png_io.h"
#include "tests/app/app_harness.h"
#include "ui/document/png_metadata.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"

class TestAppClipboard : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { apptest::isolateSettings(); }

  void candidateCarriesTheClisChunks() {
    QTemporaryDir models, out;
    apptest::App app(models.path());
    QVERIFY(app.exposed());
    app.doc()->setImage(apptest::gradientImage(QSize(160, 120)), out.filePath("photo.png"));
    app.canvas()->fitToWindow();
    app.paint({{40, 40}, {100, 70}});
    PromptPanel* panel = app.window->promptPanel();
    panel->methodCombo()->setCurrentIndex(
        panel->methodCombo()->findData(int(FillMethod::ClassicTelea)));
    QTest::mouseClick(panel->generateButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(app.window->historyPanel()->count(), 1, 30000);
    GalleryPanel* gallery = app.window->galleryPanel();
    QCOMPARE(gallery->count(), 1);

    const QString saved = out.filePath("saved.png");
    QVERIFY(app.window->saveCandidate(0, saved));
    const QList<QPair<QString, QString>> chunks = readPngTextChunks(saved);
    QStringList keys;
    for (const auto& c : chunks) keys << c.first;
    QCOMPARE(keys, QStringList({"parameters", "promptbrush", "Software"}));
    const QString software = QStringLiteral("Promptbrush ") + QString::fromLatin1(pb::version());
    const QString a1111 = pngTextValue(chunks, "parameters");
    QVERIFY2(a1111.contains(QStringLiteral("Mode: classic-fill")), qPrintable(a1111));
    QVERIFY2(a1111.endsWith(QStringLiteral("Software: ") + software), qPrintable(a1111));
    QCOMPARE(pngTextValue(chunks, "Software"), software);
    const QJsonObject json =
        QJsonDocument::fromJson(pngTextValue(chunks, "promptbrush").toUtf8()).object();
    QCOMPARE(json.value("candidate").toInt(), 1);
    QCOMPARE(json.value("candidates").toInt(), 1);
    QCOMPARE(json.value("mode").toString(), QStringLiteral("classic-fill"));
    QCOMPARE(json.value("method").toString(), QStringLiteral("telea"));
    // The engine's own reader (what the CLI's files are read with) sees the same chunks.
    const auto engineChunks = pb::pipelines::read_png_text(saved.toStdString());
    QCOMPARE(int(engineChunks.size()), int(chunks.size()));
    for (size_t i = 0; i < engineChunks.size(); ++i) {
      QCOMPARE(QString::fromStdString(engineChunks[i].key), chunks[int(i)].first);
      QCOMPARE(QString::fromStdString(engineChunks[i].value), chunks[int(i)].second);
    }
    QCOMPARE(QImage(saved).convertToFormat(QImage::Format_RGB32),
             gallery->candidate(0).convertToFormat(QImage::Format_RGB32));

    // Export All and the clipboard carry the same bytes.
    QVERIFY(app.window->exportCandidates(out.path()));
    QCOMPARE(readPngTextChunks(out.filePath("photo-run1_01.png")), chunks);
    QVERIFY(app.window->copyCandidate(0));
    QFile file(saved);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QApplication::clipboard()->mimeData()->data("image/png"), file.readAll());
  }
};

QTEST_MAIN(TestAppClipboard)
#include "tst_app_clipboard.moc"
