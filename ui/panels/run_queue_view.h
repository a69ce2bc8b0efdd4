#pragma once
// The runs waiting behind the running one, in the order they will run: "Queued: <prompt>
// (preset, seed)" with a remove button each. Hidden while nothing waits.
#include <QVector>
#include <QWidget>

#include "ui/panels/run_settings.h"

class QLabel;
class QToolButton;
class QVBoxLayout;

struct QueuedRun {
  int ticket = 0;  // names the entry for removeRequested
  RunSettings settings;
};

class RunQueueView : public QWidget {
  Q_OBJECT
 public:
  explicit RunQueueView(QWidget* parent = nullptr);

  void setEntries(const QVector<QueuedRun>& entries);
  int count() const { return int(entries_.size()); }
  int ticket(int index) const { return entries_[index].ticket; }
  QLabel* label(int index) const { return labels_[index]; }
  QToolButton* removeButton(int index) const { return removes_[index]; }

  // "Queued: a red apple (Fast, seed 7)".
  static QString describe(const RunSettings& s);

 signals:
  void removeRequested(int ticket);

 private:
  QLabel* title_ = nullptr;
  QVBoxLayout* rows_ = nullptr;
  QVector<QueuedRun> entries_;
  QVector<QLabel*> labels_;
  QVector<QToolButton*> removes_;
};
