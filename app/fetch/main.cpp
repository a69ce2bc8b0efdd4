// promptbrush-fetch-models: downloads the published model files into the models folder,
// resumable, with the sizes shown up front and every file checked before it is installed.
#include <unistd.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <cstdio>
#include <iostream>

#include "app/common/app_settings.h"
#include "app/fetch/download_plan.h"
#include "app/fetch/model_downloader.h"
#include "engine/core/version.h"
#include "engine/runtime/model_verify.h"

namespace {

// Exit statuses (also in --help).
enum Exit { kOk = 0, kDownloadFailed = 1, kUsage = 2, kCheckFailed = 3, kCancelled = 4 };

QString size(qint64 bytes) {
  return QString::fromStdString(pb::human_bytes(std::uint64_t(qMax<qint64>(0, bytes))));
}

// Content-Length from a HEAD request (redirects followed); -1 if the server does not say.
qint64 headSize(QNetworkAccessManager& net, const QUrl& url, QString* error) {
  QNetworkRequest req(url);
  req.setRawHeader("Accept-Encoding", "identity");
  req.setHeader(QNetworkRequest::UserAgentHeader, "promptbrush-fetch-models");
  QNetworkReply* reply = net.head(req);
  QEventLoop loop;
  QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
  QTimer::singleShot(20000, reply, &QNetworkReply::abort);
  loop.exec();
  reply->deleteLater();
  if (reply->error() != QNetworkReply::NoError) {
    *error = reply->errorString();
    return -1;
  }
  const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
  return length.isValid() ? length.toLongLong() : -1;
}

QString eta(double seconds) {
  if (seconds < 0 || seconds > 360000) return QStringLiteral("--:--");
  const int s = int(seconds);
  return s >= 3600 ? QString::asprintf("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                   : QString::asprintf("%d:%02d", s / 60, s % 60);
}

void out(const QString& line) { std::cout << line.toStdString() << std::endl; }

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCoreApplication::setApplicationName("promptbrush-fetch-models");
  QCoreApplication::setApplicationVersion(QString::fromLatin1(pb::version()));
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Downloads the published GLIDE, Karlo and CLIP files Promptbrush uses into the models\n"
      "folder. Files already there and verified are skipped. Each file is downloaded to\n"
      "NAME.part (an interrupted download resumes from there), checked (tensor names and\n"
      "shapes, or size and content for the tokenizers) and only then renamed into place; a\n"
      "file that fails the check is kept as NAME.bad.\n\n"
      "Exit status: 0 every selected file installed and verified, 1 a download failed\n"
      "(network or server: run again to resume), 2 usage, 3 a downloaded file failed the\n"
      "check, 4 not confirmed.");
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption modelsOpt("models",
                                     "Models folder (default: $PROMPTBRUSH_MODELS, settings, then "
                                     "~/.local/share/promptbrush/models).",
                                     "DIR");
  const QCommandLineOption onlyOpt(
      "only", "Fetch only these, comma-separated: " + pbfetch::selectionChoices() + ".", "SETS");
  const QCommandLineOption listOpt("list",
                                   "Show each file's state and download size, fetch nothing.");
  const QCommandLineOption yesOpt({"y", "yes"}, "Do not ask before downloading.");
  const QCommandLineOption mirrorOpt("mirror",
                                     "Download from URL/NAME instead of the official locations (a "
                                     "local mirror; default $PROMPTBRUSH_MODELS_MIRROR).",
                                     "URL");
  parser.addOptions({modelsOpt, onlyOpt, listOpt, yesOpt, mirrorOpt});
  parser.process(app);
  if (!parser.positionalArguments().isEmpty()) {
    std::cerr << "promptbrush-fetch-models: unexpected argument "
              << parser.positionalArguments().first().toStdString() << " (see --help)\n";
    return kUsage;
  }

  const pbapp::ModelsDirChoice dir = pbapp::resolveModelsDir(parser.value(modelsOpt));
  QString error;
  const QStringList words =
      parser.isSet(onlyOpt) ? parser.values(onlyOpt).join(',').split(',') : QStringList{"all"};
  const std::vector<const pb::ModelFile*> files = pbfetch::selectFiles(words, &error);
  if (files.empty()) {
    std::cerr << "promptbrush-fetch-models: " << error.toStdString() << "\n";
    return kUsage;
  }
  const QString mirror =
      parser.isSet(mirrorOpt) ? parser.value(mirrorOpt) : pbfetch::mirrorFromEnvironment();
  out(QStringLiteral("Models folder: %1 (from %2)").arg(dir.path, dir.source));

  // The state of every selected file, and the size of what is to be fetched.
  QNetworkAccessManager net;
  net.setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
  QVector<pbfetch::DownloadItem> todo;
  qint64 total = 0;
  bool totalExact = true;
  for (const pb::ModelFile* f : files) {
    const pb::VerifyResult r = pb::verify_in_folder(dir.path.toStdString(), *f);
    const QString name = QString::fromStdString(f->name);
    if (r.ok()) {
      out(QStringLiteral("  verified    %1 (%2)").arg(name, size(qint64(r.bytes))));
      continue;
    }
    pbfetch::DownloadItem item = pbfetch::downloadItem(*f, mirror);
    bool exact = false;
    qint64 bytes = pbfetch::expectedDownloadBytes(*f, &exact);
    QString headError;
    if (const qint64 served = headSize(net, item.url, &headError); served >= 0) {
      bytes = served;
      exact = true;
    }
    total += bytes;
    totalExact = totalExact && exact;
    QString state =
        r.status == pb::VerifyStatus::missing
            ? QStringLiteral("missing")
            : QStringLiteral("%1 (%2)").arg(QString::fromLatin1(pb::to_string(r.status)),
                                            QString::fromStdString(r.summary));
    const QFileInfo part(pbfetch::ModelDownloader::partPath(dir.path, name));
    if (part.exists()) state += QStringLiteral(", %1 already downloaded").arg(size(part.size()));
    out(QStringLiteral("  to fetch    %1 (%2%3) %4%5")
            .arg(name, exact ? QString() : QStringLiteral("about "), size(bytes), state,
                 headError.isEmpty() ? QString() : "; server: " + headError));
    todo.append(item);
  }
  if (todo.isEmpty()) {
    out(QStringLiteral("All %1 selected files are present and verified.").arg(files.size()));
    return kOk;
  }
  out(QStringLiteral("%1 file(s) to fetch, %2%3.")
          .arg(todo.size())
          .arg(totalExact ? QString() : QStringLiteral("about "), size(total)));
  if (parser.isSet(listOpt)) return kOk;
  if (!parser.isSet(yesOpt)) {
    if (!isatty(STDIN_FILENO)) {
      std::cerr << "promptbrush-fetch-models: not a terminal: add --yes to download\n";
      return kCancelled;
    }
    std::cout << "Download now? [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") return kCancelled;
  }

  const bool tty = isatty(STDOUT_FILENO);
  pbfetch::ModelDownloader downloader(dir.path);
  int lastStep = -1;
  QObject::connect(&downloader, &pbfetch::ModelDownloader::fileStarted,
                   [&](int, const QString& name, qint64 from) {
                     lastStep = -1;
                     out(from > 0 ? QStringLiteral("%1: resuming at %2").arg(name, size(from))
                                  : QStringLiteral("%1: downloading").arg(name));
                   });
  QObject::connect(&downloader, &pbfetch::ModelDownloader::progress,
                   [&](int, qint64 got, qint64 all, double rate) {
                     const int percent = all > 0 ? int(got * 100 / all) : -1;
                     const QString line =
                         QStringLiteral("  %1 / %2  %3  %4/s  ETA %5")
                             .arg(size(got), all > 0 ? size(all) : QStringLiteral("?"),
                                  percent >= 0 ? QString::number(percent) + "%" : QString(),
                                  size(qint64(rate)),
                                  eta(all > 0 && rate > 0 ? double(all - got) / rate : -1));
                     if (tty) {
                       std::cout << "\r" << line.toStdString() << "\033[K" << std::flush;
                     } else if (percent / 10 != lastStep) {  // a line every 10 %
                       lastStep = percent / 10;
                       out(line);
                     }
                   });
  QObject::connect(&downloader, &pbfetch::ModelDownloader::verifying,
                   [&](int, const QString& name) {
                     if (tty) std::cout << "\n";
                     out(QStringLiteral("%1: checking").arg(name));
                   });
  QObject::connect(
      &downloader, &pbfetch::ModelDownloader::fileFinished, [&](int, const pbfetch::FileResult& r) {
        const char* word = r.outcome == pbfetch::Outcome::installed   ? "installed"
                           : r.outcome == pbfetch::Outcome::cancelled ? "cancelled"
                                                                      : "FAILED";
        out(QStringLiteral("%1: %2 (%3)").arg(r.name, QString::fromLatin1(word), r.message));
      });
  QObject::connect(&downloader, &pbfetch::ModelDownloader::finished, &app, &QCoreApplication::quit);
  downloader.start(todo);
  app.exec();

  int failed = 0, badCheck = 0;
  for (const pbfetch::FileResult& r : downloader.results()) {
    failed += r.outcome == pbfetch::Outcome::failed || r.outcome == pbfetch::Outcome::cancelled;
    badCheck += r.outcome == pbfetch::Outcome::verificationFailed;
  }
  if (failed + badCheck == 0) {
    out(QStringLiteral("Done: %1 file(s) installed and verified in %2.")
            .arg(todo.size())
            .arg(dir.path));
    return kOk;
  }
  if (failed)
    out(QStringLiteral("%1 download(s) failed: run the same command again to resume.").arg(failed));
  if (badCheck)
    out(QStringLiteral("%1 file(s) failed the check (kept as NAME.bad). If it happens again, "
                       "the published file may have changed: please report it.")
            .arg(badCheck));
  return badCheck ? kCheckFailed : kDownloadFailed;
}
