#include "ui/dialogs/shortcuts_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSet>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "ui/canvas/canvas_view.h"
#include "ui/dialogs/dialog_buttons.h"

namespace {
void addMenu(const QMenu* menu, const QString& group, QVector<ShortcutsDialog::Entry>* out,
             QSet<const QAction*>* seen) {
  for (const QAction* a : menu->actions()) {
    if (a->menu()) {
      addMenu(a->menu(), group, out, seen);
      continue;
    }
    seen->insert(a);
    if (!a->shortcuts().isEmpty())
      out->push_back({group, ShortcutsDialog::commandText(a->text()),
                      ShortcutsDialog::keysText(a->shortcuts())});
  }
}
}  // namespace

QString ShortcutsDialog::commandText(const QString& actionText) {
  QString text = actionText.section(QLatin1Char('\t'), 0, 0);
  QString out;
  for (int i = 0; i < text.size(); ++i) {
    if (text[i] == QLatin1Char('&') && i + 1 < text.size()) ++i;  // "&&" stays one "&"
    out += text[i];
  }
  return out;
}

QString ShortcutsDialog::keysText(const QList<QKeySequence>& keys) {
  QStringList parts;
  for (const QKeySequence& k : keys) parts << k.toString(QKeySequence::NativeText);
  return parts.join(QStringLiteral(", "));
}

QVector<ShortcutsDialog::Entry> ShortcutsDialog::entriesFor(const QWidget* window) {
  QVector<Entry> out;
  QSet<const QAction*> seen;
  if (auto* main = qobject_cast<const QMainWindow*>(window); main && main->menuWidget()) {
    for (const QAction* top : main->menuBar()->actions())
      if (top->menu()) addMenu(top->menu(), commandText(top->text()), &out, &seen);
  }
  for (const QAction* a : window->findChildren<QAction*>()) {
    if (seen.contains(a) || a->shortcuts().isEmpty()) continue;
    out.push_back({tr("Other"), commandText(a->text()), keysText(a->shortcuts())});
  }

  // The canvas's keys, one row per command ("+, =" for zoom in).
  const QString canvas = tr("Canvas keys (also from the gallery, history and panels)");
  for (const CanvasView::KeyBinding& b : CanvasView::keyBindings()) {
    QString key = QKeySequence(b.key).toString(QKeySequence::NativeText);
    if (b.held) key = tr("%1 (hold)").arg(key);
    if (!out.isEmpty() && out.back().group == canvas && out.back().command == b.description)
      out.back().keys += QStringLiteral(", ") + key;
    else
      out.push_back({canvas, b.description, key});
  }

  const QString mouse = tr("Mouse");
  out.push_back({mouse, tr("Paint the mask (the eraser erases)"), tr("Left drag")});
  out.push_back({mouse, tr("Pan"), tr("Middle drag, or Space + left drag")});
  out.push_back({mouse, tr("Zoom around the pointer"), tr("Wheel")});
  out.push_back({mouse, tr("Brush size"), tr("Ctrl + wheel")});
  out.push_back({mouse, tr("Apply a candidate"), tr("Double-click it in the gallery")});
  return out;
}

ShortcutsDialog::ShortcutsDialog(const QVector<Entry>& entries, QWidget* parent)
    : QDialog(parent), entries_(entries) {
  setObjectName(QStringLiteral("shortcutsDialog"));
  setWindowTitle(tr("Keyboard Shortcuts"));
  auto* root = new QVBoxLayout(this);

  note_ = new QLabel(
      tr("Single keys (B, E, [, ], Tab, Space, +, -, 0, 1) work wherever the keyboard focus is "
         "in the window, not only on the canvas. While you type in a text field (the prompt, "
         "the seed, a caption, a number) every key keeps its text meaning: letters and digits "
         "type, Space types a space, Tab moves to the next field, and Ctrl+Z, Ctrl+C, Ctrl+V "
         "undo, copy and paste text. On a button Space presses it; Shift+Tab always moves "
         "the focus back."));
  note_->setWordWrap(true);
  note_->setTextFormat(Qt::PlainText);
  root->addWidget(note_);

  table_ = new QTreeWidget;
  table_->setObjectName(QStringLiteral("shortcutsTable"));
  table_->setAccessibleName(tr("Keyboard shortcuts"));
  table_->setToolTip(tr("Every command with a key, by menu"));
  table_->setColumnCount(2);
  table_->setHeaderLabels({tr("Command"), tr("Keys")});
  table_->setRootIsDecorated(false);
  table_->setUniformRowHeights(true);
  table_->setSelectionMode(QAbstractItemView::NoSelection);
  table_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  table_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  table_->header()->setStretchLastSection(false);
  QTreeWidgetItem* group = nullptr;
  for (const Entry& e : entries_) {
    if (!group || group->text(0) != e.group) {
      group = new QTreeWidgetItem(table_, {e.group});
      QFont bold = group->font(0);
      bold.setBold(true);
      group->setFont(0, bold);
      group->setFirstColumnSpanned(true);
      group->setExpanded(true);
    }
    new QTreeWidgetItem(group, {e.command, e.keys});
  }
  root->addWidget(table_, 1);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  root->addWidget(buttons);
  describeStandardButtons(this);
  resize(560, 640);
}
