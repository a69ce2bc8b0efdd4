#include "ui/panels/gallery_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace {
constexpr int kThumb = 112;

QIcon thumbnail(const QImage& image) {
  QPixmap pm(kThumb, kThumb);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  // Smooth scaling reads every source pixel (tens of ms per 4K candidate on the GUI thread):
  // first sample down to 4x the thumbnail, then smooth the last step.
  const QImage source =
      image.width() > 4 * kThumb || image.height() > 4 * kThumb
          ? image.scaled(4 * kThumb, 4 * kThumb, Qt::KeepAspectRatio, Qt::FastTransformation)
          : image;
  const QImage scaled =
      source.scaled(kThumb, kThumb, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  p.drawImage((kThumb - scaled.width()) / 2, (kThumb - scaled.height()) / 2, scaled);
  return QIcon(pm);
}
}  // namespace

GalleryPanel::GalleryPanel(QWidget* parent) : QWidget(parent) {
  auto* root = new QVBoxLayout(this);
  root->setContentsMargins(8, 8, 8, 8);
  caption_ = new QLabel(tr("Candidates of a run appear here."));
  caption_->setWordWrap(true);
  root->addWidget(caption_);

  list_ = new QListWidget;
  list_->setViewMode(QListView::IconMode);
  list_->setIconSize(QSize(kThumb, kThumb));
  list_->setGridSize(QSize(kThumb + 12, kThumb + 24));
  list_->setResizeMode(QListView::Adjust);
  list_->setMovement(QListView::Static);
  list_->setSelectionMode(QAbstractItemView::SingleSelection);
  list_->setMinimumHeight(kThumb + 32);
  root->addWidget(list_, 1);
  connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
    updateButtons();
    emit candidateSelected(row);
  });
  connect(list_, &QListWidget::itemDoubleClicked, this,
          [this](QListWidgetItem* item) { emit applyRequested(list_->row(item)); });

  apply_ = new QPushButton(style()->standardIcon(QStyle::SP_DialogApplyButton), tr("Apply"));
  apply_->setToolTip(tr("Commit the selected candidate to the image (undoable)"));
  discard_ = new QPushButton(style()->standardIcon(QStyle::SP_DialogDiscardButton), tr("Discard"));
  discard_->setToolTip(tr("Drop these candidates"));
  connect(apply_, &QPushButton::clicked, this, [this] { emit applyRequested(selected()); });
  connect(discard_, &QPushButton::clicked, this, &GalleryPanel::discardRequested);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(apply_);
  buttons->addWidget(discard_);
  root->addLayout(buttons);
  updateButtons();
}

void GalleryPanel::showRun(const RunRecord& run) {
  QSignalBlocker block(list_);
  list_->clear();
  images_ = run.images;
  runId_ = run.id;
  for (int i = 0; i < images_.size(); ++i) {
    auto* item = new QListWidgetItem(thumbnail(images_[i]), tr("#%1").arg(i + 1));
    if (i < run.seeds.size()) item->setToolTip(tr("Seed %1").arg(run.seeds[i]));
    list_->addItem(item);
  }
  caption_->setText(tr("Run %1 · %2 · %n candidate(s)", nullptr, int(images_.size()))
                        .arg(run.id)
                        .arg(modeName(run.settings.mode)));
  updateButtons();
}

void GalleryPanel::clear() {
  QSignalBlocker block(list_);
  list_->clear();
  images_.clear();
  runId_ = 0;
  caption_->setText(tr("Candidates of a run appear here."));
  updateButtons();
}

int GalleryPanel::count() const { return int(images_.size()); }
int GalleryPanel::selected() const { return list_->currentRow(); }

QImage GalleryPanel::candidate(int index) const {
  return index >= 0 && index < images_.size() ? images_[index] : QImage();
}

void GalleryPanel::select(int index) { list_->setCurrentRow(index); }

void GalleryPanel::updateButtons() {
  apply_->setEnabled(selected() >= 0);
  discard_->setEnabled(!images_.isEmpty());
}
