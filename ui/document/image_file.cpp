#include "ui/document/image_file.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QFile>
#include <QImageReader>

#include "ui/document/png_metadata.h"

namespace {

// Decoded bytes Qt may allocate for one image: 64 megapixels at 8 bytes (16-bit RGBA).
constexpr int kAllocationLimitMb = 512;

}  // namespace

QImage readImageFile(const QString& path, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error)
      *error = QCoreApplication::translate("ImageFile", "Cannot open %1: %2")
                   .arg(path, file.errorString());
    return {};
  }
  QBuffer stripped;
  QImageReader reader;
  if (file.peek(8) == QByteArray("\x89PNG\r\n\x1a\n", 8)) {
    bool damaged = false;
    stripped.setData(pngWithoutTextChunks(file.readAll(), &damaged));
    if (damaged) {
      // libpng would allocate what the chunk claims (gigabytes) before finding it short.
      if (error)
        *error = QCoreApplication::translate(
                     "ImageFile",
                     "Cannot open %1: the PNG file is truncated or damaged (a chunk claims more "
                     "bytes than the file holds).")
                     .arg(path);
      return {};
    }
    stripped.open(QIODevice::ReadOnly);
    reader.setDevice(&stripped);
    reader.setFormat("png");
  } else {
    reader.setDevice(&file);
  }
  QImageReader::setAllocationLimit(kAllocationLimitMb);
  reader.setAutoTransform(true);
  const QSize size = reader.size();  // from the header: nothing decoded yet
  if (size.isValid() && (size.width() > kMaxImageSide || size.height() > kMaxImageSide ||
                         qint64(size.width()) * size.height() > kMaxImagePixels)) {
    if (error)
      *error = QCoreApplication::translate(
                   "ImageFile",
                   "%1 is %2x%3 pixels; Promptbrush opens images of up to %4 megapixels and "
                   "%5 pixels a side.")
                   .arg(path)
                   .arg(size.width())
                   .arg(size.height())
                   .arg(kMaxImagePixels >> 20)
                   .arg(kMaxImageSide);
    return {};
  }
  const QImage image = reader.read();
  if (image.isNull() && error)
    *error = QCoreApplication::translate("ImageFile", "Cannot open %1: %2")
                 .arg(path, reader.errorString());
  return image;
}
