#include "ui/panels/mask_refine_box.h"

#include <QCheckBox>
#include <QFormLayout>

#include "ui/panels/optional_spin_box.h"

MaskRefineBox::MaskRefineBox(QWidget* parent) : QGroupBox(tr("Mask edge"), parent) {
  auto* form = new QFormLayout(this);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
  form->setContentsMargins(8, 4, 8, 4);
  form->setVerticalSpacing(4);

  // The engine's automatic grow is the window's side / 64, at least 2 px: start there.
  grow_ = new OptionalSpinBox(MaskRefinement::kMinGrow, MaskRefinement::kMaxGrow, 2);
  grow_->setSuffix(tr(" px"));
  grow_->setAccessibleName(tr("Grow mask"));
  grow_->setToolTip(
      tr("How far the changed region reaches past the painted mask, in image pixels; negative "
         "values shrink it. Auto: a little, by the size of the area. Pixels outside the region "
         "keep their exact values."));
  form->addRow(tr("Grow"), grow_);

  feather_ = new OptionalSpinBox(0, MaskRefinement::kMaxFeather, 2);
  feather_->setSuffix(tr(" px"));
  feather_->setAccessibleName(tr("Edge blur"));
  feather_->setToolTip(
      tr("How wide the seam blends from the original into the result, in image pixels, inside "
         "the region; 0 is a hard edge. Auto: as wide as the grow."));
  form->addRow(tr("Edge blur"), feather_);

  colourMatch_ = new QCheckBox(tr("Match colours"));
  colourMatch_->setChecked(false);  // the engine's default
  colourMatch_->setAccessibleName(tr("Match colours"));
  colourMatch_->setToolTip(
      tr("Shift the result's colours so that its edge matches the picture around it"));
  form->addRow(QString(), colourMatch_);

  showRegion_ = new QCheckBox(tr("Show the region that changes"));
  showRegion_->setChecked(true);
  showRegion_->setAccessibleName(tr("Show the region that changes"));
  showRegion_->setToolTip(
      tr("Outline on the canvas every pixel the result will replace or blend, with the grow "
         "and edge blur applied"));
  form->addRow(QString(), showRegion_);

  auto changed = [this] { emit refinementChanged(refinement()); };
  connect(grow_, &OptionalSpinBox::optionalValueChanged, this, changed);
  connect(feather_, &OptionalSpinBox::optionalValueChanged, this, changed);
  connect(colourMatch_, &QCheckBox::toggled, this, changed);
  connect(showRegion_, &QCheckBox::toggled, this, &MaskRefineBox::showRegionToggled);
}

MaskRefinement MaskRefineBox::refinement() const {
  MaskRefinement r;
  r.growPx = grow_->optionalValue();
  r.featherPx = feather_->optionalValue();
  r.colourMatch = colourMatch_->isChecked();
  return r;
}

void MaskRefineBox::setRefinement(const MaskRefinement& r) {
  grow_->setOptionalValue(r.growPx);
  feather_->setOptionalValue(r.featherPx);
  colourMatch_->setChecked(r.colourMatch);
}

bool MaskRefineBox::showRegion() const { return showRegion_->isChecked(); }
void MaskRefineBox::setShowRegion(bool on) { showRegion_->setChecked(on); }
