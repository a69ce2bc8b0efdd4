#pragma once
// The open picture: the image, the mask of what should change, the pending (previewed) result
// and the undo history of mask edits and applied results.
//
// Coordinates are image pixels. The mask is Format_Grayscale8, the image's size, 255 = change;
// values in between are a soft edge. Every mask edit and every applied result is one
// QUndoCommand on undoStack(); loading or replacing the image clears the history.
//
// isModified() is true when the undo stack is not at its clean index (mask edits count, as
// closing would lose them) or when the image came from somewhere without a file (paste).
#include <QImage>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointF>
#include <QRect>
#include <QString>

class QUndoStack;
class MaskPatchCommand;
class InvertMaskCommand;
class ApplyResultCommand;

class Document : public QObject {
  Q_OBJECT

 public:
  explicit Document(QObject* parent = nullptr);
  ~Document() override;

  // Any image Qt can read, of any size (EXIF orientation applied). Resets mask, history and
  // preview; sets filePath; reads the PNG text chunks into loadedParameters() and continues
  // the file's appliedParameters() list. On failure the document is unchanged.
  bool load(const QString& path, QString* error);
  // A blank canvas (for text-to-image); no file path, not modified.
  void newCanvas(const QSize& size, const QColor& fill = Qt::white);
  // Paste/drop. Resets mask, history and preview. Without a filePath the document counts as
  // modified until saved.
  void setImage(const QImage& image, const QString& filePath = {});
  // PNG (with the metadata of applied results) or, by suffix, JPEG/WebP/TIFF/BMP (no
  // metadata; JPEG drops alpha). Sets filePath and clears modified.
  bool save(const QString& path, QString* error);

  bool hasImage() const { return !image_.isNull(); }
  // Format_ARGB32 when the source had alpha, else Format_RGB32.
  const QImage& image() const { return image_; }
  const QImage& mask() const { return mask_; }
  QUndoStack* undoStack() { return undoStack_; }
  QString filePath() const { return filePath_; }
  bool isModified() const;

  bool maskIsEmpty() const;
  // Smallest rectangle holding every non-zero mask pixel (null if the mask is empty).
  QRect maskBounds() const;

  // One undo command per stroke. Between beginStroke and endStroke, strokeTo extends the
  // stroke with a segment from the previous point (the first call paints one dab): every pixel
  // within diameter/2 of the segment is covered, so fast drags leave no gaps. The brush takes
  // the max of mask and dab, the eraser the min of mask and (255 - dab), so a stroke never
  // goes beyond its own dab value however often it crosses itself. hardness 1 = hard edge
  // (antialiased), 0 = soft falloff from the centre.
  void beginStroke(bool erase, qreal diameter, qreal hardness);
  void strokeTo(const QPointF& imagePos);
  void endStroke();
  bool strokeActive() const { return strokeActive_; }

  // Undoable whole-mask edits (each ends a stroke in progress first).
  void clearMask();
  void invertMask();
  void fillMask();
  // White = change. An image whose alpha channel is not uniformly opaque is read by its alpha
  // instead: alpha 0 = change. A mask of another size is scaled to the image, and *notice
  // then says so. Undoable. Files are read within readImageFile's limits.
  bool importMask(const QString& path, QString* error, QString* notice = nullptr);
  // 8-bit grayscale PNG (or by suffix), white = change.
  bool exportMask(const QString& path, QString* error) const;

  // Replaces the image by `result` (converted to the image's format; a result of another size
  // is scaled to the image's); undoable. Appends `parameters` to appliedParameters() (removed again
  // on undo). When clearMaskOnApply() is set, the same command also clears the mask. Clears the
  // preview.
  void applyResult(const QImage& result, const QString& description, const QJsonObject& parameters);
  void setClearMaskOnApply(bool on) { clearMaskOnApply_ = on; }
  bool clearMaskOnApply() const { return clearMaskOnApply_; }
  QJsonArray appliedParameters() const { return applied_; }
  // Parameters of the file just opened (the newest entry of its `promptbrush` chunk, else its
  // parsed `parameters` text); empty if none. See png_metadata.h for the keys.
  QJsonObject loadedParameters() const { return loadedParameters_; }

  // A pending result drawn instead of the image; not part of the history. Must be the image's
  // size (anything else, or a null image, clears it).
  void setPreview(const QImage& image);
  const QImage& preview() const { return preview_; }
  void clearPreview();

  // Crash recovery: image, mask, applied parameters, file path and `extra` in one file
  // (written atomically, uncompressed: about 5 bytes per pixel). The undo history is not kept.
  // A loaded recovery counts as modified.
  bool saveRecovery(const QString& path, QString* error) const;
  // The same in two halves, so that the app can write from a worker thread: the snapshot is
  // cheap (implicitly shared images) and independent of later edits.
  struct RecoverySnapshot {
    QImage image, mask;
    QString filePath;
    QJsonArray applied;
    QJsonObject loaded, extra;
  };
  RecoverySnapshot recoverySnapshot() const;
  static bool writeRecovery(const RecoverySnapshot& snapshot, const QString& path, QString* error);
  bool loadRecovery(const QString& path, QString* error);
  void setRecoveryExtra(const QJsonObject& extra) { recoveryExtra_ = extra; }
  QJsonObject recoveryExtra() const { return recoveryExtra_; }

 signals:
  void imageReplaced();  // a new image (possibly of another size): redraw everything
  void imageChanged(const QRect& dirty);
  void maskChanged(const QRect& dirty);
  void previewChanged();
  void modifiedChanged(bool modified);
  void filePathChanged(const QString& path);

 private:
  friend class MaskPatchCommand;
  friend class InvertMaskCommand;
  friend class ApplyResultCommand;

  void replaceAll(const QImage& image, const QString& filePath, bool unsavedContent);
  void setFilePath(const QString& path);
  void setUnsavedContent(bool on);
  void emitModifiedIfChanged();
  void stampSegment(const QPointF& a, const QPointF& b);
  // For the undo commands.
  void writeMaskPatch(const QPoint& topLeft, const QImage& patch);
  void invertMaskInPlace();
  void setImageContent(const QImage& image, const QJsonArray& applied, const QRect& dirty);

  QImage image_;
  QImage mask_;
  QImage preview_;
  QUndoStack* undoStack_;
  QString filePath_;
  QJsonArray applied_;
  QJsonObject loadedParameters_;
  QJsonObject recoveryExtra_;
  bool unsavedContent_ = false;
  bool lastModified_ = false;
  bool clearMaskOnApply_ = false;

  bool strokeActive_ = false;
  bool strokeErase_ = false;
  qreal strokeDiameter_ = 1;
  qreal strokeHardness_ = 1;
  bool strokeHasPoint_ = false;
  QPointF strokeLast_;
  QImage strokeBefore_;  // the mask when the stroke began (shared until the first write)
  QRect strokeDirty_;
};
