// MainWindow: handing images out — the image and the gallery's candidates to the clipboard,
// one candidate to a file, all of a run's candidates to a folder — and the shortcuts list.
#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QMimeData>
#include <QSaveFile>
#include <QStatusBar>

#include "ui/dialogs/shortcuts_dialog.h"
#include "ui/document/document.h"
#include "ui/document/png_metadata.h"
#include "ui/mainwindow/main_window.h"
#include "ui/panels/gallery_panel.h"

namespace {
bool writeAtomically(const QString& path, const QByteArray& data, QString* error) {
  QSaveFile out(path);
  if (data.isEmpty() || !out.open(QIODevice::WriteOnly) || out.write(data) != data.size() ||
      !out.commit()) {
    *error = data.isEmpty() ? QObject::tr("the image could not be encoded") : out.errorString();
    return false;
  }
  return true;
}

void putOnClipboard(const QImage& image, const QByteArray& png) {
  auto* mime = new QMimeData;
  mime->setImageData(image);
  // The PNG as it would be saved, parameters included, for applications that read it.
  if (!png.isEmpty()) mime->setData(QStringLiteral("image/png"), png);
  QApplication::clipboard()->setMimeData(mime);
}
}  // namespace

QByteArray MainWindow::candidatePng(int index) const {
  const QImage image = gallery_->candidate(index);
  if (image.isNull()) return {};
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  if (!image.save(&buffer, "PNG")) return {};
  // The gallery shows galleryRun_'s candidates; its chunks are the CLI's for that candidate.
  return insertPngTextChunks(png, galleryRun_.candidatePngTexts(index));
}

bool MainWindow::copyImage() {
  if (!document_->hasImage()) return false;
  putOnClipboard(document_->image(), documentPng());
  statusBar()->showMessage(tr("Copied the image"), 3000);
  return true;
}

bool MainWindow::copyCandidate(int index) {
  const QImage image = gallery_->candidate(index);
  if (image.isNull()) {
    showInfo(tr("Select a candidate in the gallery first."));
    return false;
  }
  putOnClipboard(image, candidatePng(index));
  statusBar()->showMessage(tr("Copied candidate %1").arg(index + 1), 3000);
  return true;
}

bool MainWindow::saveCandidate(int index, const QString& path) {
  QString error;
  if (gallery_->candidate(index).isNull()) {
    showInfo(tr("Select a candidate in the gallery first."));
    return false;
  }
  if (!writeAtomically(path, candidatePng(index), &error)) {
    showError(tr("Could not save %1: %2").arg(QFileInfo(path).fileName(), error));
    return false;
  }
  setLastFolder(path);
  statusBar()->showMessage(
      tr("Saved candidate %1 as %2").arg(index + 1).arg(QFileInfo(path).fileName()), 3000);
  return true;
}

QString MainWindow::candidateBaseName() const {
  QString base = QFileInfo(document_->filePath()).completeBaseName();
  if (base.isEmpty()) base = tr("untitled");
  return QStringLiteral("%1-run%2").arg(base).arg(gallery_->runId());
}

bool MainWindow::exportCandidates(const QString& dir) {
  const int n = gallery_->count();
  if (n == 0) return false;
  const QDir folder(dir);
  QStringList paths, existing;
  for (int i = 0; i < n; ++i) {
    paths << folder.filePath(
        QStringLiteral("%1_%2.png").arg(candidateBaseName()).arg(i + 1, 2, 10, QLatin1Char('0')));
    if (QFileInfo::exists(paths.back())) existing << QFileInfo(paths.back()).fileName();
  }
  if (!existing.isEmpty()) {
    const QString list = existing.size() > 3
                             ? existing.mid(0, 3).join(QStringLiteral(", ")) + QStringLiteral(", …")
                             : existing.join(QStringLiteral(", "));
    const auto answer = QMessageBox::warning(
        this, tr("Replace Files"),
        tr("%n file(s) already exist in %1: %2. Replace them?", nullptr, int(existing.size()))
            .arg(QDir::toNativeSeparators(folder.absolutePath()), list),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes) return false;
  }
  for (int i = 0; i < n; ++i) {
    QString error;
    if (!writeAtomically(paths[i], candidatePng(i), &error)) {
      showError(tr("Could not export %1: %2").arg(QFileInfo(paths[i]).fileName(), error));
      return false;
    }
  }
  setLastFolder(dir);
  statusBar()->showMessage(tr("Exported %n candidate(s) to %1", nullptr, n)
                               .arg(QDir::toNativeSeparators(folder.absolutePath())),
                           4000);
  return true;
}

void MainWindow::saveCandidateDialog(int index) {
  if (gallery_->candidate(index).isNull()) return;
  const QString suggestion = QDir(lastFolder())
                                 .filePath(QStringLiteral("%1_%2.png")
                                               .arg(candidateBaseName())
                                               .arg(index + 1, 2, 10, QLatin1Char('0')));
  // The file dialog itself asks before replacing a file.
  const QString path = QFileDialog::getSaveFileName(this, tr("Save Candidate"), suggestion,
                                                    tr("PNG images (*.png)"));
  if (!path.isEmpty()) saveCandidate(index, path);
}

void MainWindow::exportCandidatesDialog() {
  if (gallery_->count() == 0) return;
  const QString dir =
      QFileDialog::getExistingDirectory(this, tr("Export All Candidates To"), lastFolder());
  if (!dir.isEmpty()) exportCandidates(dir);
}

ShortcutsDialog* MainWindow::showShortcutsDialog() {
  // Built anew each time from the live actions, so it always shows the keys as they are.
  if (shortcutsDialog_) shortcutsDialog_->close();
  shortcutsDialog_ = new ShortcutsDialog(ShortcutsDialog::entriesFor(this), this);
  shortcutsDialog_->setAttribute(Qt::WA_DeleteOnClose);
  shortcutsDialog_->show();  // non-modal: it can stay open beside the work
  shortcutsDialog_->raise();
  return shortcutsDialog_;
}
