#include "ui/panels/gallery_panel.h"

#include <QAction>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtMath>

namespace {
constexpr int kThumb = 112;

// `ratio` device pixels per logical pixel: the pixmap holds kThumb * ratio pixels and says so,
// so that a 2x screen shows every one of them instead of a doubled 112 px image.
QIcon thumbnail(const QImage& image, qreal ratio) {
  const int edge = qCeil(kThumb * ratio);
  QPixmap pm(edge, edge);
  pm.fill(Qt::transparent);
  {
    QPainter p(&pm);
    // Smooth scaling reads every source pixel (tens of ms per 4K candidate on the GUI thread):
    // first sample down to 4x the thumbnail, then smooth the last step.
    const QImage source =
        image.width() > 4 * edge || image.height() > 4 * edge
            ? image.scaled(4 * edge, 4 * edge, Qt::KeepAspectRatio, Qt::FastTransformation)
            : image;
    const QImage scaled = source.scaled(edge, edge, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    p.drawImage((edge - scaled.width()) / 2, (edge - scaled.height()) / 2, scaled);
  }
  pm.setDevicePixelRatio(ratio);
  return QIcon(pm);
}

QToolButton* smallButton(const QString& text, const QString& tip) {
  auto* b = new QToolButton;
  b->setText(text);
  b->setToolTip(tip);
  b->setAccessibleName(text);
  b->setToolButtonStyle(Qt::ToolButtonTextOnly);
  b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  return b;
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
  list_->setAccessibleName(tr("Candidates"));
  list_->setToolTip(tr("Click to preview in place, double-click to apply"));
  root->addWidget(list_, 1);
  connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
    updateButtons();
    emit candidateSelected(row);
  });
  connect(list_, &QListWidget::itemDoubleClicked, this,
          [this](QListWidgetItem* item) { emit applyRequested(list_->row(item)); });

  apply_ = new QPushButton(style()->standardIcon(QStyle::SP_DialogApplyButton), tr("Apply"));
  apply_->setToolTip(tr("Commit the selected candidate to the image (undoable)"));
  apply_->setObjectName(QStringLiteral("galleryApply"));
  discard_ = new QPushButton(style()->standardIcon(QStyle::SP_DialogDiscardButton), tr("Discard"));
  discard_->setToolTip(tr("Drop these candidates"));
  discard_->setObjectName(QStringLiteral("galleryDiscard"));
  // Clicks leave the keyboard focus where it was: Space on the canvas pans, never re-applies.
  apply_->setFocusPolicy(Qt::TabFocus);
  discard_->setFocusPolicy(Qt::TabFocus);
  connect(apply_, &QPushButton::clicked, this, [this] { emit applyRequested(selected()); });
  connect(discard_, &QPushButton::clicked, this, &GalleryPanel::discardRequested);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(apply_);
  buttons->addWidget(discard_);
  root->addLayout(buttons);
  finish_ = new QPushButton(tr("Finish at full resolution"));
  finish_->setObjectName(QStringLiteral("galleryFinish"));
  finish_->setAccessibleName(tr("Finish at full resolution"));
  finish_->setToolTip(
      tr("Run the upsampler on the selected 64 px candidate: the same pixels "
         "a whole run with its seed gives, without its base stage again"));
  finish_->setFocusPolicy(Qt::TabFocus);
  connect(finish_, &QPushButton::clicked, this, [this] {
    if (selected() >= 0) emit finishRequested(runId_, selected());
  });
  root->addWidget(finish_);

  copy_ = smallButton(tr("Copy"), tr("Copy the selected candidate to the clipboard, with its "
                                     "parameters (Ctrl+Shift+C)"));
  copy_->setObjectName(QStringLiteral("galleryCopy"));
  save_ = smallButton(tr("Save…"), tr("Save the selected candidate as a PNG with its parameters"));
  save_->setObjectName(QStringLiteral("gallerySave"));
  exportAll_ = smallButton(tr("Export All…"), tr("Write every candidate of this run into a folder "
                                                 "(name_01.png, name_02.png, …)"));
  exportAll_->setObjectName(QStringLiteral("galleryExportAll"));
  connect(copy_, &QToolButton::clicked, this, [this] { emit copyRequested(selected()); });
  connect(save_, &QToolButton::clicked, this, [this] { emit saveRequested(selected()); });
  connect(exportAll_, &QToolButton::clicked, this, &GalleryPanel::exportAllRequested);
  auto* handOut = new QHBoxLayout;
  handOut->setSpacing(2);
  handOut->addWidget(copy_);
  handOut->addWidget(save_);
  handOut->addWidget(exportAll_);
  root->addLayout(handOut);

  // The same commands on the thumbnails' context menu.
  list_->setContextMenuPolicy(Qt::ActionsContextMenu);
  for (QToolButton* b : {copy_, save_, exportAll_}) {
    auto* a = new QAction(b->text(), list_);
    connect(a, &QAction::triggered, b, &QToolButton::click);
    list_->addAction(a);
  }
  updateButtons();
}

void GalleryPanel::showRun(const RunRecord& run) {
  QSignalBlocker block(list_);
  list_->clear();
  images_ = run.images;
  runId_ = run.id;
  finishable_ = run.finishable;
  thumbnailRatio_ = list_->devicePixelRatioF();
  for (int i = 0; i < images_.size(); ++i) {
    auto* item = new QListWidgetItem(thumbnail(images_[i], thumbnailRatio_), tr("#%1").arg(i + 1));
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
  finishable_ = false;
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
  const bool one = selected() >= 0;
  apply_->setEnabled(one);
  discard_->setEnabled(!images_.isEmpty());
  finish_->setVisible(finishable_);
  finish_->setEnabled(finishable_ && one);
  copy_->setEnabled(one);
  save_->setEnabled(one);
  exportAll_->setEnabled(!images_.isEmpty());
  const QList<QAction*> menu = list_->actions();
  for (int i = 0; i < menu.size(); ++i) menu[i]->setEnabled(i < 2 ? one : !images_.isEmpty());
}

bool GalleryPanel::event(QEvent* e) {
  // Moved to a screen with another pixel ratio: render the thumbnails again for it.
  if (e->type() == QEvent::ScreenChangeInternal && !images_.isEmpty() &&
      !qFuzzyCompare(list_->devicePixelRatioF(), thumbnailRatio_))
    rebuildThumbnails();
  return QWidget::event(e);
}

void GalleryPanel::rebuildThumbnails() {
  thumbnailRatio_ = list_->devicePixelRatioF();
  for (int i = 0; i < list_->count() && i < images_.size(); ++i)
    list_->item(i)->setIcon(thumbnail(images_[i], thumbnailRatio_));
}
