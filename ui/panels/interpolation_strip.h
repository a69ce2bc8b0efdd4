#pragma once
// A row of N thumbnail cells for an interpolation's frames, filling in as frames arrive, with
// a marker at the slider's position. Clicking a cell asks to move the slider there.
#include <QPixmap>
#include <QVector>
#include <QWidget>

class InterpolationStrip : public QWidget {
  Q_OBJECT
 public:
  explicit InterpolationStrip(QWidget* parent = nullptr);

  // Empties every cell; `count` cells from now on.
  void reset(int count);
  int count() const { return int(cells_.size()); }
  void setFrame(int index, const QImage& frame);
  bool hasFrame(int index) const;
  int filledCount() const;
  // Where the slider is, 0..1 (drawn as a marker under the cells).
  void setMarker(double t);

  // The cell under a widget point, -1 if none.
  int cellAt(const QPoint& pos) const;
  QRect cellRect(int index) const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 signals:
  void cellClicked(int index);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  QVector<QPixmap> cells_;  // null: not rendered yet
  double marker_ = 0;
};
