#pragma once
// Every finished run with its parameters and a thumbnail, newest first; any of them can be
// re-run (same seed) or its settings reused in the prompt panel, and selecting one asks for
// its candidates in the gallery (runSelected). The app keeps the list across restarts.
#include <QJsonArray>
#include <QVector>
#include <QWidget>

#include "ui/panels/run_settings.h"

class QPushButton;
class QTreeWidget;

class HistoryPanel : public QWidget {
  Q_OBJECT
 public:
  explicit HistoryPanel(QWidget* parent = nullptr);

  void addRun(const RunRecord& run);  // images are not kept here (the thumbnail is)
  void clear();
  // Whether the list holds `run` (the same id and finishing time).
  bool contains(const RunRecord& run) const;
  int count() const { return int(runs_.size()); }
  const RunRecord& run(int index) const { return runs_[index]; }
  int selected() const;

  // The list without images, for the recovery file; restore adds the runs not listed yet.
  QJsonArray toJson() const;
  void restore(const QJsonArray& runs);

  QTreeWidget* tree() const { return tree_; }
  QPushButton* rerunButton() const { return rerun_; }
  QPushButton* reuseButton() const { return reuse_; }

 signals:
  void rerunRequested(const RunSettings& settings);
  void reuseRequested(const RunSettings& settings);
  void runSelected(int runId);

 private:
  void updateButtons();

  QTreeWidget* tree_ = nullptr;
  QPushButton* rerun_ = nullptr;
  QPushButton* reuse_ = nullptr;
  QVector<RunRecord> runs_;
};
