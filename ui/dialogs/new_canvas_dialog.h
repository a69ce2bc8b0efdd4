#pragma once
// Asks for the size and background of a new, empty canvas (text-to-image starts here).
#include <QColor>
#include <QDialog>
#include <QSize>

class QComboBox;
class QSpinBox;
class QToolButton;

class NewCanvasDialog : public QDialog {
  Q_OBJECT
 public:
  explicit NewCanvasDialog(QWidget* parent = nullptr);

  QSize canvasSize() const;
  QColor background() const { return background_; }
  void setCanvasSize(QSize size);
  void setBackground(const QColor& color);

 private:
  QComboBox* preset_ = nullptr;
  QSpinBox* width_ = nullptr;
  QSpinBox* height_ = nullptr;
  QToolButton* color_ = nullptr;
  QColor background_ = Qt::white;
};
