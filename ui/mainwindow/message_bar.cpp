#include "ui/mainwindow/message_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>

MessageBar::MessageBar(QWidget* parent) : QFrame(parent) {
  setObjectName(QStringLiteral("messageBar"));
  setFrameShape(QFrame::StyledPanel);
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(10, 6, 6, 6);
  row->setSpacing(8);
  icon_ = new QLabel;
  text_ = new QLabel;
  text_->setWordWrap(true);
  // Messages quote file names and names read from files: never interpreted as markup.
  text_->setTextFormat(Qt::PlainText);
  text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  actions_ = new QHBoxLayout;
  actions_->setSpacing(4);
  auto* close = new QToolButton;
  close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
  close->setAutoRaise(true);
  close->setToolTip(tr("Dismiss"));
  close->setAccessibleName(tr("Dismiss"));
  connect(close, &QToolButton::clicked, this, &MessageBar::dismiss);
  row->addWidget(icon_);
  row->addWidget(text_, 1);
  row->addLayout(actions_);
  row->addWidget(close);
  hide();
}

void MessageBar::showMessage(const QString& text, Level level) {
  while (QLayoutItem* item = actions_->takeAt(0)) {
    // Later: the message may be replaced from inside one of its own buttons' handlers.
    if (QWidget* w = item->widget()) {
      w->hide();
      w->deleteLater();
    }
    delete item;
  }
  level_ = level;
  const auto pixmap = level == Level::Error     ? QStyle::SP_MessageBoxCritical
                      : level == Level::Warning ? QStyle::SP_MessageBoxWarning
                                                : QStyle::SP_MessageBoxInformation;
  icon_->setPixmap(style()->standardIcon(pixmap).pixmap(20, 20));
  const char* colors = level == Level::Error     ? "#fdecea; border: 1px solid #e0a8a3"
                       : level == Level::Warning ? "#fff6e0; border: 1px solid #e6cf8f"
                                                 : "#e8f1fb; border: 1px solid #a9c6e8";
  setStyleSheet(QStringLiteral("#messageBar { background: %1; border-radius: 4px; }"
                               "#messageBar QLabel { color: #202020; }")
                    .arg(QLatin1String(colors)));
  text_->setText(text);
  show();
}

void MessageBar::addAction(const QString& label, std::function<void()> fn) {
  auto* b = new QPushButton(label);
  b->setToolTip(label);
  connect(b, &QPushButton::clicked, this, [this, fn = std::move(fn)] {
    dismiss();
    fn();
  });
  actions_->addWidget(b);
  b->show();  // now, not when the layout gets to it
}

QString MessageBar::text() const { return isHidden() ? QString() : text_->text(); }

void MessageBar::dismiss() {
  if (isHidden()) return;
  hide();
  emit dismissed();
}
