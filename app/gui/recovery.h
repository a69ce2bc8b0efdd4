#pragma once
// Crash safety: while the document has unsaved changes, it (image, mask, applied parameters,
// run history) is written to a recovery file every few seconds of idle time after a change;
// a clean exit or a save removes the file. On the next start, a file left behind means a
// crash, and main() offers it back.
//
// The GUI thread only takes a snapshot (implicitly shared images: no copy); the file is
// written on a one-thread pool, so a large image never stalls painting or input.
//
// A write goes to a temporary file that is flushed to disk and then renamed over the old one
// (Document::writeRecovery), so a crash or SIGKILL in the middle of a write leaves the previous
// file whole; the temporary file such a crash leaves behind is removed on the next start.
#include <QAtomicInteger>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThreadPool>

class MainWindow;
class QTimer;

namespace pbapp {

class RecoveryManager : public QObject {
  Q_OBJECT
 public:
  // `path` empty: defaultPath().
  explicit RecoveryManager(MainWindow* window, const QString& path = {}, int delayMs = 5000,
                           QObject* parent = nullptr);

  static QString defaultPath();  // under the app's local data location
  QString path() const { return path_; }
  bool hasRecovery() const;
  // Loads the recovery file into the window's document and session; false + error if it
  // cannot be read. An unreadable file is moved aside to path() + ".corrupt" (named in the
  // error) for the person to inspect, so that it is not offered again on every start.
  bool restore(QString* error);
  // Writes the file now, on the calling thread.
  bool saveNow(QString* error);
  // Takes a snapshot and writes it on the worker thread; a failure is shown in the window.
  void saveInBackground();
  // Waits for a write in progress (there is at most one running and one queued).
  void waitForWrites() { writer_.waitForDone(); }
  // Drops pending writes and removes the file.
  void discard();
  ~RecoveryManager() override;

  // Something worth keeping changed (the document's edits are connected already; main()
  // connects finished runs, which change the run history). Writes after `delayMs` of quiet,
  // or at the latest `kMaxDelayFactor * delayMs` after the first unsaved change, so that a
  // long uninterrupted painting session is saved too.
  void scheduleSave();
  static constexpr int kMaxDelayFactor = 6;

 private:
  void onTimer();
  void removeStaleTemporaryFiles();

  QPointer<MainWindow> window_;
  QString path_;
  QTimer* timer_;
  int delayMs_;
  QElapsedTimer pendingSince_;  // invalid: nothing unsaved
  QThreadPool writer_;          // one thread: writes and removals happen in order
  // Bumped by discard(): a queued write from before it must not bring the file back.
  QAtomicInteger<quint64> generation_ = 0;
};

}  // namespace pbapp
