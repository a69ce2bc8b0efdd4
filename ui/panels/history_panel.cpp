#include "ui/panels/history_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QJsonDocument>
#include <QPixmap>
#include <QPushButton>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {
QString stepsText(const RunRecord& r) {
  const QString reported = r.parameters.value("steps").toString();
  if (!reported.isEmpty()) return reported;
  if (r.settings.quality == QualityPreset::Custom) return QString::number(r.settings.customSteps);
  return qualityName(r.settings.quality);
}
}  // namespace

HistoryPanel::HistoryPanel(QWidget* parent) : QWidget(parent) {
  auto* root = new QVBoxLayout(this);
  root->setContentsMargins(8, 8, 8, 8);
  tree_ = new QTreeWidget;
  tree_->setAccessibleName(tr("Run history"));
  tree_->setToolTip(
      tr("Every run, newest first, kept across restarts: select one to show its candidates in "
         "the gallery, double-click to reuse its settings"));
  tree_->setHeaderLabels({tr("#"), tr("Mode"), tr("Prompt"), tr("Seed"), tr("Steps"), tr("Time")});
  tree_->setRootIsDecorated(false);
  tree_->setAlternatingRowColors(true);
  tree_->setUniformRowHeights(true);
  tree_->setIconSize(QSize(32, 32));
  tree_->header()->setSectionResizeMode(2, QHeaderView::Stretch);
  tree_->header()->setStretchLastSection(false);
  root->addWidget(tree_, 1);
  connect(tree_, &QTreeWidget::currentItemChanged, this, [this] {
    updateButtons();
    if (selected() >= 0) emit runSelected(runs_[selected()].id);
  });
  connect(tree_, &QTreeWidget::itemDoubleClicked, this, [this] {
    if (selected() >= 0) emit reuseRequested(runs_[selected()].reproducible());
  });

  rerun_ = new QPushButton(style()->standardIcon(QStyle::SP_BrowserReload), tr("Re-run"));
  rerun_->setToolTip(tr("Run again with the same parameters and seed"));
  reuse_ = new QPushButton(style()->standardIcon(QStyle::SP_ArrowUp), tr("Reuse"));
  reuse_->setToolTip(tr("Load these parameters into the prompt panel"));
  connect(rerun_, &QPushButton::clicked, this, [this] {
    if (selected() >= 0) emit rerunRequested(runs_[selected()].reproducible());
  });
  // Clicks leave the keyboard focus where it was (Space on the canvas pans, never re-runs).
  rerun_->setFocusPolicy(Qt::TabFocus);
  reuse_->setFocusPolicy(Qt::TabFocus);
  connect(reuse_, &QPushButton::clicked, this, [this] {
    if (selected() >= 0) emit reuseRequested(runs_[selected()].reproducible());
  });
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(rerun_);
  buttons->addWidget(reuse_);
  root->addLayout(buttons);
  updateButtons();
}

void HistoryPanel::addRun(const RunRecord& run) {
  RunRecord r = run;
  r.images.clear();  // the gallery holds the pixels; the history only the recipe
  runs_.push_back(r);
  const RunSettings& s = r.settings;
  const QString seed = r.parameters.value("seed").toString(
      r.seeds.isEmpty() ? QStringLiteral("-") : QString::number(r.seeds.front()));
  auto* item = new QTreeWidgetItem(
      {QString::number(r.id), s.usesDiffusion() ? modeName(s.mode) : methodName(s.method), s.prompt,
       s.usesDiffusion() ? seed : QStringLiteral("-"), s.usesDiffusion() ? stepsText(r) : QString(),
       tr("%1 s").arg(r.seconds, 0, 'f', 1)});
  item->setToolTip(2, s.prompt);
  if (!r.thumbnail.isNull()) item->setIcon(0, QIcon(QPixmap::fromImage(r.thumbnail)));
  item->setToolTip(0,
                   QString::fromUtf8(QJsonDocument(r.parameters).toJson(QJsonDocument::Indented)));
  tree_->insertTopLevelItem(0, item);  // newest first
  updateButtons();
}

void HistoryPanel::clear() {
  runs_.clear();
  tree_->clear();
  updateButtons();
}

int HistoryPanel::selected() const {
  const int row = tree_->indexOfTopLevelItem(tree_->currentItem());
  return row < 0 ? -1 : int(runs_.size()) - 1 - row;
}

QJsonArray HistoryPanel::toJson() const {
  QJsonArray out;
  for (const RunRecord& r : runs_) out.append(r.toJson());
  return out;
}

bool HistoryPanel::contains(const RunRecord& run) const {
  // Times compare as their JSON text does (to the second): a run may come back from a file.
  const QString when = run.finishedAt.toString(Qt::ISODate);
  for (const RunRecord& r : runs_)
    if (r.id == run.id && r.finishedAt.toString(Qt::ISODate) == when) return true;
  return false;
}

void HistoryPanel::restore(const QJsonArray& runs) {
  for (const auto& v : runs) {
    const RunRecord r = RunRecord::fromJson(v.toObject());
    if (!contains(r)) addRun(r);
  }
}

void HistoryPanel::updateButtons() {
  const bool any = selected() >= 0;
  rerun_->setEnabled(any);
  reuse_->setEnabled(any);
}
