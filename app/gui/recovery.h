#pragma once
// Crash safety: while the document has unsaved changes, it (image, mask, applied parameters,
// run history) is written to a recovery file every few seconds of idle time after a change;
// a clean exit or a save removes the file. On the next start, a file left behind means a
// crash, and main() offers it back.
//
// The GUI thread only takes a snapshot (implicitly shared images: no copy); the file is
// written on a one-thread pool, so a large image never stalls painting or input.
#include <QAtomicInteger>
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
  // cannot be read (the file is then kept for the person to inspect).
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

 private:
  void onChanged();
  void onTimer();

  QPointer<MainWindow> window_;
  QString path_;
  QTimer* timer_;
  QThreadPool writer_;  // one thread: writes and removals happen in order
  // Bumped by discard(): a queued write from before it must not bring the file back.
  QAtomicInteger<quint64> generation_ = 0;
};

}  // namespace pbapp
