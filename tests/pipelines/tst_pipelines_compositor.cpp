// The one compositor of inpainting (compositor.h), without models: byte identity outside the
// region, painted pixels fully replaced (a soft brush edge never ghosts), the feather ramp,
// grow and shrink, several windows, the colour match and the alpha the canvas shows.
#include <QtTest>

#include <opencv2/core.hpp>
#include <random>

#include "engine/core/error.h"
#include "engine/pipelines/compositor.h"

using namespace pb;
using namespace pb::pipelines;

namespace {

Image noise_image(int w, int h, unsigned seed) {
  Image img(w, h, 3);
  std::mt19937 rng(seed);
  for (auto& v : img.pixels) v = std::uint8_t(rng() & 0xff);
  return img;
}

void fill_rect(Image& m, int x0, int y0, int rw, int rh, std::uint8_t v = 255) {
  for (int y = y0; y < y0 + rh; ++y)
    for (int x = x0; x < x0 + rw; ++x) m.at(x, y) = v;
}

// Pastes a flat `value` result into every window of the plan.
Image paste_flat(const CompositePlan& plan, const Image& src, std::uint8_t value) {
  Image out = src;
  for (const CompositeWindow& w : plan.windows)
    out = paste_window(w, src, out, Image(256, 256, 3, value), plan.colour_match);
  return out;
}

}  // namespace

class PipelinesCompositor : public QObject {
  Q_OBJECT
 private slots:
  void identity_outside_region_data() {
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("mx");
    QTest::addColumn<int>("my");
    QTest::newRow("inside") << 640 << 480 << 300 << 200;
    QTest::newRow("at an edge") << 640 << 480 << 0 << 440;
    QTest::newRow("padded window") << 900 << 150 << 50 << 20;
    QTest::newRow("tiny") << 17 << 9 << 4 << 2;
  }
  void identity_outside_region() {
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(int, mx);
    QFETCH(int, my);
    const Image src = noise_image(w, h, 11);
    Image mask(w, h, 1);
    fill_rect(mask, mx, my, std::min(40, w - mx), std::min(40, h - my));
    mask.at(w - 1, h - 1) = 255;  // a second, far-away blob
    const CompositePlan plan = plan_composite(mask, {});
    QVERIFY(!plan.windows.empty());
    const Image out = paste_flat(plan, src, 7);
    const Image alpha = composite_alpha(plan);
    long changed_inside_mask = 0;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        for (int c = 0; c < 3; ++c) {
          if (!alpha.at(x, y) && out.at(x, y, c) != src.at(x, y, c))
            QFAIL(qPrintable(QString("pixel (%1, %2) outside the region changed").arg(x).arg(y)));
          // Painted pixels take the result exactly.
          if (mask.at(x, y)) QCOMPARE(int(out.at(x, y, c)), 7);
        }
        if (mask.at(x, y)) {
          QCOMPARE(int(alpha.at(x, y)), 255);
          ++changed_inside_mask;
        }
      }
    QVERIFY(changed_inside_mask > 0);
  }

  void soft_brush_edge_never_ghosts() {
    // A soft-edged stroke: every pixel the brush touched, however faintly, is replaced
    // whole, and the blend happens outside the stroke.
    const Image src(200, 200, 3, 250);  // the object to paint out: bright
    Image mask(200, 200, 1);
    fill_rect(mask, 80, 80, 40, 40);
    for (int i = 0; i < 40; ++i) mask.at(79, 80 + i) = 20;  // faint edge
    MaskSettings s;
    s.grow_px = 4;
    s.feather_px = 4;
    const CompositePlan plan = plan_composite(mask, s);
    const Image out = paste_flat(plan, src, 0);
    for (int y = 80; y < 120; ++y) QCOMPARE(int(out.at(79, y, 0)), 0);
    // The ramp lies in the grown ring: between source and result, monotone outwards.
    const int ring[] = {out.at(78, 100, 0), out.at(77, 100, 0), out.at(76, 100, 0),
                        out.at(75, 100, 0)};
    for (int i = 0; i < 4; ++i) QVERIFY2(ring[i] > 0 && ring[i] < 250, "ramp in the ring");
    for (int i = 1; i < 4; ++i) QVERIFY(ring[i] > ring[i - 1]);
    QCOMPARE(int(out.at(74, 100, 0)), 250);  // beyond the grow: source bytes
  }

  void feather_ramp_starts_near_zero() {
    // The outermost ring of the region is at 0.5 / f, not 1 / f.
    Image mask(300, 300, 1);
    fill_rect(mask, 100, 100, 100, 100);
    MaskSettings s;
    s.grow_px = 8;
    s.feather_px = 8;
    const Image alpha = composite_alpha(mask, s);
    QCOMPARE(int(alpha.at(100 - 8, 150)), int(std::lround(255 * 0.5 / 8)));  // 16, not 32
    QCOMPARE(int(alpha.at(100 - 9, 150)), 0);
    QCOMPARE(int(alpha.at(100, 150)), 255);
    // A hard edge: feather 0.
    s.feather_px = 0;
    const Image hard = composite_alpha(mask, s);
    QCOMPARE(int(hard.at(100 - 8, 150)), 255);
    QCOMPARE(int(hard.at(100 - 9, 150)), 0);
  }

  void grow_and_shrink_change_the_region() {
    Image mask(300, 300, 1);
    fill_rect(mask, 100, 100, 100, 100);
    auto area = [&](std::optional<int> grow) {
      MaskSettings s;
      s.grow_px = grow;
      return cv::countNonZero(cv::Mat(300, 300, CV_8U, composite_alpha(mask, s).pixels.data()));
    };
    QVERIFY(area(10) > area(2));
    QVERIFY(area(2) > area(0));
    QCOMPARE(area(0), 100 * 100);
    QVERIFY(area(-10) < area(0));
    QVERIFY(area(-10) > 0);
    // Shrunk to nothing: no window is left.
    MaskSettings gone;
    gone.grow_px = -60;
    QVERIFY(plan_composite(mask, gone).windows.empty());
    // The resolved geometry: the feather never exceeds the grow.
    MaskSettings wide;
    wide.grow_px = 3;
    wide.feather_px = 20;
    QCOMPARE(plan_composite(mask, wide).windows.at(0).feather_px, 3);
    QCOMPARE(plan_composite(mask, {}).windows.at(0).grow_px,
             default_grow_px(plan_composite(mask, {}).windows.at(0).window));
  }

  void every_window_pastes_its_own_region() {
    // Two far-apart strokes: two windows; each paste touches only its own region.
    const Image src = noise_image(2000, 1500, 3);
    Image mask(2000, 1500, 1);
    fill_rect(mask, 50, 60, 30, 30);
    fill_rect(mask, 1900, 1400, 40, 40);
    const CompositePlan plan = plan_composite(mask, {});
    QCOMPARE(plan.windows.size(), size_t(2));
    const Image one = paste_window(plan.windows[0], src, src, Image(64, 64, 3, 1), false);
    const Image both = paste_window(plan.windows[1], src, one, Image(64, 64, 3, 2), false);
    QCOMPARE(int(both.at(60, 70, 0)), 1);
    QCOMPARE(int(both.at(1910, 1410, 0)), 2);
    QCOMPARE(int(one.at(1910, 1410, 0)), int(src.at(1910, 1410, 0)));
    // The generate mask of each window covers its region and nothing of the other stroke.
    const Image g = window_generate_mask(plan.windows[0]);
    QCOMPARE(g.width, plan.windows[0].window.width);
    QCOMPARE(int(g.at(60 - plan.windows[0].window.x, 70 - plan.windows[0].window.y)), 255);
    QCOMPARE(int(g.at(0, 0)), 0);
  }

  void colour_match_removes_a_step() {
    // Surroundings at 100; a result with a +20 cast. Matched, the result just inside the
    // seam meets the source just outside it; unmatched, the step stays.
    const Image src(300, 300, 3, 100);
    Image mask(300, 300, 1);
    fill_rect(mask, 100, 100, 100, 100);
    CompositePlan plan = plan_composite(mask, {});
    const CompositeWindow& w = plan.windows.at(0);
    const Image cast(256, 256, 3, 120);
    const Image plain = paste_window(w, src, src, cast, false);
    const Image matched = paste_window(w, src, src, cast, true);
    QCOMPARE(int(plain.at(150, 150, 0)), 120);
    QCOMPARE(int(matched.at(150, 150, 0)), 100);
    // At most 32 levels: a result that differs on purpose is not forced to the surroundings.
    const Image red(256, 256, 3, 200);
    QCOMPARE(int(paste_window(w, src, src, red, true).at(150, 150, 0)), 200 - 32);
  }

  void bad_masks_are_rejected() {
    try {
      plan_composite(Image(10, 10, 3), {});
      QFAIL("a 3-channel mask was accepted");
    } catch (const pb::Error& e) {
      QCOMPARE(int(e.code()), int(ErrorCode::invalid_argument));
    }
    QVERIFY(plan_composite(Image(10, 10, 1), {}).windows.empty());
  }
};

QTEST_GUILESS_MAIN(PipelinesCompositor)
#include "tst_pipelines_compositor.moc"
