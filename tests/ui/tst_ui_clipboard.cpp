// Handing images out of the window: the image and a candidate to the clipboard (a candidate
// also as PNG bytes with the run's text chunks), one candidate saved, all candidates of a run
// exported as name_01.png, name_02.png, … without silently replacing files.
#include <QAbstractButton>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QToolButton>
#include <QtTest>

#include <memory>

#include "ui/document/document.h"
#include "ui/document/png_metadata.h"
#include "ui/mainwindow/main_window.h"
#include "ui/panels/gallery_panel.h"

namespace {

QImage pattern(QSize size, int seed) {
  QImage image(size, QImage::Format_RGB32);
  for (int y = 0; y < size.height(); ++y)
    for (int x = 0; x < size.width(); ++x)
      image.setPixel(x, y, qRgb((x * 7 + seed) & 255, (y * 5 + seed * 3) & 255, (x ^ y) & 255));
  return image;
}

using Chunks = QList<QPair<QString, QString>>;

// As the engine makes them for promptbrush-cli (stand-ins with the CLI's keys).
Chunks cliChunks(int candidate) {
  return {{"parameters", QStringLiteral("a red apple\nSteps: 0, Sampler: none, Seed: %1, Size: "
                                        "80x60, Model: none, Mode: classic-fill, Software: "
                                        "Promptbrush 1")
                             .arg(100 + candidate)},
          {"promptbrush",
           QStringLiteral("{\"candidate\":%1,\"prompt\":\"a red apple — ü\"}").arg(candidate + 1)},
          {"Software", "Promptbrush 1"}};
}

RunRecord run(int id, bool withCliChunks) {
  RunRecord r;
  r.id = id;
  r.settings.mode = GenerationMode::Inpaint;
  r.settings.method = FillMethod::Glide;
  for (int i = 0; i < 3; ++i) {
    r.images << pattern({80, 60}, i + 1);
    r.seeds << quint64(100 + i);
    if (withCliChunks) r.pngTexts << cliChunks(i);
  }
  r.parameters = QJsonObject{
      {"prompt", "a red apple"}, {"steps", "25"}, {"seed", "100"}, {"model", "base-inpaint"}};
  return r;
}

Chunks chunksOf(const QByteArray& png, const QString& dir) {
  const QString path = QDir(dir).filePath(QStringLiteral("probe.png"));
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly) || f.write(png) != png.size()) return {};
  f.close();
  return readPngTextChunks(path);
}

bool samePixels(const QImage& a, const QImage& b) {
  return a.convertToFormat(QImage::Format_RGB32) == b.convertToFormat(QImage::Format_RGB32);
}

void answerNextMessageBox(QMessageBox::StandardButton button, QString* text) {
  QTimer::singleShot(0, [button, text] {
    if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
      *text = box->text();
      box->button(button)->click();
    }
  });
}

struct Window {
  explicit Window(bool withCliChunks = true) {
    window = std::make_unique<MainWindow>();
    window->show();
    window->document()->setImage(pattern({80, 60}, 0), QStringLiteral("/tmp/photo.png"));
    window->runFinished(run(7, withCliChunks));
  }
  MainWindow* operator->() const { return window.get(); }
  std::unique_ptr<MainWindow> window;
};

}  // namespace

class TestClipboard : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("PromptbrushTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_ui_clipboard"));
    QSettings().clear();
  }

  void offscreenClipboardHoldsImages() {
    // The premise of the tests below: Qt's offscreen clipboard keeps what this process set.
    QImage image = pattern({10, 8}, 5);
    QApplication::clipboard()->setImage(image);
    QVERIFY(samePixels(QApplication::clipboard()->image(), image));
  }

  void copyImage() {
    Window w;
    QApplication::clipboard()->clear();
    QVERIFY(w->action("actionCopyImage")->isEnabled());
    QCOMPARE(w->action("actionCopyImage")->shortcut(), QKeySequence(QKeySequence::Copy));
    w->action("actionCopyImage")->trigger();
    QVERIFY(samePixels(QApplication::clipboard()->image(), w->document()->image()));
    // And it pastes back as an image.
    QVERIFY(QApplication::clipboard()->mimeData()->hasImage());
  }

  void copyCandidateWithCliChunks() {
    QTemporaryDir dir;
    Window w;
    QApplication::clipboard()->clear();
    GalleryPanel* gallery = w->galleryPanel();
    gallery->select(1);
    QVERIFY(gallery->copyButton()->isEnabled());
    QTest::mouseClick(gallery->copyButton(), Qt::LeftButton);
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    QVERIFY(mime);
    QVERIFY(samePixels(QApplication::clipboard()->image(), gallery->candidate(1)));
    QVERIFY(mime->hasFormat(QStringLiteral("image/png")));
    const QByteArray png = mime->data(QStringLiteral("image/png"));
    QCOMPARE(chunksOf(png, dir.path()), cliChunks(1));
    QVERIFY(samePixels(QImage::fromData(png, "PNG"), gallery->candidate(1)));

    // The window action copies the selected one, too.
    gallery->select(2);
    QCOMPARE(w->action("actionCopyCandidate")->shortcut(),
             QKeySequence(QStringLiteral("Ctrl+Shift+C")));
    w->action("actionCopyCandidate")->trigger();
    QCOMPARE(chunksOf(QApplication::clipboard()->mimeData()->data("image/png"), dir.path()),
             cliChunks(2));
  }

  void candidateActionsFollowTheSelection() {
    Window w;
    w->galleryPanel()->select(-1);
    QVERIFY(!w->action("actionCopyCandidate")->isEnabled());
    QVERIFY(!w->action("actionSaveCandidate")->isEnabled());
    QVERIFY(w->action("actionExportCandidates")->isEnabled());
    QVERIFY(!w->galleryPanel()->copyButton()->isEnabled());
    w->galleryPanel()->select(0);
    QVERIFY(w->action("actionCopyCandidate")->isEnabled());
    QVERIFY(w->galleryPanel()->saveButton()->isEnabled());
    QTest::mouseClick(w->galleryPanel()->discardButton(), Qt::LeftButton);
    QVERIFY(!w->action("actionExportCandidates")->isEnabled());
    QVERIFY(!w->galleryPanel()->exportAllButton()->isEnabled());
    QVERIFY(!w->copyCandidate(0));
  }

  void saveCandidateWritesTheChunks() {
    QTemporaryDir dir;
    Window w;
    const QString path = dir.filePath(QStringLiteral("one.png"));
    QVERIFY(w->saveCandidate(2, path));
    QCOMPARE(readPngTextChunks(path), cliChunks(2));
    QVERIFY(samePixels(QImage(path), w->galleryPanel()->candidate(2)));
  }

  void savedCandidateWithoutCliChunksCarriesItsSeed() {
    // A run the engine did not describe (restored history): the window's own chunks, with the
    // candidate's own seed.
    QTemporaryDir dir;
    Window w(false);
    const QString path = dir.filePath(QStringLiteral("two.png"));
    QVERIFY(w->saveCandidate(1, path));
    const Chunks chunks = readPngTextChunks(path);
    const QJsonObject p = parseParametersText(pngTextValue(chunks, kPngParametersKey));
    QCOMPARE(p.value("prompt").toString(), QStringLiteral("a red apple"));
    QCOMPARE(p.value("seed").toVariant().toString(), QStringLiteral("101"));
    const QJsonArray applied = parsePromptbrushChunk(pngTextValue(chunks, kPngPromptbrushKey));
    QCOMPARE(applied.size(), 1);
    QCOMPARE(applied[0].toObject().value("seed").toVariant().toString(), QStringLiteral("101"));
  }

  void exportAllNeverReplacesSilently() {
    QTemporaryDir dir;
    Window w;
    QCOMPARE(w->candidateBaseName(), QStringLiteral("photo-run7"));
    QVERIFY(w->exportCandidates(dir.path()));
    QStringList names = QDir(dir.path()).entryList({"*.png"}, QDir::Files, QDir::Name);
    QCOMPARE(names, QStringList({"photo-run7_01.png", "photo-run7_02.png", "photo-run7_03.png"}));
    for (int i = 0; i < 3; ++i) {
      const QString path = dir.filePath(names[i]);
      QCOMPARE(readPngTextChunks(path), cliChunks(i));
      QVERIFY(samePixels(QImage(path), w->galleryPanel()->candidate(i)));
    }

    // A file of the person's with one of those names: asked, and Cancel leaves it alone.
    const QString mine = dir.filePath(QStringLiteral("photo-run7_02.png"));
    QFile::remove(mine);
    {
      QFile f(mine);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("mine");
    }
    QString question;
    answerNextMessageBox(QMessageBox::Cancel, &question);
    QVERIFY(!w->exportCandidates(dir.path()));
    QVERIFY2(question.contains(QStringLiteral("photo-run7_01.png")), qPrintable(question));
    QVERIFY(question.contains(QStringLiteral("3 file")));
    QFile f(mine);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("mine"));
    f.close();

    // Yes replaces them.
    answerNextMessageBox(QMessageBox::Yes, &question);
    QVERIFY(w->exportCandidates(dir.path()));
    QCOMPARE(readPngTextChunks(mine), cliChunks(1));
  }
};

QTEST_MAIN(TestClipboard)
#include "tst_ui_clipboard.moc"
