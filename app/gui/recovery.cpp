#include "app/gui/recovery.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>
#include <algorithm>

#include "ui/document/document.h"
#include "ui/mainwindow/main_window.h"

namespace pbapp {

RecoveryManager::RecoveryManager(MainWindow* window, const QString& path, int delayMs,
                                 QObject* parent)
    : QObject(parent),
      window_(window),
      path_(path.isEmpty() ? defaultPath() : path),
      delayMs_(delayMs) {
  // Single-shot and restarted by every change: writes happen once the person pauses, not
  // in the middle of a brush stroke.
  writer_.setMaxThreadCount(1);
  timer_ = new QTimer(this);
  timer_->setSingleShot(true);
  timer_->setInterval(delayMs);
  connect(timer_, &QTimer::timeout, this, &RecoveryManager::onTimer);
  Document* doc = window->document();
  connect(doc, &Document::imageReplaced, this, &RecoveryManager::scheduleSave);
  connect(doc, &Document::imageChanged, this, &RecoveryManager::scheduleSave);
  connect(doc, &Document::maskChanged, this, &RecoveryManager::scheduleSave);
  connect(doc, &Document::modifiedChanged, this, [this](bool modified) {
    if (!modified) discard();  // saved, or undone back to the file
  });
  connect(window, &MainWindow::closing, this, &RecoveryManager::discard);
  removeStaleTemporaryFiles();
}

void RecoveryManager::removeStaleTemporaryFiles() {
  // QSaveFile writes to "<name>.XXXXXX" beside the target; a process killed while writing
  // leaves it behind. It is never read (only the renamed file is), so it is just litter. One
  // younger than a minute may belong to another instance writing right now: left alone.
  const QFileInfo target(path_);
  const QDir dir = target.absoluteDir();
  const QStringList stale =
      dir.entryList({target.fileName() + QStringLiteral(".??????")}, QDir::Files | QDir::Hidden);
  const QDateTime cutoff = QDateTime::currentDateTime().addSecs(-60);
  for (const QString& name : stale)
    if (QFileInfo(dir.filePath(name)).lastModified() < cutoff) QFile::remove(dir.filePath(name));
}

QString RecoveryManager::defaultPath() {
  const QString base = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
  return QDir(base).filePath(QStringLiteral("recovery/autosave.pbrecovery"));
}

bool RecoveryManager::hasRecovery() const { return QFileInfo::exists(path_); }

bool RecoveryManager::restore(QString* error) {
  if (!window_) return false;
  Document* doc = window_->document();
  if (!doc->loadRecovery(path_, error)) {
    if (!QFileInfo::exists(path_)) return false;
    // Kept for inspection, but out of the way: the next autosave and the next start must
    // not trip over it again.
    const QString aside = path_ + QStringLiteral(".corrupt");
    QFile::remove(aside);
    if (QFile::rename(path_, aside) && error) *error += tr(" (moved aside to %1)").arg(aside);
    return false;
  }
  window_->restoreSessionState(doc->recoveryExtra());
  return true;
}

bool RecoveryManager::saveNow(QString* error) {
  if (!window_) return false;
  QDir().mkpath(QFileInfo(path_).absolutePath());
  Document* doc = window_->document();
  doc->setRecoveryExtra(window_->sessionState());
  return doc->saveRecovery(path_, error);
}

RecoveryManager::~RecoveryManager() { writer_.waitForDone(); }

void RecoveryManager::saveInBackground() {
  if (!window_) return;
  Document* doc = window_->document();
  doc->setRecoveryExtra(window_->sessionState());
  const Document::RecoverySnapshot snapshot = doc->recoverySnapshot();
  const quint64 generation = generation_.loadAcquire();
  writer_.start([this, snapshot, generation] {
    if (generation_.loadAcquire() != generation) return;  // discarded meanwhile
    QDir().mkpath(QFileInfo(path_).absolutePath());
    QString error;
    if (Document::writeRecovery(snapshot, path_, &error)) return;
    // The destructor waits for the pool, so `this` is valid here. The message is queued to
    // the GUI thread (and dropped if the manager is gone by then).
    QMetaObject::invokeMethod(this, [this, error] {
      if (window_)
        window_->showError(tr("Could not write the recovery file %1: %2").arg(path_, error));
    });
  });
}

void RecoveryManager::discard() {
  timer_->stop();
  pendingSince_.invalidate();
  generation_.fetchAndAddOrdered(1);
  // A write already past its generation check may still be running: let it finish, then
  // remove what it wrote.
  writer_.waitForDone();
  QFile::remove(path_);
}

void RecoveryManager::scheduleSave() {
  if (!pendingSince_.isValid()) pendingSince_.start();
  const qint64 left = qint64(delayMs_) * kMaxDelayFactor - pendingSince_.elapsed();
  timer_->start(int(std::clamp<qint64>(left, 0, delayMs_)));
}

void RecoveryManager::onTimer() {
  pendingSince_.invalidate();
  if (!window_ || !window_->document()->hasImage() || !window_->document()->isModified()) return;
  saveInBackground();
}

}  // namespace pbapp
