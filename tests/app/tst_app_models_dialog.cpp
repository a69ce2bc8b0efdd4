// The models dialog as a person sees it: each file verified, wrong (naming the first
// problem, every problem in the tooltip), unreadable (a truncated download) or missing,
// with its size; Download… fetches the selected file from a local mirror (a test HTTP
// server: no internet), shows the progress and refreshes the table; a failed download
// says why.
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/runtime/model_verify.h"
#include "tests/app/app_harness.h"
#include "tests/app/http_server.h"
#include "tests/common/fixtures.h"

namespace {

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  f.write(bytes);
}

}  // namespace

class AppModelsDialog : public QObject {
  Q_OBJECT
  QTemporaryDir models_;
  std::unique_ptr<apptest::App> app_;

  ModelsDialog* dialog() {
    app_->window->showModelsDialog();
    return app_->window->findChild<ModelsDialog*>();
  }
  int rowOf(ModelsDialog* d, const QString& name) {
    for (int r = 0; r < d->table()->rowCount(); ++r)
      if (d->table()->item(r, ModelsDialog::FileColumn)->text() == name) return r;
    return -1;
  }
  QString cell(ModelsDialog* d, const QString& name, int column) {
    const int r = rowOf(d, name);
    return r < 0 ? QString() : d->table()->item(r, column)->text();
  }

 private slots:
  void initTestCase() {
    apptest::isolateSettings();
    PB_REQUIRE_FIXTURE(vocab, "tokenizer/vocab.bpe.gz");
    PB_REQUIRE_FIXTURE(base, "glide/small-base.pt");
    PB_REQUIRE_FIXTURE(inpaint, "glide/small-base-inpaint.pt");
    const QDir dir(models_.path());
    writeFile(dir.filePath("vocab.bpe.gz"), readAll(vocab));  // the published file
    writeFile(dir.filePath("base.pt"), readAll(base));        // another model
    writeFile(dir.filePath("base_inpaint.pt"), readAll(inpaint).left(100000));  // cut short
    pb::clear_verify_cache();
    app_ = std::make_unique<apptest::App>(models_.path());
    QVERIFY(app_->exposed());
  }
  void cleanupTestCase() { app_.reset(); }

  void statesOfEveryFile() {
    ModelsDialog* d = dialog();
    QVERIFY(d && d->isVisible());
    QCOMPARE(d->table()->horizontalHeaderItem(ModelsDialog::SizeColumn)->text(), QString("Size"));
    QCOMPARE(cell(d, "vocab.bpe.gz", ModelsDialog::StatusColumn), QString("Verified"));
    QCOMPARE(cell(d, "vocab.bpe.gz", ModelsDialog::SizeColumn), QString("214 kB"));
    const QString wrong = cell(d, "base.pt", ModelsDialog::StatusColumn);
    QVERIFY2(wrong.startsWith("Wrong: positional_embedding: expected [128, 512], found [16, 4]"),
             qPrintable(wrong));
    const QString tip =
        d->table()->item(rowOf(d, "base.pt"), ModelsDialog::StatusColumn)->toolTip();
    QVERIFY2(tip.contains(QDir(models_.path()).filePath("base.pt")) && tip.count('\n') > 3,
             qPrintable(tip));
    const QString cut = cell(d, "base_inpaint.pt", ModelsDialog::StatusColumn);
    QVERIFY2(cut.startsWith("Unreadable: ") && cut.contains("truncated"), qPrintable(cut));
    QCOMPARE(cell(d, "upsample.pt", ModelsDialog::StatusColumn), QString("Missing"));
    QCOMPARE(cell(d, "upsample.pt", ModelsDialog::SizeColumn), QString("about 1.59 GB"));
    QCOMPARE(cell(d, "encoder.json.gz", ModelsDialog::SizeColumn), QString("348 kB"));
    // Still readable at 900 px: nothing scrolls sideways.
    d->resize(900, 600);
    QApplication::processEvents();
    QCOMPARE(d->table()->horizontalScrollBar()->maximum(), 0);
  }

  void downloadFetchesTheSelectedFile() {
    PB_REQUIRE_FIXTURE(encoder, "tokenizer/encoder.json.gz");
    pbtest::HttpServer server;
    server.files["/mirror/encoder.json.gz"] = readAll(encoder);
    qputenv("PROMPTBRUSH_MODELS_MIRROR", server.url("/mirror").toUtf8());
    ModelsDialog* d = dialog();
    d->table()->selectRow(rowOf(d, "encoder.json.gz"));
    QVERIFY(d->downloadButton()->isEnabled());
    QTest::mouseClick(d->downloadButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(cell(d, "encoder.json.gz", ModelsDialog::StatusColumn),
                              QString("Verified"), 20000);
    QTRY_VERIFY(!d->downloadProgress()->isVisible());
    QCOMPARE(d->downloadStatus()->text(), QString("Downloaded and verified."));
    QCOMPARE(server.log, QStringList{"GET /mirror/encoder.json.gz "});
    QCOMPARE(readAll(QDir(models_.path()).filePath("encoder.json.gz")), readAll(encoder));
    QCOMPARE(cell(d, "upsample.pt", ModelsDialog::StatusColumn), QString("Missing"));

    // A file the mirror does not have: the dialog says why, the file stays missing.
    d->table()->selectRow(rowOf(d, "bpe_simple_vocab_16e6.txt.gz"));
    QTest::mouseClick(d->downloadButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(d->downloadStatus()->text().contains("404"), 20000);
    QVERIFY(d->downloadStatus()->text().contains("bpe_simple_vocab_16e6.txt.gz"));
    QCOMPARE(cell(d, "bpe_simple_vocab_16e6.txt.gz", ModelsDialog::StatusColumn),
             QString("Missing"));
    QVERIFY(d->downloadButton()->isEnabled());
    qunsetenv("PROMPTBRUSH_MODELS_MIRROR");
  }

  void checkAgainSeesAReplacedFile() {
    PB_REQUIRE_FIXTURE(inpaint, "glide/small-base-inpaint.pt");
    ModelsDialog* d = dialog();
    // The whole small model now: readable, but not the published one.
    writeFile(QDir(models_.path()).filePath("base_inpaint.pt"), readAll(inpaint));
    QPushButton* again = nullptr;
    for (auto* b : d->findChildren<QPushButton*>())
      if (b->text() == "Check Again") again = b;
    QVERIFY(again);
    QTest::mouseClick(again, Qt::LeftButton);
    QVERIFY2(cell(d, "base_inpaint.pt", ModelsDialog::StatusColumn).startsWith("Wrong: "),
             qPrintable(cell(d, "base_inpaint.pt", ModelsDialog::StatusColumn)));
  }
};

QTEST_MAIN(AppModelsDialog)
#include "tst_app_models_dialog.moc"
