#include "ui/panels/brush_panel.h"

#include <QButtonGroup>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/document/mask_brush.h"

namespace {
QToolButton* toolButton(const QString& text, const QString& tip) {
  auto* b = new QToolButton;
  b->setText(text);
  b->setToolTip(tip);
  b->setCheckable(true);
  b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  return b;
}

QSlider* percentSlider() {
  auto* s = new QSlider(Qt::Horizontal);
  s->setRange(0, 100);
  return s;
}
}  // namespace

BrushPanel::BrushPanel(QWidget* parent) : QWidget(parent) {
  auto* root = new QVBoxLayout(this);
  root->setContentsMargins(8, 8, 8, 8);
  root->setSpacing(8);

  // The canvas handles B / E / [ / ] itself; the tooltips only name the keys.
  brush_ = toolButton(tr("Brush"), tr("Paint what should change (B)"));
  eraser_ = toolButton(tr("Eraser"), tr("Erase from the mask (E)"));
  brush_->setChecked(true);
  auto* group = new QButtonGroup(this);
  group->addButton(brush_);
  group->addButton(eraser_);
  auto* tools = new QHBoxLayout;
  tools->setSpacing(2);
  tools->addWidget(brush_);
  tools->addWidget(eraser_);
  root->addLayout(tools);
  connect(eraser_, &QToolButton::toggled, this, &BrushPanel::eraserSelected);

  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  sizeSlider_ = new QSlider(Qt::Horizontal);
  sizeSlider_->setRange(kMinBrushDiameter, kMaxBrushDiameter);
  sizeSlider_->setToolTip(tr("Brush size in image pixels ([ and ])"));
  sizeSlider_->setAccessibleName(tr("Brush size"));
  size_ = new QSpinBox;
  size_->setRange(kMinBrushDiameter, kMaxBrushDiameter);
  size_->setSuffix(tr(" px"));
  size_->setToolTip(sizeSlider_->toolTip());
  size_->setAccessibleName(tr("Brush size in pixels"));
  auto* sizeRow = new QHBoxLayout;
  sizeRow->addWidget(sizeSlider_, 1);
  sizeRow->addWidget(size_);
  form->addRow(tr("Size"), sizeRow);
  connect(sizeSlider_, &QSlider::valueChanged, size_, &QSpinBox::setValue);
  connect(size_, &QSpinBox::valueChanged, sizeSlider_, &QSlider::setValue);
  connect(size_, &QSpinBox::valueChanged, this, &BrushPanel::brushSizeChanged);

  hardness_ = percentSlider();
  hardness_->setToolTip(tr("Edge hardness: soft edges blend the result into the image"));
  hardness_->setAccessibleName(tr("Hardness"));
  form->addRow(tr("Hardness"), hardness_);
  connect(hardness_, &QSlider::valueChanged, this,
          [this](int v) { emit hardnessChanged(v / 100.0); });

  opacity_ = percentSlider();
  opacity_->setToolTip(tr("How strongly the mask overlay tints the image"));
  opacity_->setAccessibleName(tr("Overlay opacity"));
  form->addRow(tr("Overlay"), opacity_);
  connect(opacity_, &QSlider::valueChanged, this,
          [this](int v) { emit overlayOpacityChanged(v / 100.0); });
  root->addLayout(form);

  auto* clear = new QPushButton(style()->standardIcon(QStyle::SP_DialogResetButton), tr("Clear"));
  clear->setToolTip(tr("Clear the mask"));
  auto* invert = new QPushButton(tr("Invert"));
  invert->setToolTip(tr("Invert the mask"));
  auto* fill = new QPushButton(tr("Fill"));
  fill->setToolTip(tr("Mask the whole image"));
  connect(clear, &QPushButton::clicked, this, &BrushPanel::clearMaskRequested);
  connect(invert, &QPushButton::clicked, this, &BrushPanel::invertMaskRequested);
  connect(fill, &QPushButton::clicked, this, &BrushPanel::fillMaskRequested);
  auto* maskRow = new QHBoxLayout;
  maskRow->addWidget(clear);
  maskRow->addWidget(invert);
  maskRow->addWidget(fill);
  root->addLayout(maskRow);
  root->addStretch(1);

  setBrushSize(48);
  setHardness(0.8);
  setOverlayOpacity(0.5);
}

int BrushPanel::brushSize() const { return size_->value(); }
qreal BrushPanel::hardness() const { return hardness_->value() / 100.0; }
qreal BrushPanel::overlayOpacity() const { return opacity_->value() / 100.0; }
bool BrushPanel::eraser() const { return eraser_->isChecked(); }

void BrushPanel::setBrushSize(int size) { size_->setValue(size); }
void BrushPanel::setHardness(qreal hardness) { hardness_->setValue(qRound(hardness * 100)); }
void BrushPanel::setOverlayOpacity(qreal opacity) { opacity_->setValue(qRound(opacity * 100)); }
void BrushPanel::setEraser(bool eraser) { (eraser ? eraser_ : brush_)->setChecked(true); }
