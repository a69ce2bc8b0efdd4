#include "ui/panels/prompt_panel.h"

#include <QAction>
#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpressionValidator>
#include <QSlider>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/panels/mask_refine_box.h"
#include "ui/panels/run_queue_view.h"

namespace {
constexpr int kMaxHistory = 50;
}  // namespace

PromptPanel::PromptPanel(QWidget* parent) : QWidget(parent) {
  auto* root = new QVBoxLayout(this);
  root->setContentsMargins(8, 8, 8, 8);
  root->setSpacing(8);

  // Mode switch: a segmented row of exclusive buttons.
  modes_ = new QButtonGroup(this);
  auto* modeRow = new QHBoxLayout;
  modeRow->setSpacing(2);
  for (int i = 0; i < kGenerationModeCount; ++i) {
    auto* b = new QToolButton;
    b->setText(modeName(GenerationMode(i)));
    b->setCheckable(true);
    b->setAutoRaise(false);
    b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    b->setObjectName(QStringLiteral("mode%1").arg(i));
    modes_->addButton(b, i);
    modeRow->addWidget(b);
  }
  modes_->button(0)->setChecked(true);
  root->addLayout(modeRow);

  modelsLink_ = new QLabel;
  modelsLink_->setTextFormat(Qt::RichText);
  modelsLink_->setWordWrap(true);
  modelsLink_->setText(tr("Some modes need model files. <a href=\"models\">Install models…</a>"));
  connect(modelsLink_, &QLabel::linkActivated, this, &PromptPanel::modelsDialogRequested);
  root->addWidget(modelsLink_);

  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
  form->setHorizontalSpacing(10);
  form->setVerticalSpacing(6);

  method_ = new QComboBox;
  for (FillMethod m :
       {FillMethod::Glide, FillMethod::ClassicTelea, FillMethod::ClassicNavierStokes})
    method_->addItem(methodName(m), int(m));
  methodLabel_ = new QLabel(tr("Method"));
  form->addRow(methodLabel_, method_);

  prompt_ = new QLineEdit;
  prompt_->setPlaceholderText(tr("Describe what should be there…"));
  prompt_->setClearButtonEnabled(true);
  prompt_->setAccessibleName(tr("Prompt"));
  prompt_->setToolTip(tr("What should appear where the mask is; Enter generates"));
  // Qt's clear button is icon-only: name it through the action it shows.
  if (auto* clear = prompt_->findChild<QAction*>(QStringLiteral("_q_qlineeditclearaction"))) {
    clear->setText(tr("Clear the prompt"));
    clear->setToolTip(tr("Clear the prompt"));
  }
  historyButton_ = new QToolButton;
  historyButton_->setIcon(style()->standardIcon(QStyle::SP_FileDialogDetailedView));
  historyButton_->setToolTip(tr("Recent prompts"));
  historyButton_->setAccessibleName(tr("Recent prompts"));
  connect(historyButton_, &QToolButton::clicked, this, &PromptPanel::showHistoryMenu);
  auto* promptRow = new QHBoxLayout;
  promptRow->addWidget(prompt_, 1);
  promptRow->addWidget(historyButton_);
  form->addRow(tr("Prompt"), promptRow);
  connect(prompt_, &QLineEdit::returnPressed, this, &PromptPanel::requestGenerate);

  guidanceSlider_ = new QSlider(Qt::Horizontal);
  guidanceSlider_->setRange(0, 200);
  guidanceSlider_->setAccessibleName(tr("Guidance"));
  guidance_ = new QDoubleSpinBox;
  guidance_->setRange(0.0, 20.0);
  guidance_->setSingleStep(0.5);
  guidance_->setDecimals(1);
  guidance_->setToolTip(tr("Classifier-free guidance: higher follows the prompt more closely"));
  guidance_->setAccessibleName(tr("Guidance scale"));
  guidanceSlider_->setToolTip(guidance_->toolTip());
  connect(guidanceSlider_, &QSlider::valueChanged, this,
          [this](int v) { guidance_->setValue(v / 10.0); });
  connect(guidance_, &QDoubleSpinBox::valueChanged, this,
          [this](double v) { guidanceSlider_->setValue(qRound(v * 10)); });
  guidance_->setValue(5.0);
  auto* guidanceRow = new QHBoxLayout;
  guidanceRow->addWidget(guidanceSlider_, 1);
  guidanceRow->addWidget(guidance_);
  form->addRow(tr("Guidance"), guidanceRow);

  quality_ = new QComboBox;
  for (QualityPreset q : {QualityPreset::Fast, QualityPreset::Default, QualityPreset::Custom})
    quality_->addItem(qualityName(q), int(q));
  quality_->setCurrentIndex(1);
  quality_->setAccessibleName(tr("Quality"));
  quality_->setToolTip(tr("Fast, default or a custom number of sampling steps"));
  steps_ = new QSpinBox;
  steps_->setRange(1, 1000);
  steps_->setValue(50);
  steps_->setSuffix(tr(" steps"));
  steps_->setAccessibleName(tr("Sampling steps"));
  steps_->setToolTip(tr("Sampling steps of the Custom quality"));
  auto* qualityRow = new QHBoxLayout;
  qualityRow->addWidget(quality_, 1);
  qualityRow->addWidget(steps_);
  form->addRow(tr("Quality"), qualityRow);
  connect(quality_, &QComboBox::currentIndexChanged, this, [this] {
    sampling_ = {};  // a choice of the person's replaces a restored run's sampling
    updateEnabled();
  });
  connect(steps_, &QSpinBox::valueChanged, this, [this] { sampling_ = {}; });

  randomSeed_ = new QCheckBox(tr("Random"));
  randomSeed_->setChecked(true);
  randomSeed_->setToolTip(tr("A new random seed for every run"));
  seed_ = new QLineEdit(QStringLiteral("0"));
  seed_->setValidator(
      new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{1,19}")), seed_));
  seed_->setAccessibleName(tr("Seed"));
  seed_->setToolTip(tr("The noise seed: the same seed and settings give the same result"));
  reuseSeed_ = new QToolButton;
  reuseSeed_->setIcon(style()->standardIcon(QStyle::SP_BrowserReload));
  reuseSeed_->setToolTip(tr("Reuse the last run's seed"));
  reuseSeed_->setAccessibleName(tr("Reuse the last seed"));
  reuseSeed_->setEnabled(false);
  connect(reuseSeed_, &QToolButton::clicked, this, [this] {
    seed_->setText(QString::number(lastSeed_));
    randomSeed_->setChecked(false);
  });
  connect(randomSeed_, &QCheckBox::toggled, this, [this] { updateEnabled(); });
  auto* seedRow = new QHBoxLayout;
  seedRow->addWidget(randomSeed_);
  seedRow->addWidget(seed_, 1);
  seedRow->addWidget(reuseSeed_);
  form->addRow(tr("Seed"), seedRow);

  candidates_ = new QSpinBox;
  candidates_->setRange(1, 8);
  candidates_->setToolTip(tr("How many candidates one run makes"));
  form->addRow(tr("Candidates"), candidates_);
  previewOnly_ = new QCheckBox(tr("64 px preview only"));
  previewOnly_->setToolTip(
      tr("Stop at the decoder's 64 px output, without the 256 px super-resolution stage: "
         "minutes sooner on a CPU"));
  previewOnlyLabel_ = new QLabel(tr("Output"));
  form->addRow(previewOnlyLabel_, previewOnly_);
  root->addLayout(form);
  maskBox_ = new MaskRefineBox;
  root->addWidget(maskBox_);

  modeHint_ = new QLabel;
  modeHint_->setObjectName(QStringLiteral("modeHint"));
  modeHint_->setWordWrap(true);
  root->addWidget(modeHint_);

  generate_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Generate"));
  generate_->setToolTip(tr("Generate (Ctrl+Enter)"));
  generate_->setObjectName(QStringLiteral("generateButton"));
  cancel_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Cancel"));
  cancel_->setToolTip(tr("Cancel the run (Esc)"));
  cancel_->setEnabled(false);
  // A click must leave the keyboard focus where it was (on the canvas, Space pans: it must not
  // press Generate again); Tab still reaches both buttons.
  generate_->setFocusPolicy(Qt::TabFocus);
  cancel_->setFocusPolicy(Qt::TabFocus);
  connect(generate_, &QPushButton::clicked, this, &PromptPanel::requestGenerate);
  connect(cancel_, &QPushButton::clicked, this, &PromptPanel::cancelRequested);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(generate_, 2);
  buttons->addWidget(cancel_, 1);
  root->addLayout(buttons);

  progress_ = new QProgressBar;
  progress_->setRange(0, 1);
  progress_->setValue(0);
  progress_->setTextVisible(false);
  progress_->setMaximumHeight(8);
  progressText_ = new QLabel(tr("Ready"));
  progressText_->setObjectName(QStringLiteral("progressText"));
  progressText_->setWordWrap(true);
  root->addWidget(progress_);
  root->addWidget(progressText_);
  queue_ = new RunQueueView;
  root->addWidget(queue_);
  root->addStretch(1);

  connect(modes_, &QButtonGroup::idClicked, this, [this] { updateEnabled(); });
  connect(guidance_, &QDoubleSpinBox::valueChanged, this,
          [this](double v) { guidanceByMode_[int(shownMode_)] = v; });
  connect(method_, &QComboBox::currentIndexChanged, this, [this] { updateEnabled(); });
  setAvailability(Availability{});
}

GenerationMode PromptPanel::mode() const { return GenerationMode(qMax(0, modes_->checkedId())); }

bool PromptPanel::maskRefineActive() const { return maskBox_->isVisibleTo(this); }

QAbstractButton* PromptPanel::modeButton(GenerationMode mode) const {
  return modes_->button(int(mode));
}

RunSettings PromptPanel::settings() const {
  RunSettings s;
  s.mode = mode();
  s.method = FillMethod(method_->currentData().toInt());
  s.prompt = prompt_->text().trimmed();
  s.guidanceScale = guidance_->value();
  s.quality = QualityPreset(quality_->currentData().toInt());
  s.customSteps = steps_->value();
  s.randomSeed = randomSeed_->isChecked();
  s.seed = seed_->text().toULongLong();
  s.candidates = candidates_->value();
  s.previewOnly = previewOnly_->isChecked();
  if (s.quality == QualityPreset::Custom) s.sampling = sampling_;
  s.mask = maskBox_->refinement();
  return s;
}

void PromptPanel::setSettings(const RunSettings& s) {
  if (isModeAvailable(s.mode)) modes_->button(int(s.mode))->setChecked(true);
  switchGuidance(shownMode_, mode());
  guidanceByMode_[int(s.mode)] = s.guidanceScale;
  const bool glideOk = availability_.glideInpaint.available || s.method != FillMethod::Glide;
  method_->setCurrentIndex(glideOk ? qMax(0, method_->findData(int(s.method))) : 1);
  prompt_->setText(s.prompt);
  guidance_->setValue(s.guidanceScale);
  quality_->setCurrentIndex(qMax(0, quality_->findData(int(s.quality))));
  steps_->setValue(s.customSteps);
  randomSeed_->setChecked(s.randomSeed);
  seed_->setText(QString::number(s.seed));
  candidates_->setValue(s.candidates);
  previewOnly_->setChecked(s.previewOnly);
  maskBox_->setRefinement(s.mask);
  // After the controls, whose change signals drop a restored sampling.
  sampling_ = s.quality == QualityPreset::Custom ? s.sampling : SamplingOverride{};
  updateEnabled();
}

void PromptPanel::switchGuidance(GenerationMode from, GenerationMode to) {
  if (from == to) return;
  guidanceByMode_[int(from)] = guidance_->value();
  shownMode_ = to;
  guidance_->setValue(guidanceByMode_[int(to)]);
}

bool PromptPanel::isModeAvailable(GenerationMode mode) const {
  switch (mode) {
    case GenerationMode::Inpaint:
      return true;  // classic fill needs no weights
    case GenerationMode::TextToImage:
      return availability_.textToImage.available;
    case GenerationMode::Variations:
      return availability_.variations.available;
    case GenerationMode::Interpolate:
      return availability_.interpolate.available;
  }
  return false;
}

void PromptPanel::setAvailability(const Availability& a) {
  const bool glideWas = availability_.glideInpaint.available;
  availability_ = a;
  const ModeAvailability* perMode[] = {nullptr, &a.textToImage, &a.variations, &a.interpolate};
  bool anyMissing = !a.glideInpaint.available;
  for (int i = 0; i < kGenerationModeCount; ++i) {
    auto* b = modes_->button(i);
    const bool ok = isModeAvailable(GenerationMode(i));
    b->setEnabled(ok);
    QString tip = modeDescription(GenerationMode(i));
    if (!ok) {
      anyMissing = true;
      tip += QStringLiteral("\n\n") + tr("Unavailable: %1").arg(perMode[i]->reason) +
             QStringLiteral("\n") + tr("See Help ▸ Models… for the files to install.");
    }
    b->setToolTip(tip);
  }
  // The GLIDE entry of the method list follows the inpainting weights.
  auto* model = qobject_cast<QStandardItemModel*>(method_->model());
  if (QStandardItem* glide = model ? model->item(0) : nullptr) {
    glide->setEnabled(a.glideInpaint.available);
    glide->setToolTip(a.glideInpaint.available ? QString() : a.glideInpaint.reason);
  }
  if (!a.glideInpaint.available && method_->currentIndex() == 0) method_->setCurrentIndex(1);
  if (a.glideInpaint.available && !glideWas) method_->setCurrentIndex(0);  // newly installed
  method_->setToolTip(a.glideInpaint.available
                          ? tr("How the masked area is filled")
                          : tr("GLIDE is unavailable: %1").arg(a.glideInpaint.reason));
  if (!isModeAvailable(mode())) modes_->button(0)->setChecked(true);
  modelsLink_->setVisible(anyMissing);
  updateEnabled();
}

void PromptPanel::updateEnabled() {
  switchGuidance(shownMode_, mode());
  const RunSettings s = settings();
  const bool inpaint = s.mode == GenerationMode::Inpaint;
  const bool variations = s.mode == GenerationMode::Variations;
  // The Interpolate panel has its own controls; Generate there renders its strip.
  const bool interpolate = s.mode == GenerationMode::Interpolate;
  methodLabel_->setVisible(inpaint);
  method_->setVisible(inpaint);
  // Explore: every diffusion mode can stop at its 64 px stage (GLIDE base, unCLIP decoder).
  const bool explore = variations || s.mode == GenerationMode::TextToImage ||
                       (inpaint && s.method == FillMethod::Glide);
  previewOnlyLabel_->setVisible(explore);
  previewOnly_->setVisible(explore);
  previewOnly_->setToolTip(
      variations ? tr("Stop at the decoder's 64 px output, without the 256 px super-resolution "
                      "stage: minutes sooner on a CPU")
                 : tr("Explore: stop every candidate at GLIDE's 64 px base stage (shown "
                      "enlarged, minutes sooner on a CPU), then Finish the ones you like in "
                      "the gallery"));
  const bool refine = inpaint && s.method == FillMethod::Glide;
  if (refine != maskBox_->isVisibleTo(this)) {
    maskBox_->setVisible(refine);
    emit maskRefineActiveChanged(refine);
  }
  const bool diffusion = s.usesDiffusion() && !interpolate;
  for (QWidget* w : std::initializer_list<QWidget*>{guidanceSlider_, guidance_, quality_,
                                                    randomSeed_, candidates_, previewOnly_})
    w->setEnabled(diffusion);
  // unCLIP variations take no prompt: the image is the condition.
  prompt_->setEnabled(diffusion && !variations);
  historyButton_->setEnabled(diffusion && !variations);
  steps_->setEnabled(diffusion && s.quality == QualityPreset::Custom);
  seed_->setEnabled(diffusion && !s.randomSeed);
  reuseSeed_->setEnabled(diffusion && haveLastSeed_);
  modeHint_->setVisible(variations || interpolate);
  if (variations)
    modeHint_->setText(
        tr("Variations of the image on the canvas (or of the candidate shown "
           "there). Apply keeps the image's size."));
  else if (interpolate)
    modeHint_->setText(
        tr("Choose images A and B (or a caption pair) in the Interpolate panel "
           "and drag its slider. Generate renders the strip again."));
  const bool methodOk =
      !inpaint || s.method != FillMethod::Glide || availability_.glideInpaint.available;
  generate_->setEnabled(isModeAvailable(s.mode) && methodOk);
  // Clicked, restored or forced back to Inpaint when a mode's models went away.
  if (s.mode != emittedMode_) {
    emittedMode_ = s.mode;
    emit modeChanged(s.mode);
  }
}

void PromptPanel::requestGenerate() {
  if (!generate_->isEnabled()) return;
  const RunSettings s = settings();
  if (s.usesDiffusion() && s.mode != GenerationMode::Variations) rememberPrompt(s.prompt);
  emit generateRequested(s);
}

void PromptPanel::setRunning(bool running) {
  running_ = running;
  cancel_->setEnabled(running);
  if (running) {
    progress_->setRange(0, 0);  // busy until the first progress report
    progressText_->setText(tr("Starting…"));
  } else {
    progress_->setRange(0, 1);
    progress_->setValue(0);
  }
}

void PromptPanel::setProgress(const RunProgress& p) {
  if (p.phase == RunPhase::Loading) {
    progress_->setRange(0, 0);
    progressText_->setText(tr("Loading model: %1…").arg(p.model));
    return;
  }
  if (p.phase != RunPhase::Sampling) {
    progressText_->setText(p.stage + QStringLiteral("…"));
    return;
  }
  const int total = p.overallTotal > 0 ? p.overallTotal : p.total;
  const int step = p.overallTotal > 0 ? p.overallStep : p.step;
  progress_->setRange(0, qMax(1, total));
  progress_->setValue(step);
  QString text = tr("%1 · step %2/%3").arg(p.stage).arg(p.step).arg(p.total);
  if (p.stageCount > 1) text = tr("Stage %1/%2: %3").arg(p.stageIndex).arg(p.stageCount).arg(text);
  if (p.remainingSeconds >= 0) text += tr(" · about %1 s left").arg(qRound(p.remainingSeconds));
  progressText_->setText(text);
}

void PromptPanel::setStatusText(const QString& text) { progressText_->setText(text); }

void PromptPanel::setLastSeed(quint64 seed) {
  lastSeed_ = seed;
  haveLastSeed_ = true;
  updateEnabled();
}

void PromptPanel::setPromptHistory(const QStringList& history) {
  history_ = history.mid(0, kMaxHistory);
}

void PromptPanel::rememberPrompt(const QString& prompt) {
  if (prompt.isEmpty()) return;
  history_.removeAll(prompt);
  history_.prepend(prompt);
  while (history_.size() > kMaxHistory) history_.removeLast();
}

void PromptPanel::showHistoryMenu() {
  QMenu menu(this);
  if (history_.isEmpty()) menu.addAction(tr("No prompts yet"))->setEnabled(false);
  for (const QString& p : history_) {
    const QString label = p.size() > 60 ? p.left(57) + QStringLiteral("…") : p;
    menu.addAction(label, this, [this, p] { prompt_->setText(p); });
  }
  menu.exec(historyButton_->mapToGlobal(QPoint(0, historyButton_->height())));
}
