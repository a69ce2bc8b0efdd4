#include "ui/panels/interpolation_strip.h"

#include <QMouseEvent>
#include <QPainter>
#include <QtMath>

namespace {
constexpr int kCell = 44;   // thumbnail edge
constexpr int kGap = 4;     // between cells
constexpr int kMarker = 6;  // marker band under the cells
}  // namespace

InterpolationStrip::InterpolationStrip(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  setToolTip(tr("The interpolation's frames (64 px); click one to move the slider there"));
  setAccessibleName(tr("Interpolation frames"));
}

void InterpolationStrip::reset(int count) {
  cells_ = QVector<QPixmap>(qMax(0, count));
  updateGeometry();
  update();
}

void InterpolationStrip::setFrame(int index, const QImage& frame) {
  if (index < 0 || index >= cells_.size() || frame.isNull()) return;
  // Scaled once here, at the screen's pixel ratio (sharp on high-DPI), so painting only blits.
  const qreal ratio = devicePixelRatioF();
  const int edge = qCeil(kCell * ratio);
  QPixmap pm =
      QPixmap::fromImage(frame.scaled(edge, edge, Qt::KeepAspectRatio, Qt::SmoothTransformation));
  pm.setDevicePixelRatio(ratio);
  cells_[index] = pm;
  update(cellRect(index));
}

bool InterpolationStrip::hasFrame(int index) const {
  return index >= 0 && index < cells_.size() && !cells_[index].isNull();
}

int InterpolationStrip::filledCount() const {
  int n = 0;
  for (const QPixmap& p : cells_) n += !p.isNull();
  return n;
}

void InterpolationStrip::setMarker(double t) {
  marker_ = qBound(0.0, t, 1.0);
  update();
}

QRect InterpolationStrip::cellRect(int index) const {
  const int n = qMax(1, int(cells_.size()));
  // Cells share the width, up to kCell each, centred.
  const int cell = qMax(8, qMin(kCell, (width() - (n - 1) * kGap) / n));
  const int total = n * cell + (n - 1) * kGap;
  const int x0 = qMax(0, (width() - total) / 2);
  return QRect(x0 + index * (cell + kGap), 0, cell, cell);
}

int InterpolationStrip::cellAt(const QPoint& pos) const {
  for (int i = 0; i < cells_.size(); ++i)
    if (cellRect(i).adjusted(-kGap / 2, 0, kGap / 2, kMarker).contains(pos)) return i;
  return -1;
}

QSize InterpolationStrip::sizeHint() const {
  const int n = qMax(1, int(cells_.size()));
  return QSize(n * kCell + (n - 1) * kGap, kCell + kMarker + 2);
}

QSize InterpolationStrip::minimumSizeHint() const { return QSize(120, kCell + kMarker + 2); }

void InterpolationStrip::paintEvent(QPaintEvent*) {
  QPainter p(this);
  for (int i = 0; i < cells_.size(); ++i) {
    const QRect r = cellRect(i);
    if (cells_[i].isNull()) {
      p.fillRect(r, palette().color(QPalette::Base));
      p.setPen(palette().color(QPalette::Mid));
      p.drawRect(r.adjusted(0, 0, -1, -1));
    } else {
      const QPixmap& pm = cells_[i];
      const QSizeF size = pm.deviceIndependentSize().scaled(r.size(), Qt::KeepAspectRatio);
      p.drawPixmap(
          QRectF(r.x() + (r.width() - size.width()) / 2, r.y(), size.width(), size.height()), pm,
          QRectF(pm.rect()));
    }
  }
  if (cells_.isEmpty()) return;
  // The marker: from the centre of the first cell to the centre of the last.
  const QRect first = cellRect(0), last = cellRect(int(cells_.size()) - 1);
  const double x = first.center().x() + marker_ * (last.center().x() - first.center().x());
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(Qt::NoPen);
  p.setBrush(palette().color(QPalette::Highlight));
  const double y = first.bottom() + 2;
  const QPointF tri[3] = {{x, y}, {x - 5, y + kMarker}, {x + 5, y + kMarker}};
  p.drawPolygon(tri, 3);
}

void InterpolationStrip::mousePressEvent(QMouseEvent* event) {
  const int i = cellAt(event->position().toPoint());
  if (i >= 0) emit cellClicked(i);
}
