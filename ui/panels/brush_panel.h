#pragma once
// Mask brush settings: tool, size, hardness, overlay opacity, and whole-mask commands.
// The window keeps it in sync with the canvas in both directions.
#include <QWidget>

class QAbstractButton;
class QPushButton;
class QSlider;
class QSpinBox;
class QToolButton;

class BrushPanel : public QWidget {
  Q_OBJECT
 public:
  explicit BrushPanel(QWidget* parent = nullptr);

  int brushSize() const;
  qreal hardness() const;
  qreal overlayOpacity() const;
  bool eraser() const;

  QSlider* sizeSlider() const { return sizeSlider_; }
  QSpinBox* sizeSpinBox() const { return size_; }
  QSlider* hardnessSlider() const { return hardness_; }
  QSlider* opacitySlider() const { return opacity_; }
  QToolButton* brushButton() const { return brush_; }
  QToolButton* eraserButton() const { return eraser_; }

 public slots:
  void setBrushSize(int size);
  void setHardness(qreal hardness);
  void setOverlayOpacity(qreal opacity);
  void setEraser(bool eraser);

 signals:
  void brushSizeChanged(int size);
  void hardnessChanged(qreal hardness);
  void overlayOpacityChanged(qreal opacity);
  void eraserSelected(bool eraser);
  void clearMaskRequested();
  void invertMaskRequested();
  void fillMaskRequested();

 private:
  QToolButton* brush_ = nullptr;
  QToolButton* eraser_ = nullptr;
  QSlider* sizeSlider_ = nullptr;
  QSpinBox* size_ = nullptr;
  QSlider* hardness_ = nullptr;
  QSlider* opacity_ = nullptr;
};
