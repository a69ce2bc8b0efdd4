#pragma once
// Crash safety: while the document has unsaved changes, it (image, mask, applied parameters,
// run history) is written to a recovery file every few seconds of idle time after a change;
// a clean exit or a save removes the file. On the next start, a file left behind means a
// crash, and main() offers it back.
#include <QObject>
#include <QPointer>
#include <QString>

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
  bool saveNow(QString* error);
  void discard();

 private:
  void onChanged();
  void onTimer();

  QPointer<MainWindow> window_;
  QString path_;
  QTimer* timer_;
};

}  // namespace pbapp
