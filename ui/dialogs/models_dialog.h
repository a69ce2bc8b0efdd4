#pragma once
// Which model files unlock which modes, where to download them and where to put them.
// Shown on first run when no diffusion weights are installed, and from Help ▸ Models….
// Takes plain data so that ui/ stays engine-free.
//
// Fits about 900 px: the table has the file, what it unlocks and whether it is installed;
// the selected file's download link sits below the table (clickable, elided, with a Copy
// button) instead of in a column that would push the table wider than the dialog.
#include <QDialog>
#include <QString>
#include <QVector>

class QLabel;
class QPushButton;
class QTableWidget;

struct ModelFileEntry {
  QString name;  // file name inside the models folder, e.g. "base_inpaint.pt"
  QString role;  // what it unlocks, e.g. "GLIDE inpainting (64×64 base)"
  QString url;   // official download location
  bool present = false;
};

class ModelsDialog : public QDialog {
  Q_OBJECT
 public:
  // Table columns.
  enum Column { FileColumn = 0, UnlocksColumn = 1, StatusColumn = 2 };
  // Item data role of the FileColumn item holding the download URL.
  static constexpr int UrlRole = Qt::UserRole;

  ModelsDialog(const QVector<ModelFileEntry>& files, const QString& modelsDir, bool firstRun,
               QWidget* parent = nullptr);

  void setFiles(const QVector<ModelFileEntry>& files, const QString& modelsDir);
  QTableWidget* table() const { return table_; }
  QLabel* linkLabel() const { return link_; }  // the selected file's download link
  QString selectedUrl() const;

 signals:
  void refreshRequested();  // the person put files in place: look again

 protected:
  void resizeEvent(QResizeEvent* event) override;  // re-elides the link

 private:
  void showSelectedLink();

  QLabel* intro_ = nullptr;
  QLabel* folder_ = nullptr;
  QLabel* link_ = nullptr;
  QPushButton* copyLink_ = nullptr;
  QTableWidget* table_ = nullptr;
  QString modelsDir_;
  bool firstRun_ = false;
};
