#pragma once
// The undo commands of Document (mask patches, mask inversion, applied results).
#include <QImage>
#include <QJsonArray>
#include <QPoint>
#include <QRect>
#include <QUndoCommand>

class Document;

// Replaces a rectangle of the mask; `before` and `after` are that rectangle's pixels. Strokes
// are painted live, so their command skips its first redo.
class MaskPatchCommand : public QUndoCommand {
 public:
  MaskPatchCommand(Document* doc, const QPoint& topLeft, const QImage& before, const QImage& after,
                   const QString& text, bool alreadyApplied);
  void undo() override;
  void redo() override;

 private:
  Document* doc_;
  QPoint topLeft_;
  QImage before_, after_;
  bool skipRedo_;
};

// Inversion is its own inverse: nothing to store.
class InvertMaskCommand : public QUndoCommand {
 public:
  explicit InvertMaskCommand(Document* doc);
  void undo() override;
  void redo() override;

 private:
  Document* doc_;
};

// Swaps the image (and the list of applied parameters); optionally clears the mask with it.
class ApplyResultCommand : public QUndoCommand {
 public:
  ApplyResultCommand(Document* doc, const QImage& before, const QImage& after,
                     const QJsonArray& appliedBefore, const QJsonArray& appliedAfter,
                     const QRect& dirty, const QString& text, bool clearMask);
  void undo() override;
  void redo() override;

 private:
  Document* doc_;
  QImage before_, after_;
  QJsonArray appliedBefore_, appliedAfter_;
  QRect dirty_;
  bool clearMask_;
  QRect maskRect_;  // where the mask was non-zero before the clear
  QImage maskBefore_;
};
