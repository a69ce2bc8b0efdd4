#include "ui/dialogs/settings_dialog.h"

#include "ui/dialogs/dialog_buttons.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

SettingsDialog::SettingsDialog(const EngineSettings& settings, QWidget* parent)
    : QDialog(parent), initial_(settings) {
  setWindowTitle(tr("Settings"));
  auto* form = new QFormLayout;
  modelsDir_ = new QLineEdit(settings.modelsDir);
  modelsDir_->setAccessibleName(tr("Models folder"));
  modelsDir_->setToolTip(tr("Where the model files are (GLIDE .pt, Karlo .ckpt, CLIP)"));
  auto* browse = new QToolButton;
  browse->setIcon(style()->standardIcon(QStyle::SP_DirOpenIcon));
  browse->setAccessibleName(tr("Choose the models folder"));
  browse->setToolTip(tr("Choose the models folder…"));
  connect(browse, &QToolButton::clicked, this, [this] {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Models Folder"), modelsDir_->text());
    if (!dir.isEmpty()) modelsDir_->setText(dir);
  });
  auto* dirRow = new QHBoxLayout;
  dirRow->addWidget(modelsDir_, 1);
  dirRow->addWidget(browse);
  form->addRow(tr("Models folder"), dirRow);
  if (!settings.modelsDirOverride.isEmpty()) {
    auto* note = new QLabel(tr("This session uses the folder given by %1; the setting applies "
                               "when it is not given.")
                                .arg(settings.modelsDirOverride));
    note->setWordWrap(true);
    form->addRow(QString(), note);
  }

  device_ = new QComboBox;
  device_->addItem(tr("Automatic"), "auto");
  device_->addItem(tr("CPU"), "cpu");
  device_->addItem(tr("CUDA GPU"), "cuda");
  device_->setCurrentIndex(qMax(0, device_->findData(settings.device)));
  device_->setToolTip(tr("Where the networks run: a CUDA GPU when there is one, else the CPU"));
  form->addRow(tr("Device"), device_);

  precision_ = new QComboBox;
  precision_->addItem(tr("Automatic (BFloat16 where the processor has it)"), "auto");
  precision_->addItem(tr("Float32 (exact)"), "float32");
  precision_->addItem(tr("BFloat16 (about 2x faster, approximate)"), "bfloat16");
  precision_->setCurrentIndex(qMax(0, precision_->findData(settings.precision)));
  precision_->setToolTip(
      tr("How the CPU computes the networks. Float32 reproduces the reference models; "
         "BFloat16 halves the time per step on processors with bfloat16 instructions "
         "(AVX-512 BF16 or AMX) and changes the result slightly. Automatic uses BFloat16 "
         "where the processor has them and Float32 elsewhere. A GPU always uses float16."));
  form->addRow(tr("CPU precision"), precision_);

  budget_ = new QSpinBox;
  budget_->setRange(0, 1 << 20);
  budget_->setSingleStep(512);
  budget_->setSuffix(tr(" MB"));
  budget_->setSpecialValueText(tr("Unlimited"));
  budget_->setValue(settings.memoryBudgetMb);
  budget_->setToolTip(
      tr("Loaded models beyond this are unloaded, least recently used first. A budget also turns "
         "off the faster float32 convolutions, whose cached weights take memory"));
  form->addRow(tr("Memory budget"), budget_);

  threads_ = new QSpinBox;
  threads_->setRange(0, 256);
  threads_->setSpecialValueText(tr("All cores"));
  threads_->setValue(settings.threads);
  threads_->setToolTip(tr("How many CPU threads a run may use"));
  form->addRow(tr("CPU threads"), threads_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* root = new QVBoxLayout(this);
  root->addLayout(form);
  root->addWidget(buttons);
  describeStandardButtons(this);
  setMinimumWidth(480);
}

EngineSettings SettingsDialog::settings() const {
  EngineSettings s = initial_;
  s.modelsDir = modelsDir_->text().trimmed();
  s.device = device_->currentData().toString();
  s.precision = precision_->currentData().toString();
  s.memoryBudgetMb = budget_->value();
  s.threads = threads_->value();
  return s;
}
