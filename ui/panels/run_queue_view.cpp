#include "ui/panels/run_queue_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

RunQueueView::RunQueueView(QWidget* parent) : QWidget(parent) {
  auto* root = new QVBoxLayout(this);
  root->setContentsMargins(0, 0, 0, 0);
  root->setSpacing(2);
  title_ = new QLabel;
  title_->setObjectName(QStringLiteral("queueTitle"));
  root->addWidget(title_);
  rows_ = new QVBoxLayout;
  rows_->setSpacing(2);
  root->addLayout(rows_);
  setAccessibleName(tr("Queued runs"));
  setVisible(false);
}

QString RunQueueView::describe(const RunSettings& s) {
  QString what;
  if (!s.usesDiffusion())
    what = methodName(s.method);
  else if (s.quality == QualityPreset::Custom)
    what = tr("%1 steps").arg(s.customSteps);
  else
    what = qualityName(s.quality);
  if (s.usesDiffusion())
    what += QStringLiteral(", ") +
            (s.randomSeed ? tr("random seed") : tr("seed %1").arg(QString::number(s.seed)));
  const QString prompt = s.prompt.isEmpty()     ? modeName(s.mode)
                         : s.prompt.size() > 40 ? s.prompt.left(39) + QStringLiteral("…")
                                                : s.prompt;
  return tr("Queued: %1 (%2)").arg(prompt, what);
}

void RunQueueView::setEntries(const QVector<QueuedRun>& entries) {
  // Rows go later: this may run inside one of their remove buttons' clicked().
  while (QLayoutItem* item = rows_->takeAt(0)) {
    if (QWidget* w = item->widget()) {
      w->hide();
      w->deleteLater();
    }
    delete item;
  }
  entries_ = entries;
  labels_.clear();
  removes_.clear();
  for (int i = 0; i < entries.size(); ++i) {
    const QueuedRun& e = entries[i];
    auto* row = new QWidget;
    auto* line = new QHBoxLayout(row);
    line->setContentsMargins(0, 0, 0, 0);
    auto* label = new QLabel(describe(e.settings));
    label->setToolTip(e.settings.prompt.isEmpty() ? label->text() : e.settings.prompt);
    label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* remove = new QToolButton;
    remove->setIcon(style()->standardIcon(QStyle::SP_DialogCloseButton));
    remove->setAutoRaise(true);
    const QString removeText = tr("Remove from the queue: %1").arg(label->text());
    remove->setToolTip(removeText);
    remove->setAccessibleName(removeText);
    remove->setFocusPolicy(Qt::TabFocus);  // a click leaves the keyboard focus where it was
    const int ticket = e.ticket;
    connect(remove, &QToolButton::clicked, this, [this, ticket] { emit removeRequested(ticket); });
    line->addWidget(label, 1);
    line->addWidget(remove);
    rows_->addWidget(row);
    labels_ << label;
    removes_ << remove;
  }
  title_->setText(tr("%n run(s) waiting", nullptr, int(entries.size())));
  setVisible(!entries.isEmpty());
}
