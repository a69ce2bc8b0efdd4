#include "ui/dialogs/dialog_buttons.h"

#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QPushButton>

#include <utility>

void describeStandardButtons(QWidget* root) {
  const std::pair<QDialogButtonBox::StandardButton, const char*> tips[] = {
      {QDialogButtonBox::Ok, QT_TRANSLATE_NOOP("DialogButtons", "Use these values and close")},
      {QDialogButtonBox::Cancel,
       QT_TRANSLATE_NOOP("DialogButtons", "Close without changing anything")},
      {QDialogButtonBox::Close, QT_TRANSLATE_NOOP("DialogButtons", "Close this window")},
      {QDialogButtonBox::Apply, QT_TRANSLATE_NOOP("DialogButtons", "Use these values")},
      {QDialogButtonBox::Help, QT_TRANSLATE_NOOP("DialogButtons", "Show help")}};
  for (QDialogButtonBox* box : root->findChildren<QDialogButtonBox*>())
    for (const auto& [which, tip] : tips)
      if (QPushButton* b = box->button(which); b && b->toolTip().isEmpty())
        b->setToolTip(QCoreApplication::translate("DialogButtons", tip));
}
