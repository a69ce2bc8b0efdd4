// CanvasView driven with real mouse, wheel and key events (QT_QPA_PLATFORM=offscreen).
#include <QAction>
#include <QApplication>
#include <QMainWindow>
#include <QUndoStack>
#include <QWheelEvent>
#include <QtTest>

#include <cmath>
#include <memory>

#include "ui/canvas/canvas_view.h"
#include "ui/document/document.h"

namespace {

QImage pattern(int w, int h, bool alpha = false) {
  QImage image(w, h, alpha ? QImage::Format_ARGB32 : QImage::Format_RGB32);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      image.setPixel(x, y,
                     qRgba((x * 7) & 255, (y * 5) & 255, ((x / 8 + y / 8) % 2) * 200,
                           alpha ? std::min(255, x * 2) : 255));
  return image;
}

qreal segmentDistance(QPointF p, QPointF a, QPointF b) {
  const QPointF ab = b - a;
  const qreal len2 = QPointF::dotProduct(ab, ab);
  const qreal t = len2 > 0 ? std::clamp(QPointF::dotProduct(p - a, ab) / len2, 0.0, 1.0) : 0;
  const QPointF d = p - (a + t * ab);
  return std::hypot(d.x(), d.y());
}

void sendWheel(QWidget* w, QPointF pos, int delta, Qt::KeyboardModifiers mods = Qt::NoModifier) {
  QWheelEvent e(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton, mods,
                Qt::NoScrollPhase, false);
  QApplication::sendEvent(w, &e);
}

// Records the rectangles of the paint events a widget receives.
class PaintSpy : public QObject {
 public:
  QRegion painted;
  int events = 0;
  bool eventFilter(QObject* o, QEvent* e) override {
    if (e->type() == QEvent::Paint) {
      painted += static_cast<QPaintEvent*>(e)->region();
      ++events;
    }
    return QObject::eventFilter(o, e);
  }
};

}  // namespace

class TestCanvas : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<Document> doc_;
  std::unique_ptr<CanvasView> view_;

  void makeView(const QImage& image, QSize size = QSize(400, 300)) {
    view_.reset();
    doc_ = std::make_unique<Document>();
    doc_->setImage(image, QStringLiteral("/tmp/canvas-test.png"));
    view_ = std::make_unique<CanvasView>();
    view_->resize(size);
    view_->setDocument(doc_.get());
    view_->show();
    QVERIFY(QTest::qWaitForWindowExposed(view_.get()));
  }

  QImage grab() { return view_->grab().toImage().convertToFormat(QImage::Format_RGB32); }

 private slots:
  void cleanup() {
    view_.reset();
    doc_.reset();
  }

  void fitsNewImages() {
    makeView(pattern(800, 400));
    QCOMPARE(view_->zoom(), (400.0 - 32) / 800);
    // Centred: the image's centre is the widget's centre.
    const QPointF c = view_->imageToWidget(QPointF(400, 200));
    QVERIFY(qAbs(c.x() - 200) <= 1 && qAbs(c.y() - 150) <= 1);
  }

  void strokePaintsWhereItWent_data() {
    QTest::addColumn<qreal>("zoom");
    QTest::newRow("100%") << 1.0;
    QTest::newRow("250%") << 2.5;
    QTest::newRow("50%") << 0.5;
  }
  void strokePaintsWhereItWent() {
    QFETCH(qreal, zoom);
    makeView(pattern(300, 200));
    view_->setZoom(zoom, QPointF(200, 150));
    QCOMPARE(view_->zoom(), zoom);
    view_->setBrushSize(10);
    view_->setHardness(1.0);
    const QList<QPoint> path{{120, 100}, {240, 180}, {160, 210}};
    QTest::mousePress(view_.get(), Qt::LeftButton, Qt::NoModifier, path[0]);
    for (int i = 1; i < path.size(); ++i) QTest::mouseMove(view_.get(), path[i]);
    QTest::mouseRelease(view_.get(), Qt::LeftButton, Qt::NoModifier, path.last());

    QList<QPointF> img;
    for (const QPoint& p : path) img << view_->widgetToImage(p);
    const qreal r = 5;  // brush size is in image pixels, whatever the zoom
    const QImage& m = doc_->mask();
    int covered = 0;
    for (int y = 0; y < m.height(); ++y)
      for (int x = 0; x < m.width(); ++x) {
        const QPointF p(x + 0.5, y + 0.5);
        qreal d = 1e9;
        for (int i = 1; i < img.size(); ++i)
          d = std::min(d, segmentDistance(p, img[i - 1], img[i]));
        const int v = m.constScanLine(y)[x];
        if (d <= r - 1) {
          QVERIFY2(v == 255, qPrintable(QString("hole at (%1,%2)").arg(x).arg(y)));
          ++covered;
        }
        if (d >= r + 1) QVERIFY2(v == 0, qPrintable(QString("stray at (%1,%2)").arg(x).arg(y)));
      }
    QVERIFY(covered > 100);
    QCOMPARE(doc_->undoStack()->count(), 1);

    // Undo and redo restore the mask exactly.
    const QImage painted = m.copy();
    doc_->undoStack()->undo();
    QVERIFY(doc_->maskIsEmpty());
    doc_->undoStack()->redo();
    QCOMPARE(doc_->mask(), painted);
  }

  void renderingMatchesTheMapping() {
    makeView(pattern(300, 200));
    view_->setZoom(2.0, QPointF(200, 150));
    const QImage shot = grab();
    const QImage& image = doc_->image();
    for (const QPoint ip : {QPoint(100, 75), QPoint(80, 60), QPoint(120, 90), QPoint(101, 76)}) {
      const QPoint w = view_->imageToWidget(QPointF(ip) + QPointF(0.5, 0.5)).toPoint();
      QCOMPARE(shot.pixel(w), image.pixel(ip));
    }
  }

  void zoomAndPanMapping() {
    makeView(pattern(1000, 800));
    view_->setZoom(1.0, QPointF(200, 150));
    const QPointF anchor(123, 87);
    const QPointF under = view_->widgetToImage(anchor);
    QSignalSpy zoomed(view_.get(), &CanvasView::zoomChanged);
    view_->setZoom(3.0, anchor);
    QCOMPARE(zoomed.count(), 1);
    QVERIFY((view_->widgetToImage(anchor) - under).manhattanLength() < 1e-9);
    const QPointF p(321.25, 456.5);
    QVERIFY((view_->widgetToImage(view_->imageToWidget(p)) - p).manhattanLength() < 1e-9);

    // Wheel: zooms around the cursor.
    const QPointF cursor(250, 100);
    const QPointF beforeWheel = view_->widgetToImage(cursor);
    sendWheel(view_.get(), cursor, 120);
    QVERIFY(qAbs(view_->zoom() - 3.0 * std::pow(2.0, 0.25)) < 1e-9);
    QVERIFY((view_->widgetToImage(cursor) - beforeWheel).manhattanLength() < 1e-9);
    sendWheel(view_.get(), cursor, -120);
    QVERIFY(qAbs(view_->zoom() - 3.0) < 1e-9);

    // Middle drag pans by exactly the mouse movement and paints nothing.
    const QPointF origin = view_->imageToWidget(p);
    QTest::mousePress(view_.get(), Qt::MiddleButton, Qt::NoModifier, QPoint(200, 150));
    QTest::mouseMove(view_.get(), QPoint(230, 170));
    QTest::mouseRelease(view_.get(), Qt::MiddleButton, Qt::NoModifier, QPoint(230, 170));
    QCOMPARE(view_->imageToWidget(p), origin + QPointF(30, 20));

    // Space + left drag pans too.
    QTest::keyPress(view_.get(), Qt::Key_Space);
    QTest::mousePress(view_.get(), Qt::LeftButton, Qt::NoModifier, QPoint(200, 150));
    QTest::mouseMove(view_.get(), QPoint(190, 140));
    QTest::mouseRelease(view_.get(), Qt::LeftButton, Qt::NoModifier, QPoint(190, 140));
    QTest::keyRelease(view_.get(), Qt::Key_Space);
    QCOMPARE(view_->imageToWidget(p), origin + QPointF(20, 10));
    QVERIFY(doc_->maskIsEmpty());

    // Keyboard: + - 1 0.
    QTest::keyClick(view_.get(), Qt::Key_1);
    QCOMPARE(view_->zoom(), 1.0);
    QTest::keyClick(view_.get(), Qt::Key_Plus);
    QCOMPARE(view_->zoom(), 1.5);
    QTest::keyClick(view_.get(), Qt::Key_Minus);
    QTest::keyClick(view_.get(), Qt::Key_Minus);
    QCOMPARE(view_->zoom(), 2.0 / 3);
    QTest::keyClick(view_.get(), Qt::Key_0);
    QCOMPARE(view_->zoom(), std::min((400.0 - 32) / 1000, (300.0 - 32) / 800));
  }

  void brushSizeAndToolKeys() {
    makeView(pattern(100, 100));
    view_->setBrushSize(40);
    QSignalSpy sizes(view_.get(), &CanvasView::brushSizeChanged);
    const qreal zoom = view_->zoom();
    sendWheel(view_.get(), QPointF(50, 50), 120, Qt::ControlModifier);
    QCOMPARE(view_->brushSize(), 46);
    QCOMPARE(view_->zoom(), zoom);  // Ctrl+wheel does not zoom
    sendWheel(view_.get(), QPointF(50, 50), -120, Qt::ControlModifier);
    QCOMPARE(view_->brushSize(), 40);
    for (int i = 0; i < 8; ++i)  // a high-resolution wheel: eight eighths make one notch
      sendWheel(view_.get(), QPointF(50, 50), 15, Qt::ControlModifier);
    QCOMPARE(view_->brushSize(), 46);
    sendWheel(view_.get(), QPointF(50, 50), -120, Qt::ControlModifier);
    QTest::keyClick(view_.get(), Qt::Key_BracketRight);
    QVERIFY(view_->brushSize() > 40);
    QTest::keyClick(view_.get(), Qt::Key_BracketLeft);
    QTest::keyClick(view_.get(), Qt::Key_BracketLeft);
    QVERIFY(view_->brushSize() < 40);
    QCOMPARE(sizes.count(), 7);
    view_->setBrushSize(1);
    QTest::keyClick(view_.get(), Qt::Key_BracketLeft);
    QCOMPARE(view_->brushSize(), 1);
    view_->setBrushSize(5000);
    QCOMPARE(view_->brushSize(), 1000);

    QSignalSpy tools(view_.get(), &CanvasView::toolChanged);
    QTest::keyClick(view_.get(), Qt::Key_E);
    QCOMPARE(view_->tool(), CanvasView::Tool::Eraser);
    QTest::keyClick(view_.get(), Qt::Key_B);
    QCOMPARE(view_->tool(), CanvasView::Tool::Brush);
    QCOMPARE(tools.count(), 2);
  }

  void eraserStrokeErases() {
    makeView(pattern(200, 150));
    view_->setZoom(1.0, QPointF(200, 150));
    doc_->fillMask();
    view_->setBrushSize(20);
    view_->setHardness(1);
    QTest::keyClick(view_.get(), Qt::Key_E);
    const QPoint w(200, 150);
    QTest::mousePress(view_.get(), Qt::LeftButton, Qt::NoModifier, w);
    QTest::mouseRelease(view_.get(), Qt::LeftButton, Qt::NoModifier, w);
    const QPoint ip = view_->widgetToImage(w).toPoint();
    QCOMPARE(int(doc_->mask().constScanLine(ip.y())[ip.x()]), 0);
    QCOMPARE(int(doc_->mask().constScanLine(5)[5]), 255);
  }

  void windowShortcutsDoNotDoubleFire() {
    // A window action bound to E (which it must not be, but if it were) does not also fire
    // while the canvas has focus: the canvas claims the key.
    makeView(pattern(100, 100));
    QMainWindow window;
    auto* canvas = view_.release();
    window.setCentralWidget(canvas);
    QAction action(&window);
    action.setShortcut(Qt::Key_E);
    window.addAction(&action);
    QSignalSpy triggered(&action, &QAction::triggered);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.activateWindow();
    canvas->setFocus();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QTest::keyClick(canvas, Qt::Key_E);
    QCOMPARE(canvas->tool(), CanvasView::Tool::Eraser);
    QCOMPARE(triggered.count(), 0);
    // Tab does not move the focus away either.
    QTest::keyPress(canvas, Qt::Key_Tab);
    QVERIFY(canvas->hasFocus());
    QVERIFY(canvas->showOriginal());
    QTest::keyRelease(canvas, Qt::Key_Tab);
    QVERIFY(!canvas->showOriginal());

    // Ctrl+Z in the middle of a stroke: the stroke is committed, then undone.
    QAction undo(&window);
    undo.setShortcut(QKeySequence::Undo);
    window.addAction(&undo);
    connect(&undo, &QAction::triggered, doc_->undoStack(), &QUndoStack::undo);
    QTest::keyClick(canvas, Qt::Key_B);
    QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, QPoint(100, 100));
    QTest::mouseMove(canvas, QPoint(150, 120));
    QVERIFY(!doc_->maskIsEmpty());
    QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(doc_->maskIsEmpty());
    QCOMPARE(doc_->undoStack()->count(), 1);
    QCOMPARE(doc_->undoStack()->index(), 0);
    QTest::mouseMove(canvas, QPoint(160, 130));  // the stroke is over: paints nothing
    QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, QPoint(160, 130));
    QVERIFY(doc_->maskIsEmpty());
  }

  void tabShowsTheOriginal() {
    makeView(pattern(200, 150));
    view_->setZoom(1.0, QPointF(200, 150));
    view_->setOverlayOpacity(0.6);
    doc_->fillMask();
    QImage preview(200, 150, QImage::Format_RGB32);
    preview.fill(qRgb(10, 200, 30));
    const QPoint w(200, 150);
    const QPoint ip = view_->widgetToImage(w).toPoint();
    const QRgb original = doc_->image().pixel(ip);

    QVERIFY(grab().pixel(w) != original);  // tinted by the overlay
    QTest::keyPress(view_.get(), Qt::Key_Tab);
    QCOMPARE(grab().pixel(w), original);
    QTest::keyRelease(view_.get(), Qt::Key_Tab);
    QVERIFY(grab().pixel(w) != original);

    doc_->setPreview(preview);
    QCOMPARE(grab().pixel(w), qRgb(10, 200, 30));  // the pending result, without the overlay
    QTest::keyPress(view_.get(), Qt::Key_Tab);
    QCOMPARE(grab().pixel(w), original);
    QTest::keyRelease(view_.get(), Qt::Key_Tab);
    QCOMPARE(grab().pixel(w), qRgb(10, 200, 30));
    view_->setShowOriginal(true);
    QCOMPARE(grab().pixel(w), original);
  }

  void checkerboardBehindTransparency() {
    makeView(pattern(200, 150, true));
    view_->setZoom(1.0, QPointF(200, 150));
    view_->setBrushSize(30);
    QTest::mousePress(view_.get(), Qt::LeftButton, Qt::NoModifier, QPoint(150, 120));
    QTest::mouseMove(view_.get(), QPoint(280, 190));
    QTest::mouseRelease(view_.get(), Qt::LeftButton, Qt::NoModifier, QPoint(280, 190));
    QTest::mouseMove(view_.get(), QPoint(300, 120));  // brush outline there
    const QImage shot = grab();
    // Fully transparent column x = 0: the checkerboard shows, in two shades.
    const QPoint a = view_->imageToWidget(QPointF(0.5, 4.5)).toPoint();
    const QPoint b = view_->imageToWidget(QPointF(0.5, 12.5)).toPoint();
    QVERIFY(shot.pixel(a) != shot.pixel(b));
    QVERIFY(qGray(shot.pixel(a)) > 120 && qGray(shot.pixel(b)) > 120);
    const QString out = qEnvironmentVariable("PB_CANVAS_GRAB");
    if (!out.isEmpty()) QVERIFY(view_->grab().save(out));
  }

  void zoomedOutViewAveragesFineDetail() {
    // One-pixel black/white checks: an area average is mid-grey, a point sample is not.
    QImage fine(1024, 1024, QImage::Format_RGB32);
    for (int y = 0; y < 1024; ++y)
      for (int x = 0; x < 1024; ++x) fine.setPixel(x, y, (x + y) % 2 ? qRgb(255, 255, 255) : 0);
    makeView(fine);
    for (qreal zoom : {0.25, 0.2, 0.125, 0.4}) {
      view_->setZoom(zoom, QPointF(200, 150));
      const QImage shot = grab();
      for (int y = 140; y < 160; y += 3)
        for (int x = 190; x < 210; x += 3)
          QVERIFY2(qAbs(qGray(shot.pixel(x, y)) - 128) < 24,
                   qPrintable(QString("zoom %1: grey %2").arg(zoom).arg(qGray(shot.pixel(x, y)))));
    }
  }

  void zoomedOutViewFollowsEdits() {
    QImage grey(1200, 900, QImage::Format_RGB32);
    grey.fill(qRgb(128, 128, 128));
    makeView(grey);
    view_->setZoom(0.25, QPointF(200, 150));
    const QPoint w(200, 150);
    QCOMPARE(grab().pixel(w), qRgb(128, 128, 128));
    QImage green(1200, 900, QImage::Format_RGB32);
    green.fill(qRgb(10, 200, 30));
    doc_->applyResult(green, "x", {});
    QCOMPARE(grab().pixel(w), qRgb(10, 200, 30));
    doc_->undoStack()->undo();
    QCOMPARE(grab().pixel(w), qRgb(128, 128, 128));
    doc_->setPreview(green);
    QCOMPARE(grab().pixel(w), qRgb(10, 200, 30));
    doc_->clearPreview();
    view_->setOverlayOpacity(1.0);
    view_->setOverlayColor(QColor(0, 0, 255));
    doc_->fillMask();
    QCOMPARE(grab().pixel(w), qRgb(0, 0, 255));
    // A stroke while zoomed out shows at once.
    doc_->clearMask();
    QCOMPARE(grab().pixel(w), qRgb(128, 128, 128));
    view_->setBrushSize(200);
    QTest::mousePress(view_.get(), Qt::LeftButton, Qt::NoModifier, w);
    QTest::mouseRelease(view_.get(), Qt::LeftButton, Qt::NoModifier, w);
    QTest::mouseMove(view_.get(), QPoint(20, 20));  // the brush outline away from w
    QCOMPARE(grab().pixel(w), qRgb(0, 0, 255));
  }

  void paintingOnlyRepaintsDirtyRects() {
    makeView(pattern(3840, 2160), QSize(800, 600));
    view_->setZoom(1.0, QPointF(400, 300));
    QCoreApplication::processEvents();
    QTest::qWait(20);
    PaintSpy spy;
    view_->installEventFilter(&spy);
    QList<QRect> maskRects;
    connect(doc_.get(), &Document::maskChanged, this, [&](const QRect& r) { maskRects << r; });
    view_->setBrushSize(20);
    QTest::mousePress(view_.get(), Qt::LeftButton, Qt::NoModifier, QPoint(400, 300));
    QTest::mouseMove(view_.get(), QPoint(410, 305));
    QTest::mouseMove(view_.get(), QPoint(420, 310));
    QTest::mouseRelease(view_.get(), Qt::LeftButton, Qt::NoModifier, QPoint(420, 310));
    QCoreApplication::processEvents();
    QTest::qWait(20);
    view_->removeEventFilter(&spy);
    QVERIFY(spy.events > 0);
    const QRect bounds = spy.painted.boundingRect();
    QVERIFY2(bounds.width() * bounds.height() < 800 * 600 / 20,
             qPrintable(QString("repainted %1x%2").arg(bounds.width()).arg(bounds.height())));
    for (const QRect& r : maskRects) QVERIFY(r.width() <= 40 && r.height() <= 40);
  }
};

QTEST_MAIN(TestCanvas)
#include "tst_ui_canvas.moc"
