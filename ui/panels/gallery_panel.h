#pragma once
// The candidates of the latest run: click one to preview it in place, Apply commits it;
// Copy, Save and Export All hand one or all of them out with the run's parameters.
// Thumbnails are rendered at the screen's device pixel ratio, so they stay sharp on high-DPI
// screens.
#include <QVector>
#include <QWidget>

#include "ui/panels/run_settings.h"

class QLabel;
class QListWidget;
class QPushButton;
class QToolButton;

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
  QPushButton* finishButton() const { return finish_; }
  QToolButton* copyButton() const { return copy_; }
  QToolButton* saveButton() const { return save_; }
  QToolButton* exportAllButton() const { return exportAll_; }

 public slots:
  void select(int index);

 signals:
  void candidateSelected(int index);  // -1: none (show the document itself)
  void applyRequested(int index);
  // An explored run's candidate, to run its upsampler (full resolution) from its base output.
  void finishRequested(int runId, int index);
  void discardRequested();
  void copyRequested(int index);
  void saveRequested(int index);
  void exportAllRequested();

 protected:
  bool event(QEvent* e) override;

 private:
  void updateButtons();
  void rebuildThumbnails();

  QListWidget* list_ = nullptr;
  QLabel* caption_ = nullptr;
  QPushButton* apply_ = nullptr;
  QPushButton* discard_ = nullptr;
  QPushButton* finish_ = nullptr;
  QToolButton* copy_ = nullptr;
  QToolButton* save_ = nullptr;
  QToolButton* exportAll_ = nullptr;
  QVector<QImage> images_;
  int runId_ = 0;
  bool finishable_ = false;
  qreal thumbnailRatio_ = 1;  // the device pixel ratio the thumbnails were rendered for
};
