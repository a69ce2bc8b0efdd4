#include "app/fetch/model_downloader.h"

#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>

namespace pbfetch {

namespace {

QString sizeText(qint64 bytes) {
  return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat);
}

}  // namespace

ModelDownloader::ModelDownloader(QString modelsDir, QObject* parent)
    : QObject(parent), modelsDir_(std::move(modelsDir)) {
  qRegisterMetaType<pbfetch::FileResult>();
  // Redirects are followed unless they go from https to http.
  net_.setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
}

void ModelDownloader::start(const QVector<DownloadItem>& items) {
  if (running()) return;
  items_ = items;
  results_.clear();
  cancelled_ = false;
  QDir().mkpath(modelsDir_);
  index_ = 0;
  startFile();
}

void ModelDownloader::cancel() {
  if (!running() || cancelled_) return;
  cancelled_ = true;
  if (reply_) reply_->abort();  // onFinished reports it
}

void ModelDownloader::startFile() {
  if (index_ >= items_.size()) {
    index_ = -1;
    bool all = true;
    for (const FileResult& r : results_) all = all && r.outcome == Outcome::installed;
    emit finished(all);
    return;
  }
  const DownloadItem& item = items_[index_];
  part_.setFileName(partPath(modelsDir_, item.name));
  offset_ = part_.exists() ? part_.size() : 0;
  total_ = item.expectedBytes;
  resumes_ = 0;
  sessionBytes_ = 0;
  clock_.start();
  if (total_ > 0 && offset_ > total_) {  // not a prefix of this file: start over
    part_.remove();
    offset_ = 0;
  }
  emit fileStarted(index_, item.name, offset_);
  if (total_ > 0 && offset_ == total_) return complete();
  request();
}

void ModelDownloader::request() {
  if (!part_.open(QIODevice::WriteOnly | QIODevice::Append)) {
    finishFile(Outcome::failed,
               tr("cannot write %1: %2").arg(part_.fileName(), part_.errorString()));
    return;
  }
  offset_ = part_.size();
  received_ = offset_;
  QNetworkRequest req(items_[index_].url);
  req.setMaximumRedirectsAllowed(10);
  // Bytes as stored: a transparently decompressed body would not match the Range offsets.
  req.setRawHeader("Accept-Encoding", "identity");
  req.setHeader(QNetworkRequest::UserAgentHeader, "promptbrush-fetch-models");
  if (offset_ > 0) req.setRawHeader("Range", "bytes=" + QByteArray::number(offset_) + "-");
  accepted_ = restart_ = rangeDone_ = false;
  httpError_.clear();
  QNetworkReply* reply = net_.get(req);
  reply_ = reply;
  // Signals of a reply that is no longer the current one (aborted for a restart) are ignored.
  connect(reply, &QNetworkReply::metaDataChanged, this, [this, reply] {
    if (reply == reply_) onMetaData();
  });
  connect(reply, &QNetworkReply::readyRead, this, [this, reply] {
    if (reply == reply_) consume(reply);
  });
  connect(reply, &QNetworkReply::finished, this, [this, reply] {
    if (reply == reply_) onFinished();
  });
}

void ModelDownloader::onMetaData() {
  if (!reply_ || accepted_ || restart_) return;
  const int status = reply_->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  if (status >= 300 && status < 400) return;  // a redirect being followed
  if (status == 206) {
    // "bytes START-END/TOTAL": the body must continue the part exactly.
    static const QRegularExpression re(QStringLiteral("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)"));
    const auto m = re.match(QString::fromLatin1(reply_->rawHeader("Content-Range")));
    if (!m.hasMatch() || m.captured(1).toLongLong() != offset_) {
      restart_ = true;  // onFinished starts the file over without a Range
      reply_->abort();
      return;
    }
    if (m.captured(3) != "*") total_ = m.captured(3).toLongLong();
    accepted_ = true;
  } else if (status == 200) {
    if (offset_ > 0) {  // the server ignored the Range: the body is the whole file
      part_.resize(0);
      part_.seek(0);
      offset_ = received_ = 0;
    }
    const QVariant length = reply_->header(QNetworkRequest::ContentLengthHeader);
    if (length.isValid()) total_ = length.toLongLong();
    accepted_ = true;
  } else if (status == 416 && offset_ > 0) {
    rangeDone_ = true;  // nothing after offset_: the part is complete (the check tells)
  } else {
    httpError_ = QStringLiteral("HTTP %1 %2")
                     .arg(status)
                     .arg(reply_->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString());
  }
}

void ModelDownloader::consume(QNetworkReply* reply) {
  if (cancelled_) return;  // an aborted reply is closed
  if (!accepted_) onMetaData();
  if (reply != reply_) return;  // onMetaData restarted the file
  const QByteArray bytes = reply->readAll();
  if (!accepted_ || bytes.isEmpty()) return;
  if (part_.write(bytes) != bytes.size()) {
    httpError_ = tr("cannot write %1: %2").arg(part_.fileName(), part_.errorString());
    reply->abort();
    return;
  }
  received_ += bytes.size();
  sessionBytes_ += bytes.size();
  const double seconds = qMax<qint64>(1, clock_.elapsed()) / 1000.0;
  emit progress(index_, received_, total_, double(sessionBytes_) / seconds);
}

void ModelDownloader::onFinished() {
  QNetworkReply* reply = reply_;
  if (!reply) return;
  if (accepted_) consume(reply);  // whatever is still buffered
  reply_ = nullptr;
  reply->deleteLater();
  part_.close();
  const DownloadItem& item = items_[index_];
  const QString url = item.url.toString();
  if (cancelled_) {
    finishFile(Outcome::cancelled, tr("cancelled; %1 (%2) is kept: fetch again to resume")
                                       .arg(QFileInfo(part_).fileName(), sizeText(part_.size())));
    return;
  }
  if (restart_) {
    part_.resize(0);
    return request();
  }
  if (rangeDone_) return complete();
  if (!httpError_.isEmpty()) {
    finishFile(Outcome::failed, tr("%1: %2").arg(url, httpError_));
    return;
  }
  const bool shortBody = total_ > 0 && part_.size() < total_;
  if (reply->error() != QNetworkReply::NoError || shortBody) {
    const QString why =
        reply->error() != QNetworkReply::NoError
            ? reply->errorString()
            : tr("the connection ended at %1 of %2").arg(sizeText(part_.size()), sizeText(total_));
    // A dropped connection that made progress resumes; one that keeps failing stops.
    if (received_ > offset_) resumes_ = 0;
    if (++resumes_ <= maxResumes_) {
      QTimer::singleShot(resumes_ > 1 ? 1000 : 0, this, [this] {
        if (cancelled_) return finishFile(Outcome::cancelled, tr("cancelled"));
        request();
      });
      return;
    }
    finishFile(Outcome::failed,
               tr("%1: %2; %3 (%4) is kept: fetch again to resume")
                   .arg(url, why, QFileInfo(part_).fileName(), sizeText(part_.size())));
    return;
  }
  complete();
}

void ModelDownloader::complete() {
  const DownloadItem& item = items_[index_];
  emit verifying(index_, item.name);
  const QString part = part_.fileName();
  CheckResult check{true, {}};
  if (item.expectedBytes > 0 && QFileInfo(part).size() != item.expectedBytes)
    check = {false,
             tr("%1 bytes, expected %2").arg(QFileInfo(part).size()).arg(item.expectedBytes)};
  else if (item.check)
    check = item.check(part);
  if (check.ok) {
    QFile::remove(target());
    if (!QFile::rename(part, target())) {
      finishFile(Outcome::failed, tr("cannot rename %1 to %2").arg(part, target()));
      return;
    }
    finishFile(Outcome::installed, check.message);
    return;
  }
  const QString bad = target() + ".bad";
  QFile::remove(bad);
  QFile::rename(part, bad);
  finishFile(Outcome::verificationFailed,
             tr("the downloaded file failed the check: %1. It is kept as %2 (not installed); "
                "delete it and fetch again, or compare it with promptbrush-cli inspect")
                 .arg(check.message, bad));
}

void ModelDownloader::finishFile(Outcome outcome, const QString& message) {
  FileResult r;
  r.name = items_[index_].name;
  r.outcome = outcome;
  r.message = message;
  r.bytes = QFileInfo(outcome == Outcome::installed ? target() : part_.fileName()).size();
  results_.append(r);
  emit fileFinished(index_, r);
  if (outcome == Outcome::cancelled) {
    for (int i = index_ + 1; i < items_.size(); ++i)
      results_.append({items_[i].name, Outcome::cancelled, tr("cancelled"), 0});
    index_ = int(items_.size());
  } else {
    ++index_;
  }
  // Not from inside a reply's signal: the next file starts from the event loop.
  QTimer::singleShot(0, this, &ModelDownloader::startFile);
}

}  // namespace pbfetch
