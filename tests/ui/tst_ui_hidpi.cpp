// Gallery thumbnails on a 2x screen (QT_SCALE_FACTOR=2): rendered at twice the logical size
// and marked so, rather than a 1x pixmap stretched (blurred) by the screen.
#include <QApplication>
#include <QListWidget>
#include <QtTest>

#include "ui/panels/gallery_panel.h"

namespace {
// Fine detail that a 1x thumbnail cannot hold: one-pixel stripes at the 2x thumbnail's scale.
QImage stripes(int edge) {
  QImage image(edge, edge, QImage::Format_RGB32);
  for (int y = 0; y < edge; ++y)
    for (int x = 0; x < edge; ++x)
      image.setPixel(x, y, x % 2 ? qRgb(255, 255, 255) : qRgb(0, 0, 0));
  return image;
}
}  // namespace

class TestHiDpi : public QObject {
  Q_OBJECT

 private slots:
  void thumbnailsAtTheScreensPixelRatio() {
    GalleryPanel gallery;
    gallery.show();
    QVERIFY(QTest::qWaitForWindowExposed(&gallery));
    const qreal ratio = gallery.list()->devicePixelRatioF();
    QCOMPARE(ratio, 2.0);

    RunRecord run;
    run.id = 1;
    const int logical = gallery.list()->iconSize().width();
    run.images = {stripes(2 * logical), stripes(2 * logical)};
    run.seeds = {1, 2};
    gallery.showRun(run);
    QCOMPARE(gallery.list()->count(), 2);

    const QIcon icon = gallery.list()->item(0)->icon();
    const QSize device(2 * logical, 2 * logical);
    QVERIFY2(icon.availableSizes().contains(device),
             qPrintable(QString("sizes: %1").arg(icon.availableSizes().size())));
    const QPixmap pm = icon.pixmap(gallery.list()->iconSize(), ratio);
    QCOMPARE(pm.devicePixelRatio(), 2.0);
    QCOMPARE(pm.size(), device);
    // The stripes survive: neighbouring device pixels differ (a stretched 1x image would
    // have pairs of equal pixels, or grey).
    const QImage im = pm.toImage();
    const int y = im.height() / 2;
    QVERIFY(qAbs(qGray(im.pixel(logical, y)) - qGray(im.pixel(logical + 1, y))) > 200);
  }
};

int main(int argc, char** argv) {
  qputenv("QT_SCALE_FACTOR", "2");
  QApplication app(argc, argv);
  TestHiDpi test;
  return QTest::qExec(&test, argc, argv);
}
#include "tst_ui_hidpi.moc"
