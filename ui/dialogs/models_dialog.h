#pragma once
// Which model files unlock which modes, where to download them and where to put them.
// Shown on first run when no diffusion weights are installed, and from Help ▸ Models….
// Takes plain data so that ui/ stays engine-free.
#include <QDialog>
#include <QString>
#include <QVector>

class QLabel;
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
  ModelsDialog(const QVector<ModelFileEntry>& files, const QString& modelsDir, bool firstRun,
               QWidget* parent = nullptr);

  void setFiles(const QVector<ModelFileEntry>& files, const QString& modelsDir);
  QTableWidget* table() const { return table_; }

 signals:
  void refreshRequested();  // the person put files in place: look again

 private:
  QLabel* intro_ = nullptr;
  QLabel* folder_ = nullptr;
  QTableWidget* table_ = nullptr;
  QString modelsDir_;
  bool firstRun_ = false;
};
