#include "ui/panels/optional_spin_box.h"

OptionalSpinBox::OptionalSpinBox(int lowest, int highest, int start, QWidget* parent)
    : QSpinBox(parent), start_(qBound(lowest, start, highest)) {
  setRange(lowest - 1, highest);  // lowest - 1 stands for Auto
  setSpecialValueText(tr("Auto"));
  setValue(minimum());
  connect(this, &QSpinBox::valueChanged, this,
          [this] { emit optionalValueChanged(optionalValue()); });
}

std::optional<int> OptionalSpinBox::optionalValue() const {
  if (isAuto()) return std::nullopt;
  return value();
}

void OptionalSpinBox::setOptionalValue(std::optional<int> v) {
  setValue(v ? qBound(minimum() + 1, *v, maximum()) : minimum());
}

void OptionalSpinBox::stepBy(int steps) {
  if (isAuto() && steps != 0) {
    setValue(start_);
    selectAll();
    return;
  }
  QSpinBox::stepBy(steps);
}
