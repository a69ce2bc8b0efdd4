#pragma once
// A non-modal message strip above the canvas: engine errors, hints and offers ("this PNG
// has generation parameters — restore them?"). The newest message replaces the previous one.
#include <QFrame>
#include <functional>

class QHBoxLayout;
class QLabel;
class QToolButton;

class MessageBar : public QFrame {
  Q_OBJECT
 public:
  enum class Level { Info, Warning, Error };

  explicit MessageBar(QWidget* parent = nullptr);

  void showMessage(const QString& text, Level level = Level::Info);
  // Adds a button to the current message; clicking it runs `fn` and closes the message.
  void addAction(const QString& label, std::function<void()> fn);
  QString text() const;
  Level level() const { return level_; }

 public slots:
  void dismiss();

 signals:
  void dismissed();

 private:
  QLabel* icon_ = nullptr;
  QLabel* text_ = nullptr;
  QHBoxLayout* actions_ = nullptr;
  Level level_ = Level::Info;
};
