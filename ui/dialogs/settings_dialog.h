#pragma once
// Engine settings a person can change: models folder, device, CPU precision, memory
// budget, threads.
#include <QDialog>
#include <QString>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

struct EngineSettings {
  QString modelsDir;
  QString modelsDirOverride;  // non-empty: "--models" or "$PROMPTBRUSH_MODELS" wins this session
  QString device = QStringLiteral("auto");     // auto | cpu | cuda
  int memoryBudgetMb = 0;                      // 0: unlimited
  int threads = 0;                             // 0: all cores
  QString precision = QStringLiteral("auto");  // auto | float32 | bfloat16 (CPU only)
};

class SettingsDialog : public QDialog {
  Q_OBJECT
 public:
  explicit SettingsDialog(const EngineSettings& settings, QWidget* parent = nullptr);
  EngineSettings settings() const;

 private:
  EngineSettings initial_;
  QLineEdit* modelsDir_ = nullptr;
  QComboBox* device_ = nullptr;
  QComboBox* precision_ = nullptr;
  QSpinBox* budget_ = nullptr;
  QSpinBox* threads_ = nullptr;
};
