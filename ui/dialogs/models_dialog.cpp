#include "ui/dialogs/models_dialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
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

  table_ = new QTableWidget(0, 3);
  table_->setHorizontalHeaderLabels({tr("File"), tr("Unlocks"), tr("Download")});
  table_->verticalHeader()->hide();
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  table_->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
  table_->setWordWrap(true);
  table_->setMinimumSize(720, 260);
  root->addWidget(table_, 1);

  folder_ = new QLabel;
  folder_->setWordWrap(true);
  folder_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  root->addWidget(folder_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  auto* open = buttons->addButton(tr("Open Models Folder"), QDialogButtonBox::ActionRole);
  open->setIcon(style()->standardIcon(QStyle::SP_DirOpenIcon));
  auto* copy = buttons->addButton(tr("Copy Download Links"), QDialogButtonBox::ActionRole);
  auto* refresh = buttons->addButton(tr("Check Again"), QDialogButtonBox::ActionRole);
  refresh->setIcon(style()->standardIcon(QStyle::SP_BrowserReload));
  connect(open, &QPushButton::clicked, this, [this] {
    QDir().mkpath(modelsDir_);
    QDesktopServices::openUrl(QUrl::fromLocalFile(modelsDir_));
  });
  connect(copy, &QPushButton::clicked, this, [this] {
    QStringList lines;
    for (int r = 0; r < table_->rowCount(); ++r)
      lines << table_->item(r, 2)->data(Qt::UserRole).toString();
    QApplication::clipboard()->setText(lines.join('\n'));
  });
  connect(refresh, &QPushButton::clicked, this, &ModelsDialog::refreshRequested);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  root->addWidget(buttons);
  setFiles(files, modelsDir);
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
         "and <b>unCLIP</b> (Karlo: variations and interpolation). Download them from their "
         "official locations and put them, with these names, into the models folder.</p>");
  intro_->setText(intro);
  folder_->setText(tr("Models folder: %1\n(Change it in Settings, with --models DIR or with "
                      "$PROMPTBRUSH_MODELS.)")
                       .arg(QDir::toNativeSeparators(modelsDir)));

  table_->setRowCount(int(files.size()));
  for (int r = 0; r < files.size(); ++r) {
    const ModelFileEntry& f = files[r];
    auto* name =
        new QTableWidgetItem(style()->standardIcon(f.present ? QStyle::SP_DialogApplyButton
                                                             : QStyle::SP_MessageBoxWarning),
                             f.name);
    name->setToolTip(f.present ? tr("Installed") : tr("Missing"));
    table_->setItem(r, 0, name);
    auto* role = new QTableWidgetItem(f.role);
    role->setToolTip(f.role);
    table_->setItem(r, 1, role);
    auto* url = new QTableWidgetItem(f.url);
    url->setData(Qt::UserRole, f.url);
    url->setToolTip(f.url);
    table_->setItem(r, 2, url);
    auto* link = new QLabel(
        QStringLiteral("<a href=\"%1\">%2</a>").arg(f.url.toHtmlEscaped(), tr("Download")));
    link->setToolTip(f.url);
    link->setOpenExternalLinks(true);
    link->setContentsMargins(4, 0, 4, 0);
    table_->setCellWidget(r, 2, link);
  }
}
