#pragma once
// Which model files unlock which modes, where to download them and where to put them.
// Shown on first run when no diffusion weights are installed, and from Help ▸ Models….
// Takes plain data so that ui/ stays engine-free.
//
// Fits about 900 px: the table has the file, what it unlocks, its size and whether it is
// verified (the published file, checked from its index), wrong (the first problem; the
// tooltip has them all) or missing; the selected file's download link sits below the table
// (clickable, elided, with a Copy button) instead of in a column that would push the table
// wider than the dialog. Download… asks app/ to fetch the selected file (or every file not
// verified) and shows the progress it reports, with Cancel.
#include <QDialog>
#include <QString>
#include <QVector>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

struct ModelFileEntry {
  enum class Status { Missing, Verified, Wrong, Unreadable };
  QString name;  // file name inside the models folder, e.g. "base_inpaint.pt"
  QString role;  // what it unlocks, e.g. "GLIDE inpainting (64×64 base)"
  QString url;   // official download location
  Status status = Status::Missing;
  QString size;     // "1.54 GB" on disk, "about 1.54 GB" to download
  QString problem;  // Wrong / Unreadable: the first problem, one line
  QString detail;   // every problem (or what was verified), for the tooltip
};

class ModelsDialog : public QDialog {
  Q_OBJECT
 public:
  // Table columns.
  enum Column { FileColumn = 0, UnlocksColumn = 1, SizeColumn = 2, StatusColumn = 3 };
  // Item data role of the FileColumn item holding the download URL.
  static constexpr int UrlRole = Qt::UserRole;

  ModelsDialog(const QVector<ModelFileEntry>& files, const QString& modelsDir, bool firstRun,
               QWidget* parent = nullptr);

  void setFiles(const QVector<ModelFileEntry>& files, const QString& modelsDir);
  QTableWidget* table() const { return table_; }
  QLabel* linkLabel() const { return link_; }  // the selected file's download link
  QString selectedUrl() const;
  QPushButton* downloadButton() const { return download_; }
  QPushButton* cancelDownloadButton() const { return cancelDownload_; }
  QProgressBar* downloadProgress() const { return progress_; }
  QLabel* downloadStatus() const { return downloadStatus_; }
  // The status cell's text for an entry ("Verified", "Wrong: <problem>", "Missing").
  static QString statusText(const ModelFileEntry& entry);

 public slots:
  // While app/ downloads: the bar (percent < 0: busy), a line of text, Cancel enabled.
  void setDownloadProgress(const QString& text, int percent);
  void setDownloadFinished(const QString& summary);

 signals:
  void refreshRequested();  // the person put files in place: look again
  // Download… : the selected file if it is not verified, else every file that is not.
  void downloadRequested(const QStringList& names);
  void downloadCancelRequested();

 protected:
  void resizeEvent(QResizeEvent* event) override;  // re-elides the link

 private:
  void showSelectedLink();

  QLabel* intro_ = nullptr;
  QLabel* folder_ = nullptr;
  QLabel* link_ = nullptr;
  QPushButton* copyLink_ = nullptr;
  QTableWidget* table_ = nullptr;
  QPushButton* download_ = nullptr;
  QPushButton* cancelDownload_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* downloadStatus_ = nullptr;
  QVector<ModelFileEntry> files_;
  bool downloading_ = false;
  QString modelsDir_;
  bool firstRun_ = false;
};
