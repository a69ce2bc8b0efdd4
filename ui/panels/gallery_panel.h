#pragma once
// The candidates of the latest run: click one to preview it in place, Apply commits it.
// Interpolation frames will land here in order, too.
#include <QVector>
#include <QWidget>

#include "ui/panels/run_settings.h"

class QLabel;
class QListWidget;
class QPushButton;

class GalleryPanel : public QWidget {
  Q_OBJECT
 public:
  explicit GalleryPanel(QWidget* parent = nullptr);

  void showRun(const RunRecord& run);
  void clear();
  int runId() const { return runId_; }
  int count() const;
  int selected() const;
  QImage candidate(int index) const;

  QListWidget* list() const { return list_; }
  QPushButton* applyButton() const { return apply_; }
  QPushButton* discardButton() const { return discard_; }

 public slots:
  void select(int index);

 signals:
  void candidateSelected(int index);  // -1: none (show the document itself)
  void applyRequested(int index);
  void discardRequested();

 private:
  void updateButtons();

  QListWidget* list_ = nullptr;
  QLabel* caption_ = nullptr;
  QPushButton* apply_ = nullptr;
  QPushButton* discard_ = nullptr;
  QVector<QImage> images_;
  int runId_ = 0;
};
