// Document::saveRecovery / loadRecovery: a raw, uncompressed snapshot, because the autosave
// timer runs on the GUI thread and PNG-encoding a 4K image would stall it for a second.
//
// Layout (QDataStream, big-endian): magic, version, file path, JSON (applied parameters,
// loaded parameters, extra), image format, width, height, then the image rows and the mask
// rows as raw bytes, then an end marker.
#include <QDataStream>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>
#include <QUndoStack>

#include "ui/document/document.h"

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <unistd.h>
#endif

namespace {

constexpr quint32 kMagic = 0x50425256;  // "PBRV"
constexpr quint32 kVersion = 1;
constexpr quint32 kEndMarker = 0x454E4421;  // "END!"
constexpr qint32 kMaxSide = 1 << 16;

// QSaveFile::commit() flushes the data (fsync) before it renames the temporary file over the
// old one, so the file is never half-written; flushing the folder too makes the rename itself
// survive a power cut, not only a crash of the app.
void syncFolderOf(const QString& path) {
#ifdef Q_OS_UNIX
  const int fd = ::open(QFile::encodeName(QFileInfo(path).absolutePath()).constData(),
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
#else
  Q_UNUSED(path);
#endif
}

}  // namespace

Document::RecoverySnapshot Document::recoverySnapshot() const {
  return {image_, mask_, filePath_, applied_, loadedParameters_, recoveryExtra_};
}

bool Document::saveRecovery(const QString& path, QString* error) const {
  return writeRecovery(recoverySnapshot(), path, error);
}

bool Document::writeRecovery(const RecoverySnapshot& s, const QString& path, QString* error) {
  if (s.image.isNull() || s.mask.size() != s.image.size()) {
    if (error) *error = tr("There is no image to save for recovery.");
    return false;
  }
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  QJsonObject meta;
  meta.insert(QStringLiteral("applied"), s.applied);
  meta.insert(QStringLiteral("loaded"), s.loaded);
  meta.insert(QStringLiteral("extra"), s.extra);
  QDataStream out(&file);
  out.setVersion(QDataStream::Qt_6_4);
  out << kMagic << kVersion << s.filePath << QJsonDocument(meta).toJson(QJsonDocument::Compact)
      << static_cast<quint32>(s.image.format()) << static_cast<qint32>(s.image.width())
      << static_cast<qint32>(s.image.height());
  const int imageRow = s.image.width() * 4;
  for (int y = 0; y < s.image.height(); ++y)
    out.writeRawData(reinterpret_cast<const char*>(s.image.constScanLine(y)), imageRow);
  for (int y = 0; y < s.mask.height(); ++y)
    out.writeRawData(reinterpret_cast<const char*>(s.mask.constScanLine(y)), s.mask.width());
  out << kEndMarker;
  if (out.status() != QDataStream::Ok || !file.commit()) {
    // QSaveFile removes its temporary file: the previous recovery file stays as it was.
    if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  syncFolderOf(path);
  return true;
}

bool Document::loadRecovery(const QString& path, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = tr("Cannot open %1: %2").arg(path, file.errorString());
    return false;
  }
  auto fail = [&](const QString& why) {
    if (error) *error = tr("%1 is not a usable recovery file: %2").arg(path, why);
    return false;
  };
  QDataStream in(&file);
  in.setVersion(QDataStream::Qt_6_4);
  quint32 magic = 0, version = 0, format = 0;
  in >> magic >> version;
  if (in.status() != QDataStream::Ok || magic != kMagic) return fail(tr("wrong file type"));
  if (version != kVersion) return fail(tr("version %1, expected %2").arg(version).arg(kVersion));
  QString filePath;
  QByteArray json;
  qint32 width = 0, height = 0;
  in >> filePath >> json >> format >> width >> height;
  if (in.status() != QDataStream::Ok) return fail(tr("truncated header"));
  if (format != QImage::Format_ARGB32 && format != QImage::Format_RGB32)
    return fail(tr("unexpected pixel format %1").arg(format));
  if (width <= 0 || height <= 0 || width > kMaxSide || height > kMaxSide)
    return fail(tr("implausible size %1x%2").arg(width).arg(height));
  const qint64 expectedBytes = qint64(width) * height * 5;
  if (file.size() - file.pos() < expectedBytes)
    return fail(tr("truncated pixel data (%1 bytes, expected %2)")
                    .arg(file.size() - file.pos())
                    .arg(expectedBytes));
  const QJsonDocument meta = QJsonDocument::fromJson(json);
  if (!meta.isObject()) return fail(tr("corrupt metadata"));

  QImage image(width, height, static_cast<QImage::Format>(format));
  QImage mask(width, height, QImage::Format_Grayscale8);
  if (image.isNull() || mask.isNull())
    return fail(tr("not enough memory for %1x%2").arg(width).arg(height));
  for (int y = 0; y < height; ++y)
    in.readRawData(reinterpret_cast<char*>(image.scanLine(y)), width * 4);
  for (int y = 0; y < height; ++y) in.readRawData(reinterpret_cast<char*>(mask.scanLine(y)), width);
  quint32 end = 0;
  in >> end;
  if (in.status() != QDataStream::Ok || end != kEndMarker) return fail(tr("truncated pixel data"));

  replaceAll(image, filePath, true);
  mask_ = mask;
  applied_ = meta.object().value(QStringLiteral("applied")).toArray();
  loadedParameters_ = meta.object().value(QStringLiteral("loaded")).toObject();
  recoveryExtra_ = meta.object().value(QStringLiteral("extra")).toObject();
  emit imageReplaced();
  emit previewChanged();
  emit maskChanged(mask_.rect());
  return true;
}
