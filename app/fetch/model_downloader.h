#pragma once
// Downloads model files into the models folder, one after the other, for
// promptbrush-fetch-models and the models dialog's Download… button.
//
// Each file goes to NAME.part; an interrupted download resumes from the bytes already
// there with a Range request (a server answering 200 instead of 206 starts the file over,
// 416 means the part is already complete); redirects are followed (never from https to
// http). A dropped connection is resumed a few times while it makes progress. A complete
// file is verified (the item's check) and only then renamed into place, replacing an older
// copy; one that fails is kept as NAME.bad and the reason reported. Qt only, no engine:
// the check is a function the caller gives (download_plan.h binds it to model_verify).
#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QUrl>
#include <QVector>
#include <functional>

class QNetworkReply;

namespace pbfetch {

struct CheckResult {
  bool ok = false;
  QString message;  // "783 tensors, ..." or the first problem
};

struct DownloadItem {
  QString name;  // file name in the models folder
  QUrl url;
  qint64 expectedBytes = -1;                         // exact size when known, else -1
  std::function<CheckResult(const QString&)> check;  // of the complete NAME.part; may be empty
};

enum class Outcome { installed, failed, verificationFailed, cancelled };

struct FileResult {
  QString name;
  Outcome outcome = Outcome::failed;
  QString message;  // for a person: what happened, what to do
  qint64 bytes = 0;
};

class ModelDownloader : public QObject {
  Q_OBJECT
 public:
  explicit ModelDownloader(QString modelsDir, QObject* parent = nullptr);

  // Starts downloading `items` in order (the folder is created if needed). One run at a time.
  void start(const QVector<DownloadItem>& items);
  void cancel();  // stops the current file (its .part stays, to resume later)
  bool running() const { return index_ >= 0; }
  const QVector<FileResult>& results() const { return results_; }
  // Resumes of a dropped connection per file before giving up (tests use fewer).
  void setMaxResumes(int n) { maxResumes_ = n; }

  static QString partPath(const QString& dir, const QString& name) {
    return dir + "/" + name + ".part";
  }

 signals:
  void fileStarted(int index, const QString& name, qint64 resumeFrom);
  // total is -1 when the server does not say; bytesPerSecond over this file's transfer.
  void progress(int index, qint64 received, qint64 total, double bytesPerSecond);
  void verifying(int index, const QString& name);
  void fileFinished(int index, const pbfetch::FileResult& result);
  void finished(bool allInstalled);

 private:
  void startFile();
  void request();
  void onMetaData();
  void consume(QNetworkReply* reply);  // the body bytes that have arrived
  void onFinished();
  void complete();
  void finishFile(Outcome outcome, const QString& message);
  QString target() const { return modelsDir_ + "/" + items_[index_].name; }

  QString modelsDir_;
  QNetworkAccessManager net_;
  QVector<DownloadItem> items_;
  QVector<FileResult> results_;
  int index_ = -1;
  QPointer<QNetworkReply> reply_;
  QFile part_;
  qint64 offset_ = 0;    // bytes of the part before this request
  qint64 received_ = 0;  // bytes of the part now
  qint64 total_ = -1;    // whole file's size when known
  qint64 sessionBytes_ = 0;
  QElapsedTimer clock_;
  int resumes_ = 0, maxResumes_ = 5;
  bool accepted_ = false;   // this reply's body is the file's (200 or 206)
  bool restart_ = false;    // a 206 that does not continue the part: start over
  bool rangeDone_ = false;  // 416: nothing after the part
  bool cancelled_ = false;
  QString httpError_;
};

}  // namespace pbfetch

Q_DECLARE_METATYPE(pbfetch::FileResult)
