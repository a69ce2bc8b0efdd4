// The model downloader against a local HTTP/1.1 server (no internet): plain downloads,
// a connection dropped mid-file (resumed byte-identical with a Range request), a server
// that ignores Range (200 instead of 206: started over), 416 for a complete part,
// redirects, 404, and files that arrive whole but fail the check (kept as NAME.bad, not
// installed); cancelling keeps the part for later.
#include "app/fetch/download_plan.h"
#include "app/fetch/model_downloader.h"
#include "engine/runtime/model_verify.h"

#include <QDir>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/app/http_server.h"
#include "tests/common/fixtures.h"
#include "tests/runtime/expectation_json.h"

namespace {

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class AppFetch : public QObject {
  Q_OBJECT
  QByteArray base_, upsample_;
  pb::ModelExpectation expected_;

  pbfetch::DownloadItem item(const pbtest::HttpServer& server, const QString& path) {
    pbfetch::DownloadItem it;
    it.name = "small-base.pt";
    it.url = QUrl(server.url(path));
    const pb::ModelExpectation e = expected_;
    it.check = [e](const QString& p) {
      const pb::VerifyResult r = pb::verify_checkpoint(p.toStdString(), e);
      return pbfetch::CheckResult{r.ok(), QString::fromStdString(r.summary)};
    };
    return it;
  }
  // Runs the downloader to the end; the results.
  QVector<pbfetch::FileResult> run(const QString& dir,
                                   const QVector<pbfetch::DownloadItem>& items) {
    pbfetch::ModelDownloader d(dir);
    d.setMaxResumes(2);
    QSignalSpy done(&d, &pbfetch::ModelDownloader::finished);
    d.start(items);
    [&] { QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 30000); }();
    return d.results();
  }

 private slots:
  void initTestCase() {
    PB_REQUIRE_FIXTURE(base, "glide/small-base.pt");
    PB_REQUIRE_FIXTURE(up, "glide/small-upsample.pt");
    base_ = readAll(base);
    upsample_ = readAll(up);
    expected_ = pbtest::expectation_from_manifest(pbtest::fixture("glide/small-base.json"),
                                                  "small-base", "small-base.pt", "fixture");
    QVERIFY(!expected_.tensors.empty());
  }

  void downloadsVerifiesAndInstalls() {
    pbtest::HttpServer server;
    server.files["/small-base.pt"] = base_;
    QTemporaryDir dir;
    const auto results = run(dir.path() + "/models", {item(server, "/small-base.pt")});
    QCOMPARE(results.size(), 1);
    QVERIFY2(results.value(0).outcome == pbfetch::Outcome::installed,
             qPrintable(results.value(0).message));
    QVERIFY(results.value(0).message.contains("tensors"));
    QCOMPARE(readAll(dir.path() + "/models/small-base.pt"), base_);
    QVERIFY(!QFile::exists(dir.path() + "/models/small-base.pt.part"));
  }

  void droppedConnectionResumesByteIdentical() {
    pbtest::HttpServer server;
    server.files["/small-base.pt"] = base_;
    server.dropAfter["/small-base.pt"] = 1'000'000;
    QTemporaryDir dir;
    const auto results = run(dir.path(), {item(server, "/small-base.pt")});
    QVERIFY2(results.value(0).outcome == pbfetch::Outcome::installed,
             qPrintable(results.value(0).message));
    QCOMPARE(readAll(dir.filePath("small-base.pt")), base_);
    QVERIFY2(server.log.size() == 2 && server.log[1].endsWith("bytes=1000000-"),
             qPrintable(server.log.join(" | ")));
  }

  void partFromAnEarlierRunResumes() {
    pbtest::HttpServer server;
    server.files["/small-base.pt"] = base_;
    QTemporaryDir dir;
    QFile part(dir.filePath("small-base.pt.part"));
    QVERIFY(part.open(QIODevice::WriteOnly));
    part.write(base_.left(123456));
    part.close();
    const auto results = run(dir.path(), {item(server, "/small-base.pt")});
    QVERIFY2(results.value(0).outcome == pbfetch::Outcome::installed,
             qPrintable(results.value(0).message));
    QCOMPARE(readAll(dir.filePath("small-base.pt")), base_);
    QCOMPARE(server.log, QStringList{"GET /small-base.pt bytes=123456-"});
  }

  void serverIgnoringRangeStartsOver() {
    pbtest::HttpServer server;
    server.files["/small-base.pt"] = base_;
    server.ignoreRange = true;
    QTemporaryDir dir;
    QFile part(dir.filePath("small-base.pt.part"));
    QVERIFY(part.open(QIODevice::WriteOnly));
    part.write(base_.left(5000));
    part.close();
    const auto results = run(dir.path(), {item(server, "/small-base.pt")});
    QVERIFY2(results.value(0).outcome == pbfetch::Outcome::installed,
             qPrintable(results.value(0).message));
    QCOMPARE(readAll(dir.filePath("small-base.pt")), base_);  // not 5000 bytes too many
  }

  void completePartAnswered416IsChecked() {
    pbtest::HttpServer server;
    server.files["/small-base.pt"] = base_;
    QTemporaryDir dir;
    QFile part(dir.filePath("small-base.pt.part"));
    QVERIFY(part.open(QIODevice::WriteOnly));
    part.write(base_);
    part.close();
    const auto results = run(dir.path(), {item(server, "/small-base.pt")});
    QVERIFY2(results.value(0).outcome == pbfetch::Outcome::installed,
             qPrintable(results.value(0).message));
    QVERIFY(server.log.value(0).endsWith(QString("bytes=%1-").arg(base_.size())));
    QCOMPARE(readAll(dir.filePath("small-base.pt")), base_);
  }

  void redirectsAreFollowed() {
    pbtest::HttpServer server;
    server.files["/cdn/small-base.pt"] = base_;
    server.redirects["/small-base.pt"] = "/cdn/small-base.pt";
    QTemporaryDir dir;
    const auto results = run(dir.path(), {item(server, "/small-base.pt")});
    QVERIFY2(results.value(0).outcome == pbfetch::Outcome::installed,
             qPrintable(results.value(0).message));
    QCOMPARE(readAll(dir.filePath("small-base.pt")), base_);
  }

  void notFoundFailsNamingTheUrl() {
    pbtest::HttpServer server;
    QTemporaryDir dir;
    const auto results = run(dir.path(), {item(server, "/gone.pt")});
    QCOMPARE(results.value(0).outcome, pbfetch::Outcome::failed);
    QVERIFY2(
        results.value(0).message.contains("404") && results.value(0).message.contains("/gone.pt"),
        qPrintable(results.value(0).message));
    QVERIFY(!QFile::exists(dir.filePath("small-base.pt")));
  }

  void wrongFileIsKeptAsBadNotInstalled() {
    pbtest::HttpServer server;
    server.files["/small-base.pt"] = upsample_;  // another model under the name
    QTemporaryDir dir;
    QFile old(dir.filePath("small-base.pt"));  // an earlier good copy stays
    QVERIFY(old.open(QIODevice::WriteOnly));
    old.write("earlier");
    old.close();
    const auto results = run(dir.path(), {item(server, "/small-base.pt")});
    QCOMPARE(results.value(0).outcome, pbfetch::Outcome::verificationFailed);
    QVERIFY2(results.value(0).message.contains("expected ["), qPrintable(results.value(0).message));
    QVERIFY2(results.value(0).message.contains("small-base.pt.bad"),
             qPrintable(results.value(0).message));
    QCOMPARE(readAll(dir.filePath("small-base.pt.bad")), upsample_);
    QCOMPARE(readAll(dir.filePath("small-base.pt")), QByteArray("earlier"));
  }

  void truncatedFileFailsTheCheck() {
    pbtest::HttpServer server;
    server.files["/small-base.pt"] = base_;
    server.lie["/small-base.pt"] = base_.left(base_.size() / 2);  // whole, says the server
    QTemporaryDir dir;
    const auto results = run(dir.path(), {item(server, "/small-base.pt")});
    QCOMPARE(results.value(0).outcome, pbfetch::Outcome::verificationFailed);
    QVERIFY2(results.value(0).message.contains("truncated"), qPrintable(results.value(0).message));
    QVERIFY(!QFile::exists(dir.filePath("small-base.pt")));
    QVERIFY(QFile::exists(dir.filePath("small-base.pt.bad")));
  }

  void cancelKeepsThePart() {
    pbtest::HttpServer server;
    server.files["/small-base.pt"] = base_;
    server.files["/b.pt"] = base_;
    QTemporaryDir dir;
    pbfetch::ModelDownloader d(dir.path());
    QSignalSpy done(&d, &pbfetch::ModelDownloader::finished);
    connect(&d, &pbfetch::ModelDownloader::progress, &d, [&d] { d.cancel(); });
    auto second = item(server, "/b.pt");
    second.name = "b.pt";
    d.start({item(server, "/small-base.pt"), second});
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 30000);
    QCOMPARE(done.at(0).at(0).toBool(), false);
    QCOMPARE(d.results().size(), 2);
    QCOMPARE(d.results()[0].outcome, pbfetch::Outcome::cancelled);
    QCOMPARE(d.results()[1].outcome, pbfetch::Outcome::cancelled);
    QVERIFY(QFile::exists(dir.filePath("small-base.pt.part")));
    QVERIFY(!QFile::exists(dir.filePath("small-base.pt")));
    QVERIFY(!QFile::exists(dir.filePath("b.pt.part")));
  }

  // The installed tool, as a person runs it: sizes up front (HEAD), then the download.
  void fetchToolListsThenInstalls() {
    PB_REQUIRE_FIXTURE(merges, "tokenizer/vocab.bpe.gz");
    pbtest::HttpServer server;
    server.files["/m/vocab.bpe.gz"] = readAll(merges);
    QTemporaryDir dir;
    auto runTool = [&](const QStringList& args, QString* output) {
      QProcess p;
      p.setProcessChannelMode(QProcess::MergedChannels);
      p.start(PB_FETCH, args + QStringList{"--models", dir.path(), "--mirror", server.url("/m")});
      // The server answers from this event loop: wait without blocking it.
      [&] { QTRY_VERIFY_WITH_TIMEOUT(p.state() == QProcess::NotRunning, 60000); }();
      *output = QString::fromUtf8(p.readAll());
      return p.exitCode();
    };
    QString out;
    QCOMPARE(runTool({"--only", "glide-merges", "--list"}, &out), 0);
    QVERIFY2(out.contains("to fetch    vocab.bpe.gz (214 kB) missing"), qPrintable(out));
    QVERIFY2(out.contains("1 file(s) to fetch, 214 kB."), qPrintable(out));
    QVERIFY(!QFile::exists(dir.filePath("vocab.bpe.gz")));
    QCOMPARE(runTool({"--only", "glide-merges"}, &out), 4);  // not a terminal, no --yes
    QVERIFY2(out.contains("--yes"), qPrintable(out));
    QCOMPARE(runTool({"--only", "glide-merges", "--yes"}, &out), 0);
    QVERIFY2(out.contains("vocab.bpe.gz: installed"), qPrintable(out));
    QCOMPARE(readAll(dir.filePath("vocab.bpe.gz")), readAll(merges));
    QCOMPARE(runTool({"--only", "glide-merges", "--yes"}, &out), 0);
    QVERIFY2(out.contains("present and verified"), qPrintable(out));
    // A file the mirror lacks: exit 1 with the URL and the status.
    QCOMPARE(runTool({"--only", "clip-vocab", "--yes"}, &out), 1);
    QVERIFY2(out.contains("404") && out.contains("run the same command again"), qPrintable(out));
    QCOMPARE(runTool({"--only", "nothing"}, &out), 2);
    QVERIFY2(out.contains("unknown model set 'nothing'"), qPrintable(out));
  }

  void selectionWords() {
    QString error;
    auto names = [](const std::vector<const pb::ModelFile*>& files) {
      QStringList out;
      for (const auto* f : files) out << QString::fromStdString(f->name);
      return out;
    };
    const QStringList glide = names(pbfetch::selectFiles({"glide"}, &error));
    QVERIFY(glide.contains("base_inpaint.pt") && glide.contains("vocab.bpe.gz"));
    QVERIFY(!glide.contains("ViT-L-14.pt"));
    const QStringList unclip = names(pbfetch::selectFiles({"unclip"}, &error));
    QVERIFY(unclip.contains("ViT-L-14_stats.th") &&
            unclip.contains("bpe_simple_vocab_16e6.txt.gz"));
    QVERIFY(!unclip.contains("base.pt"));
    QCOMPARE(names(pbfetch::selectFiles({"karlo-sr", "ViT-L-14.pt"}, &error)),
             (QStringList{"improved-sr-ckpt-step=1.2M.ckpt", "ViT-L-14.pt"}));
    QCOMPARE(pbfetch::selectFiles({"all"}, &error).size(), pb::model_files().size());
    QVERIFY(pbfetch::selectFiles({"glid"}, &error).empty());
    QVERIFY2(error.contains("'glid'") && error.contains("unclip"), qPrintable(error));
    // A mirror serves NAME under its URL (percent-encoded).
    const auto it = pbfetch::downloadItem(*pb::find_model_file("karlo-prior"), "http://m/x");
    QCOMPARE(it.url.toString(QUrl::FullyEncoded),
             QString("http://m/x/prior-ckpt-step%3D01000000-of-01000000.ckpt"));
  }
};

QTEST_GUILESS_MAIN(AppFetch)
#include "tst_app_fetch.moc"
