#include "ui/dialogs/new_canvas_dialog.h"

#include "ui/dialogs/dialog_buttons.h"

#include <QColorDialog>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QPixmap>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

NewCanvasDialog::NewCanvasDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("New Canvas"));
  auto* form = new QFormLayout;
  preset_ = new QComboBox;
  preset_->addItem(tr("Custom"), QSize());
  for (int s : {256, 512, 768, 1024}) preset_->addItem(tr("%1 × %1").arg(s), QSize(s, s));
  preset_->addItem(tr("768 × 512 (landscape)"), QSize(768, 512));
  preset_->addItem(tr("512 × 768 (portrait)"), QSize(512, 768));
  preset_->setToolTip(tr("Common sizes; the diffusion models work at 256 × 256"));
  form->addRow(tr("Preset"), preset_);
  width_ = new QSpinBox;
  height_ = new QSpinBox;
  for (QSpinBox* s : {width_, height_}) {
    s->setRange(8, 16384);
    s->setSuffix(tr(" px"));
  }
  width_->setToolTip(tr("Width of the new canvas in pixels"));
  height_->setToolTip(tr("Height of the new canvas in pixels"));
  form->addRow(tr("Width"), width_);
  form->addRow(tr("Height"), height_);
  color_ = new QToolButton;
  color_->setToolTip(tr("Background colour"));
  color_->setAccessibleName(tr("Background colour"));
  form->addRow(tr("Background"), color_);

  connect(preset_, &QComboBox::activated, this, [this](int i) {
    const QSize s = preset_->itemData(i).toSize();
    if (s.isValid()) setCanvasSize(s);
  });
  auto toCustom = [this] {
    const QSize s = preset_->currentData().toSize();
    if (s.isValid() && s != canvasSize()) preset_->setCurrentIndex(0);
  };
  connect(width_, &QSpinBox::valueChanged, this, toCustom);
  connect(height_, &QSpinBox::valueChanged, this, toCustom);
  connect(color_, &QToolButton::clicked, this, [this] {
    const QColor c = QColorDialog::getColor(background_, this, tr("Background"));
    if (c.isValid()) setBackground(c);
  });

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* root = new QVBoxLayout(this);
  root->addLayout(form);
  root->addWidget(buttons);
  describeStandardButtons(this);

  setCanvasSize(QSize(256, 256));
  setBackground(Qt::white);
}

QSize NewCanvasDialog::canvasSize() const { return QSize(width_->value(), height_->value()); }

void NewCanvasDialog::setCanvasSize(QSize size) {
  width_->setValue(size.width());
  height_->setValue(size.height());
  const int i = preset_->findData(size);
  preset_->setCurrentIndex(i < 0 ? 0 : i);
}

void NewCanvasDialog::setBackground(const QColor& color) {
  background_ = color;
  QPixmap swatch(40, 16);
  swatch.fill(color);
  color_->setIcon(QIcon(swatch));
  color_->setIconSize(swatch.size());
}
