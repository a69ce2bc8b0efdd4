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

}  // namespace pbapp
