#include "ui/document/document.h"

#include <QBuffer>
#include <QFileInfo>
#include <QImageWriter>
#include <QPainter>
#include <QSaveFile>
#include <QUndoStack>

#include <cstring>

#include "ui/document/document_commands.h"
#include "ui/document/image_file.h"
#include "ui/document/mask_brush.h"
#include "ui/document/png_metadata.h"

namespace {

// A QImage over the same pixels without text, DPI or colour-space metadata, so that what we
// write carries only the chunks we add.
QImage bareImage(const QImage& image) {
  return QImage(image.constBits(), image.width(), image.height(), image.bytesPerLine(),
                image.format());
}

QImage toDocumentFormat(const QImage& image) {
  const QImage::Format f = image.hasAlphaChannel() ? QImage::Format_ARGB32 : QImage::Format_RGB32;
  QImage converted = image.format() == f ? image : image.convertToFormat(f);
  // Text chunks of an opened file would otherwise ride along into anything that saves
  // image() directly.
  if (!converted.textKeys().isEmpty()) converted = bareImage(converted).copy();
  return converted;
}

bool rowIsZero(const uchar* row, int width) {
  int x = 0;
  for (; x + 8 <= width; x += 8) {
    quint64 v;
    std::memcpy(&v, row + x, 8);
    if (v) return false;
  }
  for (; x < width; ++x)
    if (row[x]) return false;
  return true;
}

// Bounding rectangle of the pixels in which two same-sized images differ.
QRect differingRect(const QImage& a, const QImage& b) {
  if (a.size() != b.size() || a.format() != b.format()) return b.rect();
  const int rowBytes = a.width() * a.depth() / 8;
  int top = -1, bottom = -1;
  for (int y = 0; y < a.height(); ++y) {
    if (std::memcmp(a.constScanLine(y), b.constScanLine(y), rowBytes) != 0) {
      if (top < 0) top = y;
      bottom = y;
    }
  }
  if (top < 0) return {};
  const int bpp = a.depth() / 8;
  int left = a.width(), right = -1;
  for (int y = top; y <= bottom; ++y) {
    const uchar* ra = a.constScanLine(y);
    const uchar* rb = b.constScanLine(y);
    for (int x = 0; x < left; ++x)
      if (std::memcmp(ra + x * bpp, rb + x * bpp, bpp) != 0) {
        left = x;
        break;
      }
    for (int x = a.width() - 1; x > right; --x)
      if (std::memcmp(ra + x * bpp, rb + x * bpp, bpp) != 0) {
        right = x;
        break;
      }
  }
  return QRect(QPoint(left, top), QPoint(right, bottom));
}

QImage emptyMask(const QSize& size) {
  QImage mask(size, QImage::Format_Grayscale8);
  mask.fill(0);
  return mask;
}

bool writeFileAtomically(const QString& path, const QByteArray& data, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
    if (error) *error = QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

}  // namespace

Document::Document(QObject* parent) : QObject(parent), undoStack_(new QUndoStack(this)) {
  connect(undoStack_, &QUndoStack::cleanChanged, this, [this] { emitModifiedIfChanged(); });
}

Document::~Document() = default;

bool Document::isModified() const { return unsavedContent_ || !undoStack_->isClean(); }

void Document::emitModifiedIfChanged() {
  const bool m = isModified();
  if (m == lastModified_) return;
  lastModified_ = m;
  emit modifiedChanged(m);
}

void Document::setFilePath(const QString& path) {
  if (path == filePath_) return;
  filePath_ = path;
  emit filePathChanged(path);
}

void Document::setUnsavedContent(bool on) {
  unsavedContent_ = on;
  emitModifiedIfChanged();
}

void Document::replaceAll(const QImage& image, const QString& filePath, bool unsavedContent) {
  strokeActive_ = false;
  strokeBefore_ = QImage();
  undoStack_->clear();
  image_ = toDocumentFormat(image);
  mask_ = emptyMask(image_.size());
  preview_ = QImage();
  applied_ = {};
  loadedParameters_ = {};
  setFilePath(filePath);
  setUnsavedContent(unsavedContent);
}

bool Document::load(const QString& path, QString* error) {
  const QImage image = readImageFile(path, error);
  if (image.isNull()) return false;
  const auto chunks = readPngTextChunks(path);
  const QString chunk = pngTextValue(chunks, QString::fromLatin1(kPngPromptbrushKey));
  const QString text = pngTextValue(chunks, QString::fromLatin1(kPngParametersKey));
  replaceAll(image, path, false);
  applied_ = parsePromptbrushChunk(chunk);
  if (!applied_.isEmpty()) {
    loadedParameters_ = applied_.last().toObject();
  } else if (!text.trimmed().isEmpty()) {
    loadedParameters_ = parseParametersText(text);
    applied_.append(loadedParameters_);
  }
  emit imageReplaced();
  emit previewChanged();
  return true;
}

void Document::newCanvas(const QSize& size, const QColor& fill) {
  QImage image(size.expandedTo(QSize(1, 1)),
               fill.alpha() < 255 ? QImage::Format_ARGB32 : QImage::Format_RGB32);
  image.fill(fill);
  replaceAll(image, QString(), false);
  emit imageReplaced();
  emit previewChanged();
}

void Document::setImage(const QImage& image, const QString& filePath) {
  if (image.isNull()) return;
  replaceAll(image, filePath, filePath.isEmpty());
  emit imageReplaced();
  emit previewChanged();
}

bool Document::save(const QString& path, QString* error) {
  if (!hasImage()) {
    if (error) *error = tr("There is no image to save.");
    return false;
  }
  endStroke();
  QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix.isEmpty()) suffix = QStringLiteral("png");
  if (suffix == QLatin1String("jpeg")) suffix = QStringLiteral("jpg");
  if (suffix == QLatin1String("tif")) suffix = QStringLiteral("tiff");
  if (!QImageWriter::supportedImageFormats().contains(suffix.toLatin1())) {
    if (error) *error = tr("Cannot save %1: the format \"%2\" is not supported.").arg(path, suffix);
    return false;
  }

  QImage out = bareImage(image_);
  if (suffix == QLatin1String("jpg") && out.hasAlphaChannel()) {
    // JPEG has no alpha: flatten onto white rather than exposing hidden colours.
    QImage flat(out.size(), QImage::Format_RGB32);
    flat.fill(Qt::white);
    QPainter(&flat).drawImage(0, 0, out);
    out = flat;
  }
  QByteArray data;
  QBuffer buffer(&data);
  buffer.open(QIODevice::WriteOnly);
  QImageWriter writer(&buffer, suffix.toLatin1());
  if (suffix == QLatin1String("jpg") || suffix == QLatin1String("webp")) writer.setQuality(95);
  if (!writer.write(out)) {
    if (error) *error = tr("Cannot encode %1: %2").arg(path, writer.errorString());
    return false;
  }
  if (suffix == QLatin1String("png") && !applied_.isEmpty()) {
    data = insertPngTextChunks(
        data,
        {{QString::fromLatin1(kPngParametersKey), formatParametersText(applied_.last().toObject())},
         {QString::fromLatin1(kPngPromptbrushKey), formatPromptbrushChunk(applied_)}});
  }
  if (!writeFileAtomically(path, data, error)) return false;
  undoStack_->setClean();
  setFilePath(path);
  setUnsavedContent(false);
  return true;
}

bool Document::maskIsEmpty() const {
  for (int y = 0; y < mask_.height(); ++y)
    if (!rowIsZero(mask_.constScanLine(y), mask_.width())) return false;
  return true;
}

QRect Document::maskBounds() const {
  int top = -1, bottom = -1;
  for (int y = 0; y < mask_.height(); ++y) {
    if (!rowIsZero(mask_.constScanLine(y), mask_.width())) {
      if (top < 0) top = y;
      bottom = y;
    }
  }
  if (top < 0) return {};
  int left = mask_.width(), right = -1;
  for (int y = top; y <= bottom; ++y) {
    const uchar* row = mask_.constScanLine(y);
    for (int x = 0; x < left; ++x)
      if (row[x]) {
        left = x;
        break;
      }
    for (int x = mask_.width() - 1; x > right; --x)
      if (row[x]) {
        right = x;
        break;
      }
  }
  return QRect(QPoint(left, top), QPoint(right, bottom));
}

void Document::beginStroke(bool erase, qreal diameter, qreal hardness) {
  if (strokeActive_) endStroke();
  if (!hasImage()) return;
  strokeActive_ = true;
  strokeErase_ = erase;
  strokeDiameter_ = diameter;
  strokeHardness_ = hardness;
  strokeHasPoint_ = false;
  strokeBefore_ = mask_;
  strokeDirty_ = QRect();
}

void Document::strokeTo(const QPointF& imagePos) {
  if (!strokeActive_) return;
  stampSegment(strokeHasPoint_ ? strokeLast_ : imagePos, imagePos);
  strokeLast_ = imagePos;
  strokeHasPoint_ = true;
}

void Document::stampSegment(const QPointF& a, const QPointF& b) {
  const QRect dirty =
      stampBrushSegment(&mask_, a, b, strokeDiameter_, strokeHardness_, strokeErase_);
  if (dirty.isEmpty()) return;
  strokeDirty_ |= dirty;
  emit maskChanged(dirty);
}

void Document::endStroke() {
  if (!strokeActive_) return;
  strokeActive_ = false;
  const QRect r = strokeDirty_;
  QImage before = strokeBefore_;
  strokeBefore_ = QImage();
  if (r.isEmpty()) return;
  const QImage beforePatch = before.copy(r);
  const QImage afterPatch = mask_.copy(r);
  if (beforePatch == afterPatch) return;  // e.g. erasing where there was no mask
  undoStack_->push(new MaskPatchCommand(this, r.topLeft(), beforePatch, afterPatch,
                                        strokeErase_ ? tr("Erase") : tr("Brush stroke"), true));
}

void Document::clearMask() {
  endStroke();
  const QRect r = maskBounds();
  if (r.isNull()) return;
  undoStack_->push(new MaskPatchCommand(this, r.topLeft(), mask_.copy(r), emptyMask(r.size()),
                                        tr("Clear mask"), false));
}

void Document::invertMask() {
  endStroke();
  if (!hasImage()) return;
  undoStack_->push(new InvertMaskCommand(this));
}

void Document::fillMask() {
  endStroke();
  if (!hasImage()) return;
  QImage full(mask_.size(), QImage::Format_Grayscale8);
  full.fill(255);
  undoStack_->push(new MaskPatchCommand(this, QPoint(0, 0), mask_, full, tr("Fill mask"), false));
}

bool Document::importMask(const QString& path, QString* error, QString* notice) {
  endStroke();
  if (!hasImage()) {
    if (error) *error = tr("Open an image before importing a mask.");
    return false;
  }
  const QImage source = readImageFile(path, error);
  if (source.isNull()) return false;
  QImage mask(source.size(), QImage::Format_Grayscale8);
  bool useAlpha = false;
  const QImage argb = source.convertToFormat(QImage::Format_ARGB32);
  if (source.hasAlphaChannel()) {
    for (int y = 0; y < argb.height() && !useAlpha; ++y) {
      const QRgb* row = reinterpret_cast<const QRgb*>(argb.constScanLine(y));
      for (int x = 0; x < argb.width(); ++x)
        if (qAlpha(row[x]) != 255) {
          useAlpha = true;
          break;
        }
    }
  }
  for (int y = 0; y < argb.height(); ++y) {
    const QRgb* in = reinterpret_cast<const QRgb*>(argb.constScanLine(y));
    uchar* out = mask.scanLine(y);
    for (int x = 0; x < argb.width(); ++x)
      out[x] = static_cast<uchar>(useAlpha ? 255 - qAlpha(in[x]) : qGray(in[x]));
  }
  if (mask.size() != mask_.size()) {
    if (notice)
      *notice = tr("The mask is %1x%2 and the image %3x%4: the mask was resized to fit.")
                    .arg(mask.width())
                    .arg(mask.height())
                    .arg(mask_.width())
                    .arg(mask_.height());
    mask = mask.scaled(mask_.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  }
  undoStack_->push(new MaskPatchCommand(this, QPoint(0, 0), mask_, mask, tr("Import mask"), false));
  return true;
}

bool Document::exportMask(const QString& path, QString* error) const {
  if (!hasImage()) {
    if (error) *error = tr("There is no mask to export.");
    return false;
  }
  QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix.isEmpty()) suffix = QStringLiteral("png");
  QByteArray data;
  QBuffer buffer(&data);
  buffer.open(QIODevice::WriteOnly);
  QImageWriter writer(&buffer, suffix.toLatin1());
  if (!writer.write(mask_)) {
    if (error) *error = tr("Cannot write mask %1: %2").arg(path, writer.errorString());
    return false;
  }
  return writeFileAtomically(path, data, error);
}

void Document::applyResult(const QImage& result, const QString& description,
                           const QJsonObject& parameters) {
  endStroke();
  if (!hasImage() || result.isNull()) return;
  QImage after =
      result.size() == image_.size()
          ? result
          : result.scaled(image_.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  if (after.format() != image_.format()) after = after.convertToFormat(image_.format());
  QJsonArray appliedAfter = applied_;
  appliedAfter.append(parameters);
  QRect dirty = differingRect(image_, after);
  if (dirty.isEmpty()) dirty = QRect(0, 0, 1, 1);  // still one undo step for the parameters
  clearPreview();
  undoStack_->push(new ApplyResultCommand(this, image_, after, applied_, appliedAfter, dirty,
                                          description, clearMaskOnApply_));
}

void Document::setPreview(const QImage& image) {
  if (image.isNull() || image.size() != image_.size()) {
    clearPreview();
    return;
  }
  preview_ = image.format() == image_.format() ? image : image.convertToFormat(image_.format());
  emit previewChanged();
}

void Document::clearPreview() {
  if (preview_.isNull()) return;
  preview_ = QImage();
  emit previewChanged();
}

void Document::writeMaskPatch(const QPoint& topLeft, const QImage& patch) {
  const QRect r(topLeft, patch.size());
  if (!mask_.rect().contains(r) || patch.format() != QImage::Format_Grayscale8) return;
  for (int y = 0; y < r.height(); ++y)
    std::memcpy(mask_.scanLine(r.top() + y) + r.left(), patch.constScanLine(y), r.width());
  emit maskChanged(r);
}

void Document::invertMaskInPlace() {
  const int w = mask_.width();
  for (int y = 0; y < mask_.height(); ++y) {
    uchar* row = mask_.scanLine(y);
    for (int x = 0; x < w; ++x) row[x] = 255 - row[x];
  }
  emit maskChanged(mask_.rect());
}

void Document::setImageContent(const QImage& image, const QJsonArray& applied, const QRect& dirty) {
  image_ = image;
  applied_ = applied;
  emit imageChanged(dirty);
}
