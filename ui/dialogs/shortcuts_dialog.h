#pragma once
// Help ▸ Keyboard Shortcuts: every shortcut of the window, built from the real QActions of its
// menus (so the list cannot drift from what the keys do), the canvas's own keys
// (CanvasView::keyBindings) and the mouse gestures, with a note on where they work.
#include <QDialog>
#include <QVector>

class QLabel;
class QTreeWidget;

class ShortcutsDialog : public QDialog {
  Q_OBJECT
 public:
  struct Entry {
    QString group;    // "File", "Canvas and panels", "Mouse", ...
    QString command;  // the action's text without its mnemonic
    QString keys;     // the key sequences as the platform names them, ", " between them
  };

  explicit ShortcutsDialog(const QVector<Entry>& entries, QWidget* parent = nullptr);

  // Every action with a shortcut in `window`'s menu bar (by menu) and then any other action
  // of the window with one, the canvas's keys and the mouse.
  static QVector<Entry> entriesFor(const QWidget* window);
  // An action's text as a list shows it: no "&" mnemonic, no "\t" accelerator hint.
  static QString commandText(const QString& actionText);
  // An action's shortcuts as the dialog shows them.
  static QString keysText(const QList<QKeySequence>& keys);

  QVector<Entry> entries() const { return entries_; }
  QTreeWidget* table() const { return table_; }
  QLabel* note() const { return note_; }

 private:
  QVector<Entry> entries_;
  QTreeWidget* table_ = nullptr;
  QLabel* note_ = nullptr;
};
