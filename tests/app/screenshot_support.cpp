#include "tests/app/screenshot_support.h"

#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QPainter>
#include <QPainterPath>
#include <QScreen>

#include "ui/canvas/canvas_view.h"

namespace shots {

QString outDir;

namespace {
int shotCount = 0;

QString nextPath(const QString& name) {
  return QDir(outDir).filePath(
      QStringLiteral("%1-%2.png").arg(++shotCount, 2, 10, QChar('0')).arg(name));
}

void written(const QString& path, bool ok) {
  if (!ok || QFileInfo(path).size() == 0) {
    std::string message = "could not write the screenshot ";
    message += path.toStdString();
    throw DriverFailure(message);
  }
  if (probe) probe->pause();
  std::printf("wrote %s\n", qPrintable(path));
}
}  // namespace

void shot(const QString& name) {
  runEventLoop(300);
  const QString path = nextPath(name);
  written(path, QGuiApplication::primaryScreen()->grabWindow(0).save(path));
}

void saveImage(const QString& name, const QImage& image) {
  const QString path = nextPath(name);
  written(path, image.save(path));
}

QImage landscape() {
  QImage img(640, 427, QImage::Format_RGB32);
  QPainter p(&img);
  p.setRenderHint(QPainter::Antialiasing);
  QLinearGradient sky(0, 0, 0, 260);
  sky.setColorAt(0, QColor(70, 130, 200));
  sky.setColorAt(1, QColor(235, 200, 160));
  p.fillRect(img.rect(), sky);
  p.setBrush(QColor(255, 230, 150));
  p.setPen(Qt::NoPen);
  p.drawEllipse(QPointF(470, 150), 42, 42);
  QPainterPath hills;
  hills.moveTo(0, 300);
  hills.cubicTo(150, 200, 260, 330, 400, 250);
  hills.cubicTo(500, 200, 580, 260, 640, 240);
  hills.lineTo(640, 427);
  hills.lineTo(0, 427);
  p.setBrush(QColor(70, 110, 60));
  p.drawPath(hills);
  p.setBrush(QColor(60, 100, 150));
  p.drawEllipse(QRectF(120, 330, 330, 70));
  return img;
}

void paint(CanvasView* canvas, const QVector<QPointF>& imagePoints) {
  QVector<QPoint> w;
  for (const QPointF& p : imagePoints) w << canvas->imageToWidget(p).toPoint();
  QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, w.first());
  for (int i = 1; i < w.size(); ++i) QTest::mouseMove(canvas, w[i]);
  QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, w.last());
}

void openImage(MainWindow& window, const QString& path) {
  if (!window.openFile(path)) {
    std::string message = "could not open ";
    message += path.toStdString();
    throw DriverFailure(message);
  }
}

}  // namespace shots
