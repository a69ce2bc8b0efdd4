// Results a person keeps, through the real window with tiny GLIDE models: the run history
// survives a restart (prompt, seed, thumbnail, and the candidates' pixels shown again when
// a run is selected), keeps the last RunHistory::kMaxRuns runs and deletes older files, and
// shrugs off a hostile index; a saved candidate's PNG restores its run exactly (the Fast
// preset, seed, candidates) and re-running it gives the same pixels, byte for byte.
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include "app/gui/run_history.h"
#include "app/gui/run_requests.h"
#include "engine/pipelines/presets.h"
#include "tests/app/app_harness.h"
#include "tests/app/tiny_glide.h"
#include "ui/document/png_metadata.h"
#include "ui/mainwindow/message_bar.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"

namespace {
QImage rgb(const QImage& image) { return image.convertToFormat(QImage::Format_RGB32); }

void writeBytes(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  QCOMPARE(f.write(bytes), bytes.size());
}

// Clicks the history's row `row` (0: the newest) with the mouse.
void clickHistoryRow(HistoryPanel* history, int row) {
  QTreeWidget* tree = history->tree();
  const QRect rect = tree->visualItemRect(tree->topLevelItem(row));
  QVERIFY(rect.isValid());
  QTest::mouseClick(tree->viewport(), Qt::LeftButton, Qt::NoModifier, rect.center());
}
}  // namespace

class TestRunHistory : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    apptest::isolateSettings();
    QVERIFY(models_.isValid() && work_.isValid());
    PB_WRITE_TINY_GLIDE_MODELS(models_.path());
    source_ = work_.filePath(QStringLiteral("source.png"));
    QVERIFY(apptest::gradientImage(QSize(160, 120)).save(source_));
  }

  void historySurvivesARestart() {
    QTemporaryDir dir;
    QVector<QImage> candidates;
    {
      apptest::App app(models_.path(), QStringLiteral("--models"), dir.path());
      QVERIFY(app.exposed());
      openAndPaint(app);
      panel(app)->setSettings(settings(QStringLiteral("kept across restarts"), 2));
      QTest::mouseClick(panel(app)->generateButton(), Qt::LeftButton);
      QTRY_COMPARE_WITH_TIMEOUT(app.window->historyPanel()->count(), 1, 120000);
      GalleryPanel* gallery = app.window->galleryPanel();
      QCOMPARE(gallery->count(), 2);
      for (int i = 0; i < 2; ++i) candidates << gallery->candidate(i);
      QVERIFY(candidates[0] != candidates[1]);
    }  // the window, controller and engine are gone; the history's files are written

    QVERIFY(QFileInfo::exists(QDir(dir.path()).filePath("index.json")));
    QCOMPARE(QDir(dir.path()).entryList({"*.png"}, QDir::Files).size(), 3);  // 2 + thumbnail
    apptest::App app(models_.path(), QStringLiteral("--models"), dir.path());
    QVERIFY(app.exposed());
    HistoryPanel* history = app.window->historyPanel();
    QCOMPARE(history->count(), 1);
    const RunRecord run = history->run(0);
    QCOMPARE(run.settings.prompt, QStringLiteral("kept across restarts"));
    QCOMPARE(run.reproducible().seed, quint64(7));
    QCOMPARE(run.seeds, (QVector<quint64>{7, 8}));
    QCOMPARE(run.parameters.value("preset").toString(), QStringLiteral("fast"));
    QVERIFY(!run.thumbnail.isNull());
    QTreeWidgetItem* row = history->tree()->topLevelItem(0);
    QCOMPARE(row->text(2), QStringLiteral("kept across restarts"));
    QCOMPARE(row->text(3), QStringLiteral("7"));
    QVERIFY(!row->icon(0).isNull());

    GalleryPanel* gallery = app.window->galleryPanel();
    QCOMPARE(gallery->count(), 0);
    clickHistoryRow(history, 0);
    QCOMPARE(gallery->count(), 2);
    QCOMPARE(gallery->runId(), run.id);
    for (int i = 0; i < 2; ++i) QCOMPARE(rgb(gallery->candidate(i)), rgb(candidates[i]));
    // A candidate saved from the restored run carries the engine's chunks, as the CLI writes.
    const QString saved = work_.filePath(QStringLiteral("restored-2.png"));
    QVERIFY(app.window->saveCandidate(1, saved));
    QVERIFY(pngTextValue(readPngTextChunks(saved), "promptbrush").contains("\"seed\":\"8\""));

    // New runs number on from the kept ones.
    openAndPaint(app);
    panel(app)->setSettings(settings(QStringLiteral("second"), 1));
    QTest::mouseClick(panel(app)->generateButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(history->count(), 2, 120000);
    QVERIFY(history->run(1).id > run.id);
  }

  void keepsTheLastRunsAndDeletesOlderFiles() {
    QTemporaryDir dir;
    constexpr int kExtra = 5;
    {
      pbapp::RunHistory store(dir.path());
      QString message;
      QVERIFY(store.load(&message).isEmpty());
      QVERIFY(message.isEmpty());
      for (int i = 1; i <= pbapp::RunHistory::kMaxRuns + kExtra; ++i) {
        RunRecord r;
        r.id = i;
        r.settings.prompt = QStringLiteral("run %1").arg(i);
        QImage image(8, 8, QImage::Format_RGB32);
        image.fill(QColor(i, 0, 0));
        r.images = {image};
        r.seeds = {quint64(i)};
        store.add(r);
      }
      QCOMPARE(store.count(), pbapp::RunHistory::kMaxRuns);
      QVERIFY(!store.run(kExtra));
      QVERIFY(store.run(kExtra + 1));
    }
    QCOMPARE(QDir(dir.path()).entryList({"*.png"}, QDir::Files).size(),
             2 * pbapp::RunHistory::kMaxRuns);
    pbapp::RunHistory again(dir.path());
    QString message;
    const QVector<RunRecord> runs = again.load(&message);
    QVERIFY2(message.isEmpty(), qPrintable(message));
    QCOMPARE(runs.size(), pbapp::RunHistory::kMaxRuns);
    QCOMPARE(runs.front().id, kExtra + 1);
    QCOMPARE(runs.back().settings.prompt,
             QStringLiteral("run %1").arg(pbapp::RunHistory::kMaxRuns + kExtra));
    const std::optional<RunRecord> last = again.run(runs.back().id);
    QVERIFY(last && last->images.size() == 1);
    QCOMPARE(last->images.front().pixelColor(3, 3),
             QColor(pbapp::RunHistory::kMaxRuns + kExtra, 0, 0));
  }

  void hostileIndexIsIgnoredWithAMessage() {
    QTemporaryDir dir;
    const QString index = QDir(dir.path()).filePath("index.json");
    // Not JSON at all: an empty history, a message, the file moved aside.
    writeBytes(index, QByteArray("{\"version\": 1, \"runs\": [\x01\xff"));
    {
      apptest::App app(models_.path(), QStringLiteral("--models"), dir.path());
      QCOMPARE(app.window->historyPanel()->count(), 0);
      QVERIFY2(app.window->messageBar()->text().contains("could not be read"),
               qPrintable(app.window->messageBar()->text()));
      QVERIFY(QFileInfo::exists(index + ".corrupt"));
    }
    // Well-formed JSON with hostile entries: only the sound one is listed.
    QImage image(8, 8, QImage::Format_RGB32);
    image.fill(Qt::green);
    QVERIFY(image.save(QDir(dir.path()).filePath("good-1.png")));
    writeBytes(QDir(dir.path()).filePath("good-thumb.png"), "not a png");
    const QJsonObject good{{"id", 4}, {"settings", QJsonObject{{"prompt", "sound"}}}};
    const QJsonArray runs{
        QJsonObject{{"key", "good"}, {"candidates", 1}, {"run", good}},
        QJsonObject{{"key", "../../outside"}, {"candidates", 1}, {"run", QJsonObject{{"id", 5}}}},
        QJsonObject{{"key", "huge"}, {"candidates", 1e9}, {"run", QJsonObject{{"id", 6}}}},
        QJsonObject{{"key", "again"}, {"candidates", 1}, {"run", good}},  // the same id
        QJsonObject{{"key", "noid"}, {"candidates", 1}, {"run", QJsonObject{{"id", "x"}}}},
        QJsonValue("not an object"),
        QJsonValue(42)};
    writeBytes(index, QJsonDocument(QJsonObject{{"version", 1}, {"runs", runs}}).toJson());
    apptest::App app(models_.path(), QStringLiteral("--models"), dir.path());
    HistoryPanel* history = app.window->historyPanel();
    QCOMPARE(history->count(), 1);
    QCOMPARE(history->run(0).settings.prompt, QStringLiteral("sound"));
    QVERIFY(history->run(0).thumbnail.isNull());
    QVERIFY2(app.window->messageBar()->text().contains("Left out 6"),
             qPrintable(app.window->messageBar()->text()));
    clickHistoryRow(history, 0);
    QCOMPARE(app.window->galleryPanel()->count(), 1);
    QCOMPARE(rgb(app.window->galleryPanel()->candidate(0)), image);
  }

  void fastPresetRunIsReproducedFromItsPng() {
    apptest::App app(models_.path());
    QVERIFY(app.exposed());
    MainWindow* w = app.window.get();
    openAndPaint(app);
    const QImage mask = app.doc()->mask();
    const QString maskFile = work_.filePath(QStringLiteral("mask.png"));
    QVERIFY(mask.save(maskFile));
    panel(app)->setSettings(settings(QStringLiteral("a red apple"), 1));
    QTest::mouseClick(panel(app)->generateButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(w->historyPanel()->count(), 1, 120000);
    const QImage first = w->galleryPanel()->candidate(0);
    const QString saved = work_.filePath(QStringLiteral("fast.png"));
    QVERIFY(w->saveCandidate(0, saved));

    // Other settings in the panel, then the saved PNG's parameters restored.
    RunSettings other = settings(QStringLiteral("something else"), 3);
    other.quality = QualityPreset::Custom;
    other.customSteps = 12;
    other.randomSeed = true;
    panel(app)->setSettings(other);
    QVERIFY(w->openFile(saved));
    QPushButton* restore = nullptr;
    for (auto* b : w->messageBar()->findChildren<QPushButton*>())
      if (b->text() == "Restore Parameters" && !b->isHidden()) restore = b;
    QVERIFY(restore);
    QTest::mouseClick(restore, Qt::LeftButton);
    QComboBox* quality = nullptr;
    for (auto* c : panel(app)->findChildren<QComboBox*>())
      if (c->accessibleName() == "Quality") quality = c;
    QVERIFY(quality);
    QCOMPARE(quality->currentText(), QStringLiteral("Fast"));
    const RunSettings restored = panel(app)->settings();
    QCOMPARE(restored.quality, QualityPreset::Fast);
    QVERIFY(restored.sampling.isEmpty());
    QCOMPARE(restored.prompt, QStringLiteral("a red apple"));
    QVERIFY(!restored.randomSeed);
    QCOMPARE(restored.seed, quint64(7));
    QCOMPARE(restored.candidates, 1);
    QCOMPARE(restored.guidanceScale, 5.0);
    // What goes to the engine is the fast preset itself.
    const pb::GlideSettings g = pbapp::glideSettings(restored);
    const pb::GlideSettings fast = pb::pipelines::find_glide_preset("fast")->settings;
    QCOMPARE(g.sampler, fast.sampler);
    QCOMPARE(g.base_respacing, fast.base_respacing);
    QCOMPARE(g.upsample_sampler, fast.upsample_sampler);
    QCOMPARE(g.upsample_respacing, fast.upsample_respacing);

    // The same image and mask again, Generate: the same pixels.
    QVERIFY(w->openFile(source_));
    QString error;
    QVERIFY2(app.doc()->importMask(maskFile, &error), qPrintable(error));
    QCOMPARE(app.doc()->mask(), mask);
    QTest::mouseClick(panel(app)->generateButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(w->historyPanel()->count(), 2, 120000);
    const QImage again = w->galleryPanel()->candidate(0);
    QCOMPARE(again.size(), first.size());
    QCOMPARE(rgb(again), rgb(first));
    QCOMPARE(rgb(QImage(saved)), rgb(again));
  }

 private:
  void openAndPaint(apptest::App& app) {
    QVERIFY(app.window->openFile(source_));
    app.canvas()->fitToWindow();
    app.paint({{50, 40}, {90, 60}, {110, 70}});
    QVERIFY(!app.doc()->maskIsEmpty());
  }
  static RunSettings settings(const QString& prompt, int candidates) {
    RunSettings s;
    s.mode = GenerationMode::Inpaint;
    s.method = FillMethod::Glide;
    s.prompt = prompt;
    s.quality = QualityPreset::Fast;
    s.randomSeed = false;
    s.seed = 7;
    s.candidates = candidates;
    return s;
  }
  static PromptPanel* panel(apptest::App& app) { return app.window->promptPanel(); }

  QTemporaryDir models_, work_;
  QString source_;
};

QTEST_MAIN(TestRunHistory)
#include "tst_app_run_history.moc"
