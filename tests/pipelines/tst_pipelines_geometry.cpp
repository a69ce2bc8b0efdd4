// Window choice (one per group of regions), padding, model masks and classic fill: the image
// geometry of inpainting at any size, without models.
#include <QtTest>

#include <random>

#include "engine/core/error.h"
#include "engine/pipelines/classic_fill.h"
#include "engine/pipelines/window.h"

using namespace pb;
using namespace pb::pipelines;

namespace {

Image noise_image(int w, int h, unsigned seed) {
  Image img(w, h, 3);
  std::mt19937 rng(seed);
  for (auto& v : img.pixels) v = std::uint8_t(rng() & 0xff);
  return img;
}

Image rect_mask(int w, int h, int x0, int y0, int rw, int rh) {
  Image m(w, h, 1);
  for (int y = y0; y < y0 + rh; ++y)
    for (int x = x0; x < x0 + rw; ++x) m.at(x, y) = 255;
  return m;
}

bool contains(const Rect& outer, const Rect& inner) {
  return inner.x >= outer.x && inner.y >= outer.y &&
         inner.x + inner.width <= outer.x + outer.width &&
         inner.y + inner.height <= outer.y + outer.height;
}

}  // namespace

class PipelinesGeometry : public QObject {
  Q_OBJECT
 private slots:
  void window_data() {
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("mx");
    QTest::addColumn<int>("my");
    QTest::addColumn<int>("mw");
    QTest::addColumn<int>("mh");
    QTest::newRow("centre of a large image") << 1000 << 800 << 480 << 380 << 40 << 40;
    QTest::newRow("top-left corner") << 1000 << 800 << 0 << 0 << 30 << 50;
    QTest::newRow("bottom-right corner") << 1000 << 800 << 950 << 760 << 50 << 40;
    QTest::newRow("wide strip mask") << 1200 << 300 << 100 << 100 << 900 << 50;
    QTest::newRow("tall image, mask at the bottom edge") << 200 << 1500 << 50 << 1400 << 100 << 100;
    QTest::newRow("tiny image") << 20 << 12 << 5 << 5 << 3 << 3;
    QTest::newRow("whole image masked") << 300 << 200 << 0 << 0 << 300 << 200;
    QTest::newRow("1-pixel-high image") << 50 << 1 << 10 << 0 << 5 << 1;
  }
  void window() {
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(int, mx);
    QFETCH(int, my);
    QFETCH(int, mw);
    QFETCH(int, mh);
    const Image mask = rect_mask(w, h, mx, my, mw, mh);
    const Rect box = mask_bbox(mask);
    QCOMPARE(box.x, mx);
    QCOMPARE(box.width, mw);
    const Rect win = choose_window(w, h, mask);
    QCOMPARE(win.width, win.height);  // square
    QVERIFY(win.width >= std::max(mw, mh));
    QVERIFY(win.width <= std::max(w, h));
    QVERIFY(contains(win, box));  // the whole mask is seen by the model
    // Inside the image along every axis the image is large enough for.
    if (win.width <= w) QVERIFY(win.x >= 0 && win.x + win.width <= w);
    if (win.height <= h) QVERIFY(win.y >= 0 && win.y + win.height <= h);
    // Context: at least min_side (capped by the image) or 1.4x the mask.
    QVERIFY(win.width >= std::min(std::max(128, int(std::max(mw, mh) * 1.4)), std::max(w, h)));

    const Image img = noise_image(w, h, 7);
    const Image crop = crop_window(img, win);
    QCOMPARE(crop.width, win.width);
    QCOMPARE(crop.height, win.height);
    // Pixels of the crop inside the image are the image's.
    for (int y = std::max(0, win.y); y < std::min(h, win.y + win.height); y += 3)
      for (int x = std::max(0, win.x); x < std::min(w, win.x + win.width); x += 3)
        for (int c = 0; c < 3; ++c) QCOMPARE(crop.at(x - win.x, y - win.y, c), img.at(x, y, c));
  }

  void empty_mask_window() {
    const Image mask(300, 100, 1);
    const Rect win = choose_window(300, 100, mask);
    QCOMPARE(win.width, 100);
    QCOMPARE(win.y, 0);
    QCOMPARE(win.x, 100);
  }

  void model_mask_is_conservative() {
    // One changed pixel in a 640 window marks its 10x10 cell at 64 (plus dilation).
    Image m(640, 640, 1);
    m.at(333, 101) = 255;
    const Image g0 = model_generate_mask(m, 64, 0);
    QCOMPARE(g0.width, 64);
    int on = 0;
    for (auto v : g0.pixels) on += v ? 1 : 0;
    QCOMPARE(on, 1);
    QCOMPARE(int(g0.at(33, 10)), 255);
    const Image g1 = model_generate_mask(m, 64, 1);
    on = 0;
    for (auto v : g1.pixels) on += v ? 1 : 0;
    QCOMPARE(on, 9);
    // Enlarging (a window smaller than the model) stays conservative too.
    Image small(20, 20, 1);
    small.at(0, 19) = 255;
    const Image gs = model_generate_mask(small, 64, 0);
    QCOMPARE(int(gs.at(0, 63)), 255);
    QCOMPARE(int(gs.at(40, 10)), 0);
  }

  void far_apart_strokes_get_a_window_each() {
    // Two small strokes in opposite corners of a 4000 x 3000 photo: two small windows, each
    // at its own scale, instead of one window the size of the photo.
    Image mask = rect_mask(4000, 3000, 100, 120, 40, 30);
    const Image second = rect_mask(4000, 3000, 3850, 2900, 60, 50);
    for (size_t i = 0; i < mask.pixels.size(); ++i) mask.pixels[i] |= second.pixels[i];
    cv::Mat labels;
    const std::vector<Rect> wins = choose_windows(4000, 3000, mask, {}, &labels);
    QCOMPARE(wins.size(), size_t(2));
    QVERIFY(contains(wins[0], {100, 120, 40, 30}));
    QVERIFY(contains(wins[1], {3850, 2900, 60, 50}));
    // No enlargement beyond what each region needs: min_side, as for a single stroke.
    QCOMPARE(wins[0].width, 128);
    QCOMPARE(wins[1].width, 128);
    QCOMPARE(labels.at<int>(130, 110), 1);
    QCOMPARE(labels.at<int>(2920, 3900), 2);
    QCOMPARE(labels.at<int>(1500, 2000), 0);
  }

  void close_strokes_share_a_window() {
    Image mask = rect_mask(1000, 800, 400, 400, 30, 30);
    const Image second = rect_mask(1000, 800, 470, 420, 20, 20);  // 40 px away
    for (size_t i = 0; i < mask.pixels.size(); ++i) mask.pixels[i] |= second.pixels[i];
    const std::vector<Rect> wins = choose_windows(1000, 800, mask);
    QCOMPARE(wins.size(), size_t(1));
    QVERIFY(contains(wins[0], {400, 400, 90, 40}));
  }

  void many_regions_merge_down_to_max_windows() {
    // A 6 x 5 grid of specks, each far from the others: never more than max_windows runs,
    // and the windows never overlap.
    Image mask(3000, 2500, 1);
    for (int gy = 0; gy < 5; ++gy)
      for (int gx = 0; gx < 6; ++gx) mask.at(100 + gx * 500, 100 + gy * 500) = 255;
    WindowOptions o;
    o.max_windows = 3;
    cv::Mat labels;
    const std::vector<Rect> wins = choose_windows(3000, 2500, mask, o, &labels);
    QVERIFY(!wins.empty());
    QVERIFY(int(wins.size()) <= 3);
    for (size_t i = 0; i < wins.size(); ++i)
      for (size_t j = i + 1; j < wins.size(); ++j) {
        const Rect &a = wins[i], &b = wins[j];
        QVERIFY(a.x >= b.x + b.width || b.x >= a.x + a.width || a.y >= b.y + b.height ||
                b.y >= a.y + a.height);
      }
    // Every speck is inside the window its label names.
    for (int gy = 0; gy < 5; ++gy)
      for (int gx = 0; gx < 6; ++gx) {
        const int x = 100 + gx * 500, y = 100 + gy * 500;
        const int l = labels.at<int>(y, x);
        QVERIFY(l >= 1 && l <= int(wins.size()));
        QVERIFY(contains(wins[size_t(l - 1)], {x, y, 1, 1}));
      }
  }

  void hostile_speckle_mask_stays_bounded() {
    // Every other pixel painted: thousands of components, one window, quickly.
    Image mask(600, 400, 1);
    for (int y = 0; y < 400; y += 2)
      for (int x = 0; x < 600; x += 2) mask.at(x, y) = 255;
    const std::vector<Rect> wins = choose_windows(600, 400, mask);
    QCOMPARE(wins.size(), size_t(1));
    QVERIFY(contains(wins[0], mask_bbox(mask)));
  }

  void padding_is_marked_to_generate_never_mirrored() {
    // A window taller than the image: the padding is filled, not reflected.
    const Image img = noise_image(300, 100, 5);
    Image mask = rect_mask(300, 100, 100, 10, 120, 80);
    const Rect win = choose_window(300, 100, mask);
    QVERIFY(win.height > 100);
    const Image crop = crop_window(img, win);
    const Image mcrop = crop_window(mask, win, 255);
    for (int y = 0; y < win.height; ++y) {
      const bool outside = win.y + y < 0 || win.y + y >= 100;
      for (int x = 0; x < win.width; ++x) {
        if (!outside) continue;
        QCOMPARE(int(mcrop.at(x, y)), 255);
        for (int c = 0; c < 3; ++c) QCOMPARE(int(crop.at(x, y, c)), 0);
      }
    }
  }

  void classic_fill_changes_only_masked_pixels_data() {
    QTest::addColumn<int>("method");
    QTest::newRow("telea") << int(ClassicMethod::telea);
    QTest::newRow("navier-stokes") << int(ClassicMethod::navier_stokes);
  }
  void classic_fill_changes_only_masked_pixels() {
    QFETCH(int, method);
    ClassicFillRequest req;
    req.image = noise_image(120, 90, 3);
    req.mask = rect_mask(120, 90, 30, 20, 25, 30);
    req.mask.at(0, 0) = 255;
    req.method = ClassicMethod(method);
    const RunResult r = classic_fill(req);
    QCOMPARE(r.images.size(), size_t(1));
    const Image& out = r.images[0];
    long changed = 0;
    for (int y = 0; y < 90; ++y)
      for (int x = 0; x < 120; ++x)
        for (int c = 0; c < 3; ++c) {
          if (!req.mask.at(x, y))
            QCOMPARE(out.at(x, y, c), req.image.at(x, y, c));
          else
            changed += out.at(x, y, c) != req.image.at(x, y, c);
        }
    QVERIFY(changed > 0);
    QCOMPARE(QString::fromStdString(r.parameters.at("mode")), QString("classic-fill"));
  }

  void classic_fill_rejects_bad_mask() {
    ClassicFillRequest req;
    req.image = noise_image(10, 10, 1);
    req.mask = Image(9, 10, 1);
    try {
      classic_fill(req);
      QFAIL("a mask of the wrong size was accepted");
    } catch (const pb::Error& e) {
      QCOMPARE(int(e.code()), int(ErrorCode::invalid_argument));
    }
  }
};

QTEST_GUILESS_MAIN(PipelinesGeometry)
#include "tst_pipelines_geometry.moc"
