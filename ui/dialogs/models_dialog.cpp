#include "ui/dialogs/models_dialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QResizeEvent>
#include <QStyle>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>

ModelsDialog::ModelsDialog(const QVector<ModelFileEntry>& files, const QString& modelsDir,
                           bool firstRun, QWidget* parent)
    : QDialog(parent), firstRun_(firstRun) {
  setWindowTitle(firstRun ? tr("Welcome to Promptbrush") : tr("Models"));
  auto* root = new QVBoxLayout(this);
  root->setSpacing(10);
  intro_ = new QLabel;
  intro_->setWordWrap(true);
  intro_->setTextFormat(Qt::RichText);
  root->addWidget(intro_);

  table_ = new QTableWidget(0, 4);
  table_->setHorizontalHeaderLabels({tr("File"), tr("For"), tr("Size"), tr("Status")});
  table_->verticalHeader()->hide();
  table_->setAccessibleName(tr("Model files"));
  table_->setToolTip(tr("Each file the modes need: what it is for, its size and whether it "
                        "is verified; select one to see where to get it"));
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  table_->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
  table_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
  QHeaderView* header = table_->horizontalHeader();
  header->setSectionResizeMode(FileColumn, QHeaderView::ResizeToContents);
  header->setSectionResizeMode(UnlocksColumn, QHeaderView::Stretch);
  header->setSectionResizeMode(SizeColumn, QHeaderView::ResizeToContents);
  // A wrong file's first problem can be long: the cell wraps, the tooltip has it all.
  header->setSectionResizeMode(StatusColumn, QHeaderView::Interactive);
  header->resizeSection(StatusColumn, 260);
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->verticalHeader()->setMinimumSectionSize(fontMetrics().height() + 10);  // air
  table_->setWordWrap(true);
  table_->setAlternatingRowColors(true);
  table_->setMinimumHeight(220);
  root->addWidget(table_, 1);
  connect(table_, &QTableWidget::itemSelectionChanged, this, &ModelsDialog::showSelectedLink);

  // The selected file's download link, elided to the dialog's width.
  auto* linkRow = new QHBoxLayout;
  link_ = new QLabel;
  link_->setTextFormat(Qt::RichText);
  link_->setOpenExternalLinks(true);
  link_->setTextInteractionFlags(Qt::TextBrowserInteraction);
  link_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  linkRow->addWidget(link_, 1);
  copyLink_ = new QPushButton(tr("Copy Link"));
  copyLink_->setToolTip(tr("Copy the selected file's download link"));
  connect(copyLink_, &QPushButton::clicked, this,
          [this] { QApplication::clipboard()->setText(selectedUrl()); });
  linkRow->addWidget(copyLink_);
  root->addLayout(linkRow);

  // Where the files go, with a button that opens that folder.
  auto* folderRow = new QHBoxLayout;
  folder_ = new QLabel;
  folder_->setWordWrap(true);
  folder_->setTextFormat(Qt::RichText);
  folder_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  folderRow->addWidget(folder_, 1);
  auto* open = new QPushButton(style()->standardIcon(QStyle::SP_DirOpenIcon), tr("Open Folder"));
  open->setToolTip(tr("Open the models folder (it is created if needed)"));
  connect(open, &QPushButton::clicked, this, [this] {
    QDir().mkpath(modelsDir_);
    QDesktopServices::openUrl(QUrl::fromLocalFile(modelsDir_));
  });
  folderRow->addWidget(open, 0, Qt::AlignTop);
  root->addLayout(folderRow);

  // Downloads run in app/ (promptbrush-fetch-models' downloader); their progress shows here.
  auto* downloadRow = new QHBoxLayout;
  downloadStatus_ = new QLabel;
  downloadStatus_->setWordWrap(true);
  downloadStatus_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  progress_ = new QProgressBar;
  progress_->setAccessibleName(tr("Download progress"));
  progress_->setRange(0, 100);
  progress_->setVisible(false);
  cancelDownload_ = new QPushButton(tr("Cancel Download"));
  cancelDownload_->setToolTip(tr("Stop the download; what arrived is kept and resumed next time"));
  cancelDownload_->setVisible(false);
  connect(cancelDownload_, &QPushButton::clicked, this, &ModelsDialog::downloadCancelRequested);
  downloadRow->addWidget(downloadStatus_, 2);
  downloadRow->addWidget(progress_, 1);
  downloadRow->addWidget(cancelDownload_);
  root->addLayout(downloadRow);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  download_ = buttons->addButton(tr("Download…"), QDialogButtonBox::ActionRole);
  download_->setToolTip(
      tr("Download the selected file, or every file not verified yet, into the models folder; "
         "each file is checked before it is put in place"));
  connect(download_, &QPushButton::clicked, this, [this] {
    QStringList names;
    const int row = table_->currentRow();
    if (row >= 0 && row < files_.size() && files_[row].status != ModelFileEntry::Status::Verified)
      names << files_[row].name;
    else
      for (const ModelFileEntry& f : files_)
        if (f.status != ModelFileEntry::Status::Verified) names << f.name;
    if (!names.isEmpty()) emit downloadRequested(names);
  });
  auto* copyAll = buttons->addButton(tr("Copy All Links"), QDialogButtonBox::ActionRole);
  copyAll->setToolTip(tr("Copy the download address of every file to the clipboard"));
  auto* refresh = buttons->addButton(tr("Check Again"), QDialogButtonBox::ActionRole);
  refresh->setToolTip(tr("Check every file in the models folder again"));
  refresh->setIcon(style()->standardIcon(QStyle::SP_BrowserReload));
  connect(copyAll, &QPushButton::clicked, this, [this] {
    QStringList lines;
    for (int r = 0; r < table_->rowCount(); ++r)
      lines << table_->item(r, FileColumn)->data(UrlRole).toString();
    QApplication::clipboard()->setText(lines.join('\n'));
  });
  connect(refresh, &QPushButton::clicked, this, &ModelsDialog::refreshRequested);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  root->addWidget(buttons);
  setFiles(files, modelsDir);
  resize(900, 600);
}

QString ModelsDialog::selectedUrl() const {
  const QList<QTableWidgetItem*> items = table_->selectedItems();
  if (items.isEmpty()) return {};
  return table_->item(items.first()->row(), FileColumn)->data(UrlRole).toString();
}

void ModelsDialog::showSelectedLink() {
  const QString url = selectedUrl();
  copyLink_->setEnabled(!url.isEmpty());
  if (url.isEmpty()) {
    link_->setText(tr("Select a file to see where to download it."));
    link_->setToolTip({});
    return;
  }
  const QString name = table_->item(table_->currentRow(), FileColumn)->text();
  const QString prefix = tr("Download %1 from").arg(name);
  // Elide the URL's text (never the link itself) so the row keeps its width.
  const QFontMetrics fm(link_->font());
  const int room = qMax(120, link_->width() - fm.horizontalAdvance(prefix + QStringLiteral("  ")));
  const QString shown = fm.elidedText(url, Qt::ElideMiddle, room);
  link_->setText(QStringLiteral("%1 <a href=\"%2\">%3</a>")
                     .arg(prefix.toHtmlEscaped(), url.toHtmlEscaped(), shown.toHtmlEscaped()));
  link_->setToolTip(url);
}

void ModelsDialog::resizeEvent(QResizeEvent* event) {
  QDialog::resizeEvent(event);
  showSelectedLink();
}

void ModelsDialog::setFiles(const QVector<ModelFileEntry>& files, const QString& modelsDir) {
  modelsDir_ = modelsDir;
  QString intro;
  if (firstRun_)
    intro =
        tr("<p><b>Promptbrush works without any model.</b> The Inpaint mode fills what you "
           "paint with OpenCV's classic inpainting (Telea or Navier-Stokes).</p>");
  intro +=
      tr("<p>The files below unlock <b>GLIDE</b> (text-guided inpainting and text to image) "
         "and <b>unCLIP</b> (Karlo: variations and interpolation). Select a file to see its "
         "official download link, or press Download… to fetch it here.</p>");
  intro_->setText(intro);
  folder_->setText(
      tr("Put the files, with these names, into the models folder:<br><b>%1</b><br>"
         "<code>promptbrush-fetch-models</code> downloads and checks them all there from a "
         "terminal. Change the folder in Settings, with <code>--models DIR</code> or with "
         "<code>$PROMPTBRUSH_MODELS</code>.")
          .arg(QDir::toNativeSeparators(modelsDir).toHtmlEscaped()));

  files_ = files;
  const int previousRow = table_->currentRow();
  table_->setRowCount(int(files.size()));
  int firstMissing = -1;
  bool anyToFetch = false;
  for (int r = 0; r < files.size(); ++r) {
    const ModelFileEntry& f = files[r];
    const bool ok = f.status == ModelFileEntry::Status::Verified;
    anyToFetch = anyToFetch || !ok;
    if (!ok && firstMissing < 0) firstMissing = r;
    auto* name = new QTableWidgetItem(f.name);
    name->setData(UrlRole, f.url);
    name->setToolTip(f.url);
    table_->setItem(r, FileColumn, name);
    auto* role = new QTableWidgetItem(f.role);
    role->setToolTip(f.role);
    table_->setItem(r, UnlocksColumn, role);
    auto* size = new QTableWidgetItem(f.size);
    size->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    table_->setItem(r, SizeColumn, size);
    auto* status = new QTableWidgetItem(
        style()->standardIcon(ok ? QStyle::SP_DialogApplyButton : QStyle::SP_MessageBoxWarning),
        statusText(f));
    status->setToolTip(f.detail.isEmpty() ? statusText(f) : f.detail);
    table_->setItem(r, StatusColumn, status);
  }
  download_->setEnabled(anyToFetch && !downloading_);
  const int row =
      previousRow >= 0 && previousRow < table_->rowCount() ? previousRow : qMax(0, firstMissing);
  if (table_->rowCount() > 0) table_->selectRow(row);
  showSelectedLink();
}

QString ModelsDialog::statusText(const ModelFileEntry& f) {
  switch (f.status) {
    case ModelFileEntry::Status::Verified:
      return tr("Verified");
    case ModelFileEntry::Status::Wrong:
      return tr("Wrong: %1").arg(f.problem);
    case ModelFileEntry::Status::Unreadable:
      return tr("Unreadable: %1").arg(f.problem);
    case ModelFileEntry::Status::Missing:
      break;
  }
  return tr("Missing");
}

void ModelsDialog::setDownloadProgress(const QString& text, int percent) {
  downloading_ = true;
  download_->setEnabled(false);
  progress_->setVisible(true);
  cancelDownload_->setVisible(true);
  cancelDownload_->setEnabled(true);
  progress_->setRange(0, percent < 0 ? 0 : 100);  // 0..0: busy
  if (percent >= 0) progress_->setValue(percent);
  downloadStatus_->setText(text);
}

void ModelsDialog::setDownloadFinished(const QString& summary) {
  downloading_ = false;
  progress_->setVisible(false);
  cancelDownload_->setVisible(false);
  downloadStatus_->setText(summary);
  bool anyToFetch = false;
  for (const ModelFileEntry& f : files_) anyToFetch |= f.status != ModelFileEntry::Status::Verified;
  download_->setEnabled(anyToFetch);
}
