#include "app/gui/run_history.h"

#include <QBuffer>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QStandardPaths>

#include "ui/document/image_file.h"
#include "ui/document/png_metadata.h"

namespace pbapp {

namespace {
constexpr char kIndexName[] = "index.json";
constexpr int kIndexVersion = 1;
constexpr qint64 kMaxIndexBytes = qint64(16) << 20;
constexpr int kMaxCandidates = 16;

// Keys name files: letters, digits and dashes only, so an index cannot point outside the
// folder.
bool validKey(const QString& key) {
  static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9-]{1,64}$"));
  return re.match(key).hasMatch();
}

bool writeFile(const QString& path, const QByteArray& data, QString* error) {
  QSaveFile out(path);
  if (data.isEmpty() || !out.open(QIODevice::WriteOnly) || out.write(data) != data.size() ||
      !out.commit()) {
    *error = data.isEmpty() ? QObject::tr("the image could not be encoded") : out.errorString();
    return false;
  }
  return true;
}

QByteArray encodePng(const QImage& image, const QList<QPair<QString, QString>>& texts) {
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  if (!image.save(&buffer, "PNG")) return {};
  return texts.isEmpty() ? png : insertPngTextChunks(png, texts);
}
}  // namespace

QString RunHistory::defaultDir() {
  const QString env = qEnvironmentVariable("PROMPTBRUSH_HISTORY_DIR");
  if (!env.isEmpty()) return env;
  return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
      .filePath(QStringLiteral("history"));
}

RunHistory::RunHistory(const QString& dir, QObject* parent) : QObject(parent), dir_(dir) {
  writer_.setMaxThreadCount(1);  // writes and removals happen in order
}

RunHistory::~RunHistory() { writer_.waitForDone(); }

QString RunHistory::filePath(const QString& key, int candidate) const {
  return QDir(dir_).filePath(candidate < 0
                                 ? key + QStringLiteral("-thumb.png")
                                 : QStringLiteral("%1-%2.png").arg(key).arg(candidate + 1));
}

bool RunHistory::readIndex(QVector<Entry>* entries, int* skipped, QString* error) const {
  QFile file(QDir(dir_).filePath(QLatin1String(kIndexName)));
  if (!file.exists()) return true;
  if (!file.open(QIODevice::ReadOnly)) {
    *error = file.errorString();
    return false;
  }
  if (file.size() > kMaxIndexBytes) {
    *error = tr("the index is larger than %1 MiB").arg(kMaxIndexBytes >> 20);
    return false;
  }
  QJsonParseError parse;
  const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
  const QJsonObject root = doc.object();
  if (parse.error != QJsonParseError::NoError || !doc.isObject() ||
      root.value("version").toInt() != kIndexVersion || !root.value("runs").isArray()) {
    *error = parse.error != QJsonParseError::NoError ? parse.errorString()
                                                     : tr("not a run history index");
    return false;
  }
  QSet<QString> keys;
  QSet<int> ids;
  for (const QJsonValue& v : root.value("runs").toArray()) {
    const QJsonObject o = v.toObject();
    Entry e;
    e.key = o.value("key").toString();
    e.candidates = o.value("candidates").toInt(-1);
    e.run = RunRecord::fromJson(o.value("run").toObject());
    if (!validKey(e.key) || keys.contains(e.key) || e.candidates < 0 ||
        e.candidates > kMaxCandidates || e.run.id <= 0 || ids.contains(e.run.id)) {
      ++*skipped;
      continue;
    }
    keys.insert(e.key);
    ids.insert(e.run.id);
    entries->push_back(e);
  }
  return true;
}

QVector<RunRecord> RunHistory::load(QString* message) {
  message->clear();
  entries_.clear();
  pending_.clear();
  QString error;
  int skipped = 0;
  if (!readIndex(&entries_, &skipped, &error)) {
    entries_.clear();
    // Out of the way, kept for inspection: the next run writes a new index.
    const QString index = QDir(dir_).filePath(QLatin1String(kIndexName));
    const QString aside = index + QStringLiteral(".corrupt");
    QFile::remove(aside);
    QFile::rename(index, aside);
    *message = tr("The run history could not be read (%1) and starts anew; the old index is "
                  "%2.")
                   .arg(error, QDir::toNativeSeparators(aside));
  } else if (skipped > 0) {
    *message = tr("Left out %n damaged run(s) of the run history.", nullptr, skipped);
  }
  if (entries_.size() > kMaxRuns) entries_.remove(0, entries_.size() - kMaxRuns);
  QVector<RunRecord> out;
  for (Entry& e : entries_) {
    QString ignored;
    const QImage thumb = readImageFile(filePath(e.key, -1), &ignored);
    // A thumbnail is small; anything else in its place is not one.
    if (!thumb.isNull() && thumb.width() <= kThumbnailSide && thumb.height() <= kThumbnailSide)
      e.run.thumbnail = thumb;
    out.push_back(e.run);
  }
  return out;
}

QByteArray RunHistory::indexBytes() const {
  QJsonArray runs;
  for (const Entry& e : entries_)
    runs.append(QJsonObject{{"key", e.key}, {"candidates", e.candidates}, {"run", e.run.toJson()}});
  return QJsonDocument(QJsonObject{{"version", kIndexVersion}, {"runs", runs}}).toJson();
}

RunRecord RunHistory::add(const RunRecord& run) {
  Entry e;
  e.key = QStringLiteral("%1-%2")
              .arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")))
              .arg(run.id);
  e.candidates = int(qMin<qsizetype>(run.images.size(), kMaxCandidates));
  e.run = run;
  e.run.images.clear();
  e.run.pngTexts.clear();
  if (!run.images.isEmpty())
    e.run.thumbnail = run.images.front().scaled(kThumbnailSide, kThumbnailSide, Qt::KeepAspectRatio,
                                                Qt::SmoothTransformation);
  entries_.push_back(e);
  QStringList removed;
  while (entries_.size() > kMaxRuns) {
    const Entry& old = entries_.front();
    removed << filePath(old.key, -1);
    for (int i = 0; i < old.candidates; ++i) removed << filePath(old.key, i);
    pending_.remove(old.key);
    entries_.removeFirst();
  }

  struct Job {
    QString path;
    QImage image;
    QList<QPair<QString, QString>> texts;
  };
  QVector<Job> jobs;
  for (int i = 0; i < e.candidates; ++i)
    jobs.push_back({filePath(e.key, i), run.images[i], run.candidatePngTexts(i)});
  if (!e.run.thumbnail.isNull()) jobs.push_back({filePath(e.key, -1), e.run.thumbnail, {}});
  RunRecord kept = e.run;
  kept.images = run.images.mid(0, e.candidates);
  kept.pngTexts = run.pngTexts.mid(0, e.candidates);
  pending_.insert(e.key, kept);
  const QByteArray index = indexBytes();
  const QString dir = dir_, indexPath = QDir(dir_).filePath(QLatin1String(kIndexName));
  const QString key = e.key;
  writer_.start([this, jobs, index, dir, indexPath, removed, key] {
    QString error;
    bool ok = QDir().mkpath(dir);
    if (!ok) error = tr("cannot create %1").arg(QDir::toNativeSeparators(dir));
    for (const Job& j : jobs)
      if (ok) ok = writeFile(j.path, encodePng(j.image, j.texts), &error);
    if (ok) ok = writeFile(indexPath, index, &error);
    for (const QString& path : removed) QFile::remove(path);
    // The destructor waits for the pool, so `this` is valid here; the call is queued to the
    // GUI thread and dropped if the history is gone by then.
    QMetaObject::invokeMethod(this, [this, ok, error, key] {
      pending_.remove(key);
      if (!ok) emit writeFailed(tr("Could not keep the run in the history: %1").arg(error));
    });
  });
  return e.run;
}

std::optional<RunRecord> RunHistory::run(int id) const {
  for (const Entry& e : entries_) {
    if (e.run.id != id) continue;
    if (auto it = pending_.find(e.key); it != pending_.end()) return *it;
    RunRecord r = e.run;
    for (int i = 0; i < e.candidates; ++i) {
      QString error;
      const QString path = filePath(e.key, i);
      const QImage image = readImageFile(path, &error);
      if (image.isNull()) continue;
      r.images.push_back(image);
      r.pngTexts.push_back(readPngTextChunks(path));
    }
    // Seeds belong to candidates by position: without every file they no longer line up.
    if (r.images.size() != e.candidates) r.seeds.clear();
    return r;
  }
  return std::nullopt;
}

}  // namespace pbapp
