// The mask-edge controls and the change-region layer without an engine: "Auto" spin boxes
// (stepping from and back to Auto), the settings' JSON (Auto is absent, values are kept and
// clamped), and the layer the canvas draws for a compositor alpha (tint, dashed border,
// bounds; none for an empty region; a new image clears it).
#include <QCheckBox>
#include <QSignalSpy>
#include <QtTest>

#include "ui/canvas/canvas_view.h"
#include "ui/canvas/change_region.h"
#include "ui/document/document.h"
#include "ui/panels/mask_refine_box.h"
#include "ui/panels/optional_spin_box.h"

class TestMaskRefine : public QObject {
  Q_OBJECT

 private slots:
  void optionalSpinBoxSteps() {
    OptionalSpinBox spin(-4, 10, 2);
    QVERIFY(spin.isAuto());
    QVERIFY(!spin.optionalValue());
    QCOMPARE(spin.text(), QStringLiteral("Auto"));
    spin.stepBy(1);  // from Auto: the start value, either way
    QCOMPARE(spin.optionalValue(), std::optional<int>(2));
    spin.setOptionalValue(std::nullopt);
    spin.stepBy(-1);
    QCOMPARE(spin.optionalValue(), std::optional<int>(2));
    spin.setOptionalValue(-4);
    spin.stepBy(-1);  // below the lowest number: Auto
    QVERIFY(spin.isAuto());
    spin.setOptionalValue(99);
    QCOMPARE(spin.optionalValue(), std::optional<int>(10));
    spin.setOptionalValue(-99);
    QCOMPARE(spin.optionalValue(), std::optional<int>(-4));
  }

  void boxReportsItsSettings() {
    MaskRefineBox box;
    QCOMPARE(box.refinement(), MaskRefinement{});
    QVERIFY(box.showRegion());
    QSignalSpy changed(&box, &MaskRefineBox::refinementChanged);
    box.growSpin()->setOptionalValue(-3);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.last().at(0).value<MaskRefinement>().growPx, std::optional<int>(-3));
    box.colourMatchCheck()->setChecked(false);
    MaskRefinement want;
    want.growPx = -3;
    want.colourMatch = false;
    QCOMPARE(box.refinement(), want);
    want.featherPx = 0;  // a hard edge is a value, not Auto
    box.setRefinement(want);
    QCOMPARE(box.refinement(), want);
    QVERIFY(!box.featherSpin()->isAuto());
  }

  void settingsJson() {
    RunSettings s;
    QJsonObject o = s.toJson();
    // Auto is left out.
    const QJsonObject mask = o.value("mask").toObject();
    QVERIFY(!mask.isEmpty() && !mask.contains("growPx") && !mask.contains("featherPx"));
    QCOMPARE(RunSettings::fromJson(o), s);
    s.mask.growPx = -5;
    s.mask.featherPx = 0;
    s.mask.colourMatch = false;
    QCOMPARE(RunSettings::fromJson(s.toJson()), s);
    o = s.toJson();
    o["mask"] = QJsonObject{{"growPx", 1000}, {"featherPx", -7}};
    const RunSettings clamped = RunSettings::fromJson(o);
    QCOMPARE(clamped.mask.growPx, std::optional<int>(MaskRefinement::kMaxGrow));
    QCOMPARE(clamped.mask.featherPx, std::optional<int>(0));
  }

  void changeRegionLayer() {
    QVERIFY(makeChangeRegion(QImage()).isNull());
    QImage alpha(40, 30, QImage::Format_Grayscale8);
    alpha.fill(0);
    QVERIFY(makeChangeRegion(alpha).isNull());
    for (int y = 10; y < 20; ++y)
      for (int x = 5; x < 25; ++x) alpha.scanLine(y)[x] = x < 8 ? 100 : 255;
    const ChangeRegion r = makeChangeRegion(alpha);
    QVERIFY(!r.isNull());
    QCOMPARE(r.bounds, QRect(5, 10, 20, 10));
    QCOMPARE(r.alpha, alpha);
    QCOMPARE(r.layer.size(), alpha.size());
    QCOMPARE(qAlpha(r.layer.pixel(0, 0)), 0);  // outside: nothing drawn
    // The border is opaque black or white, dashed along it.
    QSet<QRgb> border;
    for (int x = 5; x < 25; ++x) border.insert(r.layer.pixel(x, 10));
    QCOMPARE(border, QSet<QRgb>({qRgb(0, 0, 0), qRgb(255, 255, 255)}));
    // Inside: the tint, lighter where less of the result is taken.
    const QRgb full = r.layer.pixel(15, 15), part = r.layer.pixel(6, 15);
    QVERIFY(qAlpha(full) > 0 && qAlpha(full) < 128);
    QVERIFY(qAlpha(part) > 0 && qAlpha(part) < qAlpha(full));
    QVERIFY(qBlue(full) > qRed(full));
  }

  void canvasHoldsAndClearsTheRegion() {
    Document doc;
    CanvasView canvas;
    canvas.setDocument(&doc);
    doc.newCanvas(QSize(40, 30));
    QImage alpha(40, 30, QImage::Format_Grayscale8);
    alpha.fill(255);
    canvas.setChangeRegion(makeChangeRegion(alpha));
    QVERIFY(!canvas.changeRegion().isNull());
    canvas.resize(200, 150);
    canvas.grab();  // draws it
    doc.newCanvas(QSize(50, 30));
    QVERIFY(canvas.changeRegion().isNull());
  }
};

QTEST_MAIN(TestMaskRefine)
#include "tst_ui_mask_refine.moc"
