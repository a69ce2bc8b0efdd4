#include "ui/document/document_commands.h"

#include "ui/document/document.h"

MaskPatchCommand::MaskPatchCommand(Document* doc, const QPoint& topLeft, const QImage& before,
                                   const QImage& after, const QString& text, bool alreadyApplied)
    : QUndoCommand(text),
      doc_(doc),
      topLeft_(topLeft),
      before_(before),
      after_(after),
      skipRedo_(alreadyApplied) {}

void MaskPatchCommand::undo() { doc_->writeMaskPatch(topLeft_, before_); }

void MaskPatchCommand::redo() {
  if (skipRedo_) {
    skipRedo_ = false;
    return;
  }
  doc_->writeMaskPatch(topLeft_, after_);
}

InvertMaskCommand::InvertMaskCommand(Document* doc)
    : QUndoCommand(QObject::tr("Invert mask")), doc_(doc) {}

void InvertMaskCommand::undo() { doc_->invertMaskInPlace(); }

void InvertMaskCommand::redo() { doc_->invertMaskInPlace(); }

ApplyResultCommand::ApplyResultCommand(Document* doc, const QImage& before, const QImage& after,
                                       const QJsonArray& appliedBefore,
                                       const QJsonArray& appliedAfter, const QRect& dirty,
                                       const QString& text, bool clearMask)
    : QUndoCommand(text),
      doc_(doc),
      before_(before),
      after_(after),
      appliedBefore_(appliedBefore),
      appliedAfter_(appliedAfter),
      dirty_(dirty),
      clearMask_(clearMask) {
  if (clearMask_) {
    maskRect_ = doc->maskBounds();
    if (!maskRect_.isNull()) maskBefore_ = doc->mask().copy(maskRect_);
  }
}

void ApplyResultCommand::undo() {
  doc_->setImageContent(before_, appliedBefore_, dirty_);
  if (!maskBefore_.isNull()) doc_->writeMaskPatch(maskRect_.topLeft(), maskBefore_);
}

void ApplyResultCommand::redo() {
  doc_->setImageContent(after_, appliedAfter_, dirty_);
  if (!maskBefore_.isNull()) {
    QImage zeros(maskBefore_.size(), QImage::Format_Grayscale8);
    zeros.fill(0);
    doc_->writeMaskPatch(maskRect_.topLeft(), zeros);
  }
}
