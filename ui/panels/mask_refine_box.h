#pragma once
// The mask-edge controls of GLIDE inpainting: how far the changed region grows past the
// painted mask (or shrinks into it), how wide its seam blends, whether the result's colours
// are matched to the ring around it, and whether the canvas shows the region that changes.
#include <QGroupBox>

#include "ui/panels/run_settings.h"

class OptionalSpinBox;
class QCheckBox;

class MaskRefineBox : public QGroupBox {
  Q_OBJECT
 public:
  explicit MaskRefineBox(QWidget* parent = nullptr);

  MaskRefinement refinement() const;
  void setRefinement(const MaskRefinement& r);
  // Whether the canvas should outline the region that will change (a view choice, not a
  // run setting).
  bool showRegion() const;
  void setShowRegion(bool on);

  OptionalSpinBox* growSpin() const { return grow_; }
  OptionalSpinBox* featherSpin() const { return feather_; }
  QCheckBox* colourMatchCheck() const { return colourMatch_; }
  QCheckBox* showRegionCheck() const { return showRegion_; }

 signals:
  void refinementChanged(const MaskRefinement& r);
  void showRegionToggled(bool on);

 private:
  OptionalSpinBox* grow_ = nullptr;
  OptionalSpinBox* feather_ = nullptr;
  QCheckBox* colourMatch_ = nullptr;
  QCheckBox* showRegion_ = nullptr;
};
