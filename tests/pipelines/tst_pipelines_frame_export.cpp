// Interpolation strip export: animated WebP read back with libwebp's WebPAnimDecoder (frame
// count, canvas, loop count, timestamps, pixels), ping-pong order, refused input and failed
// writes, contact sheet geometry, numbered PNG frames with their text chunks.
// LibTorch headers (through image_convert.h) before Qt's: Qt's "slots" macro breaks ATen.
#include "engine/core/error.h"
#include "engine/pipelines/frame_export.h"
#include "engine/pipelines/image_convert.h"
#include "engine/pipelines/png_io.h"

#include <webp/decode.h>
#include <webp/demux.h>

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace pb;
using namespace pb::pipelines;

namespace {

// Frame k (k < 5): a horizontal red ramp, a vertical green ramp and a blue level of its own,
// so that frames differ everywhere and a swapped or shifted frame shows.
Image gradient_frame(int k, int w, int h) {
  Image im(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      im.at(x, y, 0) = std::uint8_t(x * 255 / (w - 1));
      im.at(x, y, 1) = std::uint8_t(20 * k + y * 175 / (h - 1));  // smooth: no wrap-around edge
      im.at(x, y, 2) = std::uint8_t(30 + 50 * k);
    }
  return im;
}

std::vector<Image> gradient_frames(int n, int w = 24, int h = 16) {
  std::vector<Image> frames;
  for (int k = 0; k < n; ++k) frames.push_back(gradient_frame(k, w, h));
  return frames;
}

struct Decoded {
  int width = 0, height = 0, loop_count = -1, frame_count = 0;
  std::vector<Image> frames;  // RGB
  std::vector<int> timestamps;
  bool opaque = true;
};

Decoded decode_webp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  WebPData data{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) return {};
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;
  WebPAnimDecoder* dec = WebPAnimDecoderNew(&data, &options);
  if (!dec) return {};
  WebPAnimInfo info;
  Decoded out;
  if (WebPAnimDecoderGetInfo(dec, &info)) {
    out.width = int(info.canvas_width);
    out.height = int(info.canvas_height);
    out.loop_count = int(info.loop_count);
    out.frame_count = int(info.frame_count);
    while (WebPAnimDecoderHasMoreFrames(dec)) {
      std::uint8_t* rgba = nullptr;
      int timestamp = 0;
      if (!WebPAnimDecoderGetNext(dec, &rgba, &timestamp)) break;
      Image rgb(out.width, out.height, 3);
      for (size_t i = 0; i < size_t(out.width) * out.height; ++i) {
        for (int c = 0; c < 3; ++c) rgb.pixels[i * 3 + c] = rgba[i * 4 + c];
        out.opaque = out.opaque && rgba[i * 4 + 3] == 255;
      }
      out.frames.push_back(std::move(rgb));
      out.timestamps.push_back(timestamp);
    }
  }
  WebPAnimDecoderDelete(dec);
  return out;
}

// The bitstream format of each stored frame: 1 = lossy (VP8), 2 = lossless (VP8L).
std::vector<int> frame_formats(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  WebPData data{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
  std::vector<int> formats;
  WebPDemuxer* demux = WebPDemux(&data);
  if (!demux) return formats;
  WebPIterator it;
  if (WebPDemuxGetFrame(demux, 1, &it)) {
    do {
      WebPBitstreamFeatures features;
      if (WebPGetFeatures(it.fragment.bytes, it.fragment.size, &features) == VP8_STATUS_OK)
        formats.push_back(features.format);
    } while (WebPDemuxNextFrame(&it));
    WebPDemuxReleaseIterator(&it);
  }
  WebPDemuxDelete(demux);
  return formats;
}

double mean_abs_diff(const Image& a, const Image& b) {
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
  return sum / double(a.pixels.size());
}

int max_abs_diff(const Image& a, const Image& b) {
  int m = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i)
    m = std::max(m, std::abs(int(a.pixels[i]) - int(b.pixels[i])));
  return m;
}

QStringList entries(const QTemporaryDir& dir) {
  return QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
}

// Runs fn, expecting a pb::Error with this code whose message names `needle`.
template <class Fn>
bool throws_naming(Fn&& fn, ErrorCode code, const std::string& needle) {
  try {
    fn();
  } catch (const Error& e) {
    if (e.code() != code || std::string(e.what()).find(needle) == std::string::npos) {
      qWarning("unexpected error (%s): %s", to_string(e.code()), e.what());
      return false;
    }
    return true;
  }
  qWarning("no error thrown");
  return false;
}

}  // namespace

class PipelinesFrameExport : public QObject {
  Q_OBJECT
 private slots:
  void lossless_round_trip() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("strip.webp").toStdString();
    const auto frames = gradient_frames(4);
    AnimationOptions o;
    o.frame_ms = 100;
    o.lossless = true;
    write_animated_webp(path, frames, o);
    const Decoded d = decode_webp(path);
    QCOMPARE(d.width, 24);
    QCOMPARE(d.height, 16);
    QCOMPARE(d.loop_count, 0);  // forever
    QCOMPARE(d.frame_count, 4);
    QCOMPARE(d.frames.size(), size_t(4));
    QCOMPARE(d.timestamps, (std::vector<int>{100, 200, 300, 400}));  // end time of each frame
    QVERIFY(d.opaque);
    for (int k = 0; k < 4; ++k) QCOMPARE(max_abs_diff(d.frames[k], frames[k]), 0);
    QCOMPARE(entries(dir), QStringList{"strip.webp"});  // the temporary file is gone
  }

  void lossy_within_tolerance() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("lossy.webp").toStdString();
    const auto frames = gradient_frames(3, 32, 32);
    AnimationOptions o;
    o.loop = false;
    o.frame_ms = 40;
    write_animated_webp(path, frames, o);  // quality 90
    const Decoded d = decode_webp(path);
    QCOMPARE(d.loop_count, 1);  // played once
    QCOMPARE(d.frame_count, 3);
    QCOMPARE(d.timestamps, (std::vector<int>{40, 80, 120}));
    for (int k = 0; k < 3; ++k) {
      const double mean = mean_abs_diff(d.frames[k], frames[k]);
      const int worst = max_abs_diff(d.frames[k], frames[k]);
      qInfo("lossy frame %d: mean |diff| %.3f, max %d", k, mean, worst);
      QVERIFY2(mean < 3.0, qPrintable(QString("frame %1 mean %2").arg(k).arg(mean)));
      QVERIFY2(worst < 40, qPrintable(QString("frame %1 max %2").arg(k).arg(worst)));
      // Each decoded frame is much nearer its own source than the neighbouring one.
      const Image& other = frames[(k + 1) % 3];
      QVERIFY(mean_abs_diff(d.frames[k], other) > 5 * mean + 5);
    }
    // The option picks the bitstream of every frame: VP8 (lossy) or VP8L (lossless).
    QCOMPARE(frame_formats(path), (std::vector<int>{1, 1, 1}));
    const std::string lossless = dir.filePath("lossless.webp").toStdString();
    o.lossless = true;
    write_animated_webp(lossless, frames, o);
    QCOMPARE(frame_formats(lossless), (std::vector<int>{2, 2, 2}));
  }

  void ping_pong_order() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("pp.webp").toStdString();
    const auto frames = gradient_frames(4);
    AnimationOptions o;
    o.ping_pong = true;
    o.lossless = true;
    o.frame_ms = 50;
    write_animated_webp(path, frames, o);
    const Decoded d = decode_webp(path);
    QCOMPARE(d.frame_count, 6);  // 2N - 2
    QCOMPARE(d.timestamps, (std::vector<int>{50, 100, 150, 200, 250, 300}));
    const int order[] = {0, 1, 2, 3, 2, 1};
    for (int i = 0; i < 6; ++i)
      QVERIFY2(max_abs_diff(d.frames[i], frames[order[i]]) == 0,
               qPrintable(QString("shown frame %1 is not source frame %2").arg(i).arg(order[i])));

    QCOMPARE(animation_sequence(gradient_frames(1), true).size(), size_t(1));
    const auto two = gradient_frames(2);
    const auto seq2 = animation_sequence(two, true);
    QCOMPARE(seq2.size(), size_t(2));
    QVERIFY(seq2[0] == &two[0] && seq2[1] == &two[1]);
    QCOMPARE(animation_sequence(two, false).size(), size_t(2));
  }

  void bad_input_refused() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.webp").toStdString();
    const auto inv = ErrorCode::invalid_argument;
    QVERIFY(throws_naming([&] { write_animated_webp(path, {}); }, inv, "no frames"));
    auto mixed = gradient_frames(2);
    mixed.push_back(gradient_frame(2, 25, 16));
    QVERIFY(throws_naming([&] { write_animated_webp(path, mixed); }, inv, "frame 2 is 25x16x3"));
    std::vector<Image> grey{Image(8, 8, 1, 100)};
    QVERIFY(throws_naming([&] { write_animated_webp(path, grey); }, inv, "RGB"));
    AnimationOptions zero;
    zero.frame_ms = 0;
    QVERIFY(throws_naming([&] { write_animated_webp(path, gradient_frames(2), zero); }, inv,
                          "frame_ms"));
    QVERIFY(entries(dir).isEmpty());

    // A folder that does not exist: nothing is written anywhere.
    const std::string missing = dir.filePath("no/such/dir/a.webp").toStdString();
    QVERIFY(throws_naming([&] { write_animated_webp(missing, gradient_frames(2)); },
                          ErrorCode::io_error, missing));
    // The target is a folder: the temporary file is written, the rename fails, and the
    // temporary file is removed again.
    const std::string folder = dir.filePath("taken.webp").toStdString();
    QVERIFY(QDir().mkpath(QString::fromStdString(folder)));
    QVERIFY(throws_naming([&] { write_animated_webp(folder, gradient_frames(2)); },
                          ErrorCode::io_error, folder));
    QCOMPARE(entries(dir), QStringList{"taken.webp"});
    QVERIFY(QDir(QString::fromStdString(folder)).isEmpty());

    // An existing file is replaced whole.
    const std::string again = dir.filePath("again.webp").toStdString();
    AnimationOptions o;
    o.lossless = true;
    write_animated_webp(again, gradient_frames(4), o);
    write_animated_webp(again, gradient_frames(2), o);
    QCOMPARE(decode_webp(again).frame_count, 2);

    QVERIFY(throws_naming([&] { contact_sheet({}); }, inv, "no frames"));
    QVERIFY(throws_naming([&] { contact_sheet(mixed); }, inv, "one size"));
    QVERIFY(throws_naming([&] { write_frame_pngs(dir.path().toStdString(), "f", {}); }, inv,
                          "no frames"));
    QVERIFY(throws_naming(
        [&] { write_frame_pngs(dir.path().toStdString(), "f", gradient_frames(2), {0.5f}); }, inv,
        "1 positions for 2 frames"));
  }

  void contact_sheet_geometry() {
    const int w = 6, h = 4, gap = 3;
    const std::uint8_t bg = 7;
    const auto frames = gradient_frames(5, w, h);
    const Image sheet = contact_sheet(frames, 0, gap, bg);  // ceil(sqrt(5)) = 3 columns, 2 rows
    QCOMPARE(sheet.channels, 3);
    QCOMPARE(sheet.width, 3 * w + 2 * gap);
    QCOMPARE(sheet.height, 2 * h + 1 * gap);
    // Every pixel is either in a cell, holding that frame's pixel, or background.
    for (int y = 0; y < sheet.height; ++y)
      for (int x = 0; x < sheet.width; ++x) {
        const int cx = x / (w + gap), cy = y / (h + gap);
        const int fx = x % (w + gap), fy = y % (h + gap);
        const int index = cy * 3 + cx;
        const bool in_cell = fx < w && fy < h && index < 5;
        for (int c = 0; c < 3; ++c) {
          const int expected = in_cell ? frames[index].at(fx, fy, c) : bg;
          if (sheet.at(x, y, c) != expected)
            QFAIL(qPrintable(QString("pixel (%1, %2, %3): %4, expected %5")
                                 .arg(x)
                                 .arg(y)
                                 .arg(c)
                                 .arg(sheet.at(x, y, c))
                                 .arg(expected)));
        }
      }
    const Image two_cols = contact_sheet(frames, 2, 0);
    QCOMPARE(two_cols.width, 2 * w);
    QCOMPARE(two_cols.height, 3 * h);
    QCOMPARE(int(two_cols.at(0, 2 * h, 2)), int(frames[4].at(0, 0, 2)));  // frame 4: row 2
    QCOMPARE(int(two_cols.at(w, 2 * h, 0)), 32);         // the default background in the empty cell
    const Image one_row = contact_sheet(frames, 50, 1);  // clamped to 5 columns
    QCOMPARE(one_row.width, 5 * w + 4);
    QCOMPARE(one_row.height, h);
  }

  void png_frames_with_text() {
    QTemporaryDir dir;
    const std::string out = dir.filePath("sub/strip").toStdString();  // created
    const auto frames = gradient_frames(3, 10, 8);
    const std::map<std::string, std::string> params{
        {"parameters", "a corgi\nSteps: 20"}, {"prompt", "a corgi"}, {"frame", "overridden"}};
    const auto paths = write_frame_pngs(out, "frame", frames, {0.0f, 0.25f, 1.0f}, params);
    QCOMPARE(paths.size(), size_t(3));
    for (size_t i = 0; i < 3; ++i) {
      const QString name = QString("frame_%1.png").arg(i + 1, 4, 10, QChar('0'));
      QCOMPARE(QString::fromStdString(paths[i]), QDir(QString::fromStdString(out)).filePath(name));
      const Image back = read_image_rgb(paths[i]);
      QVERIFY(back.pixels == frames[i].pixels);
      std::map<std::string, std::string> texts;
      for (const auto& t : read_png_text(paths[i])) {
        QVERIFY2(!texts.count(t.key), t.key.c_str());  // no duplicate keys
        texts[t.key] = t.value;
      }
      QCOMPARE(texts.size(), size_t(4));
      QCOMPARE(QString::fromStdString(texts["parameters"]), QString("a corgi\nSteps: 20"));
      QCOMPARE(QString::fromStdString(texts["prompt"]), QString("a corgi"));
      QCOMPARE(QString::fromStdString(texts["frame"]), QString::number(i + 1));
      QCOMPARE(QString::fromStdString(texts["position"]),
               QString(std::vector<const char*>{"0", "0.25", "1"}[i]));
    }
    // Default positions are evenly spaced; the default prefix is "frame".
    const auto defaults = write_frame_pngs(out + "2", "", frames);
    QVERIFY(QString::fromStdString(defaults[2]).endsWith("frame_0003.png"));
    for (size_t i = 0; i < 3; ++i) {
      const auto texts = read_png_text(defaults[i]);
      QCOMPARE(texts.size(), size_t(2));
      QCOMPARE(QString::fromStdString(texts[1].key), QString("position"));
      QCOMPARE(QString::fromStdString(texts[1].value),
               QString(std::vector<const char*>{"0", "0.5", "1"}[i]));
    }
    // A file where the folder should be: refused, naming it.
    const std::string file = dir.filePath("plain").toStdString();
    std::ofstream(file) << "x";
    QVERIFY(throws_naming([&] { write_frame_pngs(file, "f", frames); }, ErrorCode::io_error, file));
  }
};

QTEST_GUILESS_MAIN(PipelinesFrameExport)
#include "tst_pipelines_frame_export.moc"
