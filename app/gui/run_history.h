#pragma once
// The run history kept across restarts: every finished run's parameters, a thumbnail and its
// candidates as PNGs (with the text chunks promptbrush-cli writes), under
// <dir>/index.json and <dir>/<key>-<n>.png, <key>-thumb.png. The last kMaxRuns runs are kept;
// older ones and their files are deleted.
//
// Files are written on a one-thread pool (in order: candidates, thumbnail, index, removals),
// so encoding large candidates never stalls the GUI; until a run's files are written its
// images are served from memory. The index is written to a temporary file and renamed, so a
// crash leaves the previous one whole.
#include <QHash>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QVector>
#include <optional>

#include "ui/panels/run_settings.h"

namespace pbapp {

class RunHistory : public QObject {
  Q_OBJECT
 public:
  static constexpr int kMaxRuns = 50;
  static constexpr int kThumbnailSide = 64;

  // $PROMPTBRUSH_HISTORY_DIR, else "history" under the app's data location.
  static QString defaultDir();
  explicit RunHistory(const QString& dir, QObject* parent = nullptr);
  ~RunHistory() override;  // waits for the writes

  QString dir() const { return dir_; }
  // Reads the index: the runs, oldest first, with their thumbnails and without images. No
  // index is an empty history. An unreadable index is moved aside (index.json.corrupt) and
  // entries that are not well-formed are skipped; *message then says so (else it is empty).
  QVector<RunRecord> load(QString* message);
  // Keeps a finished run; returns it with its thumbnail and without images.
  RunRecord add(const RunRecord& run);
  // A kept run with its candidates (and their PNG text chunks); candidate files that are
  // missing or unreadable are left out. nullopt for an unknown id.
  std::optional<RunRecord> run(int id) const;
  int count() const { return int(entries_.size()); }
  void waitForWrites() { writer_.waitForDone(); }

 signals:
  void writeFailed(const QString& message);

 private:
  struct Entry {
    QString key;    // file names: <key>-<n>.png, <key>-thumb.png
    RunRecord run;  // without images
    int candidates = 0;
  };
  QString filePath(const QString& key, int candidate) const;  // candidate -1: the thumbnail
  QByteArray indexBytes() const;
  bool readIndex(QVector<Entry>* entries, int* skipped, QString* error) const;

  QString dir_;
  QVector<Entry> entries_;             // oldest first
  QHash<QString, RunRecord> pending_;  // by key, with images: files still being written
  QThreadPool writer_;
};

}  // namespace pbapp
