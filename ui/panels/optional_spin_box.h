#pragma once
// A spin box whose lowest entry is "Auto" (no value: the engine's choice). Stepping up or down
// from Auto lands on `start` first, so that one press shows a typical value instead of the end
// of the range; stepping below the lowest number returns to Auto, and so does typing "Auto".
#include <QSpinBox>
#include <optional>

class OptionalSpinBox : public QSpinBox {
  Q_OBJECT
 public:
  // Numbers lowest..highest; `start` is where the first step from Auto goes.
  OptionalSpinBox(int lowest, int highest, int start, QWidget* parent = nullptr);

  std::optional<int> optionalValue() const;
  void setOptionalValue(std::optional<int> value);  // clamped to lowest..highest
  bool isAuto() const { return value() == minimum(); }

  void stepBy(int steps) override;

 signals:
  void optionalValueChanged(std::optional<int> value);

 private:
  int start_;
};
