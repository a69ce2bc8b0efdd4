#include "app/gui/image_convert.h"

#include <cstring>

namespace pbapp {

namespace {
pb::Image copyRows(const QImage& image, int channels) {
  pb::Image out(image.width(), image.height(), channels);
  const std::size_t rowBytes = std::size_t(image.width()) * channels;
  for (int y = 0; y < image.height(); ++y)
    std::memcpy(out.row(y), image.constScanLine(y), rowBytes);
  return out;
}
}  // namespace

pb::Image toRgb(const QImage& image) {
  if (image.isNull()) return {};
  return copyRows(image.convertToFormat(QImage::Format_RGB888), 3);
}

pb::Image toMask(const QImage& mask) {
  if (mask.isNull()) return {};
  return copyRows(mask.convertToFormat(QImage::Format_Grayscale8), 1);
}

QImage toQImage(const pb::Image& image) {
  if (image.empty()) return {};
  const QImage::Format format = image.channels == 1   ? QImage::Format_Grayscale8
                                : image.channels == 4 ? QImage::Format_RGBA8888
                                                      : QImage::Format_RGB888;
  if (image.channels != 1 && image.channels != 3 && image.channels != 4) return {};
  QImage out(image.width, image.height, format);
  const std::size_t rowBytes = std::size_t(image.width) * image.channels;
  for (int y = 0; y < image.height; ++y) std::memcpy(out.scanLine(y), image.row(y), rowBytes);
  return out;
}

QImage compositeInMask(const QImage& source, const QImage& result, const QImage& mask) {
  if (source.isNull()) return result;
  QImage res = result.size() == source.size()
                   ? result
                   : result.scaled(source.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  const QImage::Format format = source.format();
  if (mask.isNull() || mask.size() != source.size()) return res.convertToFormat(format);
  QImage out = source.convertToFormat(QImage::Format_ARGB32);
  res = res.convertToFormat(QImage::Format_ARGB32);
  const QImage m = mask.convertToFormat(QImage::Format_Grayscale8);
  for (int y = 0; y < out.height(); ++y) {
    auto* o = reinterpret_cast<QRgb*>(out.scanLine(y));
    const auto* r = reinterpret_cast<const QRgb*>(res.constScanLine(y));
    const uchar* a = m.constScanLine(y);
    for (int x = 0; x < out.width(); ++x) {
      const int w = a[x];
      if (w == 0) continue;
      if (w == 255) {
        o[x] = (o[x] & 0xff000000u) | (r[x] & 0x00ffffffu);  // keep the source's alpha
        continue;
      }
      auto mix = [w](int s, int d) { return (s * (255 - w) + d * w + 127) / 255; };
      o[x] = qRgba(mix(qRed(o[x]), qRed(r[x])), mix(qGreen(o[x]), qGreen(r[x])),
                   mix(qBlue(o[x]), qBlue(r[x])), qAlpha(o[x]));
    }
  }
  return out.convertToFormat(format);
}

}  // namespace pbapp
