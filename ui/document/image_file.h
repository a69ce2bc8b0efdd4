#pragma once
// Reading an image file a person opens (document, mask, interpolation wells) within
// limits: the size the header declares is checked before any pixel is decoded, and a
// PNG's text chunks never reach Qt's decoder (which would inflate every zTXt/iTXt
// chunk whole); Promptbrush reads them itself, within a budget (png_metadata.h).
#include <QImage>
#include <QString>

// The engine's limits (engine/pipelines/image_header.h): 64 megapixels, 32768 a side.
inline constexpr qint64 kMaxImagePixels = qint64(1) << 26;
inline constexpr int kMaxImageSide = 32768;

// The decoded image (EXIF orientation applied), or a null image and *error saying why:
// unreadable, not an image, or larger than the limits (with the size and the limits).
QImage readImageFile(const QString& path, QString* error);
