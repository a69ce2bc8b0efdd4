#pragma once
// The prompt panel: mode switch, prompt, guidance, quality, seed, candidates,
// Generate / Cancel and the run's progress. Emits intents; knows no engine.
#include <QWidget>

#include "ui/panels/run_settings.h"

class QAbstractButton;
class QButtonGroup;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class MaskRefineBox;
class QLineEdit;
class QProgressBar;
class QPushButton;
class RunQueueView;
class QSlider;
class QSpinBox;
class QToolButton;

class PromptPanel : public QWidget {
  Q_OBJECT
 public:
  explicit PromptPanel(QWidget* parent = nullptr);

  RunSettings settings() const;
  void setSettings(const RunSettings& s);
  GenerationMode mode() const;

  void setAvailability(const Availability& a);
  bool isModeAvailable(GenerationMode mode) const;

  QStringList promptHistory() const { return history_; }
  void setPromptHistory(const QStringList& history);
  void rememberPrompt(const QString& prompt);

  bool isRunning() const { return running_; }

  // For tests and the window's actions.
  QPushButton* generateButton() const { return generate_; }
  QPushButton* cancelButton() const { return cancel_; }
  QAbstractButton* modeButton(GenerationMode mode) const;
  QComboBox* methodCombo() const { return method_; }
  QLineEdit* promptEdit() const { return prompt_; }
  QProgressBar* progressBar() const { return progress_; }
  QLabel* progressLabel() const { return progressText_; }
  QCheckBox* previewOnlyCheck() const { return previewOnly_; }
  QLabel* modeHint() const { return modeHint_; }
  RunQueueView* queueView() const { return queue_; }
  MaskRefineBox* maskRefineBox() const { return maskBox_; }
  // Whether the mask-edge controls apply (Inpaint with GLIDE) and are shown.
  bool maskRefineActive() const;

 public slots:
  void requestGenerate();
  void setRunning(bool running);
  void setProgress(const RunProgress& p);
  void setStatusText(const QString& text);
  void setLastSeed(quint64 seed);

 signals:
  void generateRequested(const RunSettings& settings);
  void cancelRequested();
  void modelsDialogRequested();
  void modeChanged(GenerationMode mode);  // whenever the mode changes, clicked or not
  void maskRefineActiveChanged(bool active);

 private:
  void updateEnabled();
  void showHistoryMenu();
  void switchGuidance(GenerationMode from, GenerationMode to);

  QButtonGroup* modes_ = nullptr;
  QLabel* modelsLink_ = nullptr;
  QLabel* methodLabel_ = nullptr;
  QComboBox* method_ = nullptr;
  QLineEdit* prompt_ = nullptr;
  QToolButton* historyButton_ = nullptr;
  QSlider* guidanceSlider_ = nullptr;
  QDoubleSpinBox* guidance_ = nullptr;
  QComboBox* quality_ = nullptr;
  QSpinBox* steps_ = nullptr;
  QCheckBox* randomSeed_ = nullptr;
  QLineEdit* seed_ = nullptr;
  QToolButton* reuseSeed_ = nullptr;
  QSpinBox* candidates_ = nullptr;
  QLabel* previewOnlyLabel_ = nullptr;
  QCheckBox* previewOnly_ = nullptr;
  QLabel* modeHint_ = nullptr;
  MaskRefineBox* maskBox_ = nullptr;
  QPushButton* generate_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* progressText_ = nullptr;
  RunQueueView* queue_ = nullptr;
  // Restored with setSettings and not shown as controls: a run's exact sampling (until the
  // quality or the steps are changed).
  SamplingOverride sampling_;

  Availability availability_;
  // Each mode keeps its own guidance, from the notebooks' defaults: GLIDE inpainting 5,
  // GLIDE text2im 3, Karlo's decoder 8.
  double guidanceByMode_[kGenerationModeCount] = {5.0, 3.0, 8.0, 8.0};
  GenerationMode shownMode_ = GenerationMode::Inpaint;
  GenerationMode emittedMode_ = GenerationMode::Inpaint;
  QStringList history_;
  bool running_ = false;
  bool haveLastSeed_ = false;
  quint64 lastSeed_ = 0;
};
