#include "ui/panels/interpolate_panel.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/panels/interpolation_strip.h"

namespace {
constexpr int kWell = 88;   // well thumbnails
constexpr int kView = 200;  // the frame under the slider (a dock under the canvas)

QPixmap fitted(const QImage& image, int edge, Qt::TransformationMode mode) {
  return QPixmap::fromImage(image.scaled(edge, edge, Qt::KeepAspectRatio, mode));
}
}  // namespace

bool InterpolationSetup::isComplete() const {
  if (imageA.isNull() || frames < 2) return false;
  return textDiff ? !fromCaption.trimmed().isEmpty() && !toCaption.trimmed().isEmpty()
                  : !imageB.isNull();
}

QVector<double> InterpolationSetup::stripPositions() const {
  QVector<double> out;
  for (int i = 0; i < frames; ++i) out.push_back(frames > 1 ? double(i) / (frames - 1) : 0.0);
  return out;
}

InterpolatePanel::InterpolatePanel(QWidget* parent) : QWidget(parent) {
  qRegisterMetaType<InterpolationSetup>();
  auto* root = new QHBoxLayout(this);
  root->setContentsMargins(8, 4, 8, 4);
  root->setSpacing(12);

  // Left: the two end points (B or the captions).
  auto* ends = new QVBoxLayout;
  auto makeWell = [this](Well well, const QString& title) {
    auto* box = new QWidget;
    auto* col = new QVBoxLayout(box);
    col->setContentsMargins(0, 0, 0, 0);
    col->setSpacing(2);
    auto* view = new QLabel;
    view->setFixedSize(kWell, kWell);
    view->setAlignment(Qt::AlignCenter);
    view->setFrameShape(QFrame::StyledPanel);
    view->setObjectName(QStringLiteral("well%1").arg(title));
    wellViews_[int(well)] = view;
    auto* button = new QToolButton;
    button->setText(tr("Image %1").arg(title));
    button->setToolTip(
        tr("Set image %1 from the canvas, a candidate, a file or the clipboard").arg(title));
    button->setPopupMode(QToolButton::InstantPopup);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    button->setFixedWidth(kWell);
    auto* menu = new QMenu(button);
    const std::pair<ImageSource, QString> sources[] = {
        {ImageSource::Canvas, tr("From the Canvas")},
        {ImageSource::Candidate, tr("From the Selected Candidate")},
        {ImageSource::File, tr("From a File…")},
        {ImageSource::Clipboard, tr("Paste")}};
    for (const auto& [source, text] : sources) {
      QAction* a =
          menu->addAction(text, this, [this, well, s = source] { emit imageRequested(well, s); });
      a->setObjectName(QStringLiteral("well%1Source%2").arg(title).arg(int(source)));
    }
    button->setMenu(menu);
    wellButtons_[int(well)] = button;
    col->addWidget(view);
    col->addWidget(button);
    return box;
  };
  auto* wells = new QHBoxLayout;
  wells->setSpacing(8);
  wells->addWidget(makeWell(Well::A, QStringLiteral("A")));
  wellB_ = makeWell(Well::B, QStringLiteral("B"));
  wells->addWidget(wellB_);
  ends->addLayout(wells);

  captions_ = new QWidget;
  auto* captionForm = new QFormLayout(captions_);
  captionForm->setContentsMargins(0, 0, 0, 0);
  from_ = new QLineEdit;
  from_->setPlaceholderText(tr("a photo of a cat"));
  from_->setToolTip(tr("What image A shows now"));
  to_ = new QLineEdit;
  to_->setPlaceholderText(tr("an anime drawing of a cat"));
  to_->setToolTip(tr("What it should become"));
  captionForm->addRow(tr("From"), from_);
  captionForm->addRow(tr("To"), to_);
  ends->addWidget(captions_);

  textDiff_ = new QCheckBox(tr("Text diff"));
  textDiff_->setToolTip(
      tr("Move image A toward the difference of two captions instead of toward image B"));
  invert_ = new QCheckBox(tr("Inverted end points"));
  invert_->setToolTip(
      tr("Start every frame from the inverted noise of the end points, so that the ends "
         "reconstruct the inputs closely"));
  auto* checks = new QHBoxLayout;
  checks->addWidget(textDiff_);
  checks->addWidget(invert_);
  ends->addLayout(checks);
  auto* numbers = new QHBoxLayout;
  frames_ = new QSpinBox;
  frames_->setRange(2, 16);
  frames_->setValue(8);
  frames_->setToolTip(tr("Frames in the strip"));
  seed_ = new QSpinBox;
  seed_->setRange(0, 999999);
  seed_->setToolTip(tr("The noise every frame shares"));
  auto* framesLabel = new QLabel(tr("Frames"));
  framesLabel->setBuddy(frames_);
  auto* seedLabel = new QLabel(tr("Seed"));
  seedLabel->setBuddy(seed_);
  numbers->addWidget(framesLabel);
  numbers->addWidget(frames_);
  numbers->addWidget(seedLabel);
  numbers->addWidget(seed_, 1);
  ends->addLayout(numbers);
  ends->addStretch(1);
  root->addLayout(ends);

  // Middle: the frame under the slider.
  auto* middle = new QVBoxLayout;
  view_ = new QLabel;
  view_->setObjectName(QStringLiteral("interpolationView"));
  view_->setFixedSize(kView, kView);
  view_->setAlignment(Qt::AlignCenter);
  view_->setFrameShape(QFrame::StyledPanel);
  view_->setText(tr("Choose images A and B"));
  view_->setWordWrap(true);
  viewCaption_ = new QLabel;
  viewCaption_->setAlignment(Qt::AlignCenter);
  middle->addWidget(view_, 0, Qt::AlignHCenter);
  middle->addWidget(viewCaption_);
  middle->addStretch(1);
  root->addLayout(middle);

  // Right: slider, strip, status, export.
  auto* right = new QVBoxLayout;
  slider_ = new QSlider(Qt::Horizontal);
  slider_->setObjectName(QStringLiteral("interpolationSlider"));
  slider_->setRange(0, kSliderSteps);
  slider_->setPageStep(kSliderSteps / 10);
  slider_->setToolTip(
      tr("A ◂ ▸ B: the nearest rendered frame shows at once, the exact one "
         "follows when the slider rests"));
  slider_->setAccessibleName(tr("Position between A and B"));
  auto* ab = new QHBoxLayout;
  ab->addWidget(new QLabel(tr("A")));
  ab->addWidget(slider_, 1);
  ab->addWidget(new QLabel(tr("B")));
  right->addLayout(ab);
  stripView_ = new InterpolationStrip;
  stripView_->reset(frames_->value());
  right->addWidget(stripView_);
  status_ = new QLabel;
  status_->setObjectName(QStringLiteral("interpolationStatus"));
  status_->setWordWrap(true);
  right->addWidget(status_);
  auto* exportRow = new QHBoxLayout;
  const std::pair<ExportKind, QString> kinds[] = {{ExportKind::PngFrames, tr("PNG Frames…")},
                                                  {ExportKind::AnimatedWebp, tr("WebP…")},
                                                  {ExportKind::ContactSheet, tr("Sheet…")}};
  for (const auto& [kind, text] : kinds) {
    auto* b = new QPushButton(text);
    b->setObjectName(QStringLiteral("export%1").arg(int(kind)));
    connect(b, &QPushButton::clicked, this, [this, k = kind] { emit exportRequested(k); });
    exports_[int(kind)] = b;
    exportRow->addWidget(b);
  }
  exports_[int(ExportKind::PngFrames)]->setToolTip(tr("The strip's frames as numbered PNGs"));
  exports_[int(ExportKind::AnimatedWebp)]->setToolTip(tr("The strip as an animated WebP"));
  exports_[int(ExportKind::ContactSheet)]->setToolTip(tr("The strip as one contact sheet"));
  right->addLayout(exportRow);
  right->addStretch(1);
  root->addLayout(right, 1);

  restTimer_ = new QTimer(this);
  restTimer_->setSingleShot(true);
  restTimer_->setInterval(kRestMs);
  connect(restTimer_, &QTimer::timeout, this, &InterpolatePanel::onSliderRested);
  settleTimer_ = new QTimer(this);
  settleTimer_->setSingleShot(true);
  settleTimer_->setInterval(kSettleMs);
  connect(settleTimer_, &QTimer::timeout, this, &InterpolatePanel::requestStrip);

  connect(slider_, &QSlider::valueChanged, this, &InterpolatePanel::onSliderMoved);
  connect(stripView_, &InterpolationStrip::cellClicked, this, [this](int i) {
    const QVector<double> at = setup().stripPositions();
    if (i < at.size()) setPosition(at[i]);
  });
  connect(textDiff_, &QCheckBox::toggled, this, &InterpolatePanel::changed);
  connect(invert_, &QCheckBox::toggled, this, &InterpolatePanel::changed);
  connect(frames_, &QSpinBox::valueChanged, this, &InterpolatePanel::changed);
  connect(seed_, &QSpinBox::valueChanged, this, &InterpolatePanel::changed);
  connect(from_, &QLineEdit::textChanged, this, &InterpolatePanel::changed);
  connect(to_, &QLineEdit::textChanged, this, &InterpolatePanel::changed);
  updateWell(Well::A);
  updateWell(Well::B);
  strip_ = QVector<QImage>(frames_->value());
  updateControls();
}

InterpolationSetup InterpolatePanel::setup() const {
  InterpolationSetup s;
  s.imageA = images_[0];
  s.imageB = images_[1];
  s.textDiff = textDiff_->isChecked();
  s.fromCaption = from_->text().trimmed();
  s.toCaption = to_->text().trimmed();
  s.invert = invert_->isChecked();
  s.frames = frames_->value();
  s.seed = quint64(seed_->value());
  s.generation = generation_;
  return s;
}

void InterpolatePanel::setImage(Well well, const QImage& image) {
  images_[int(well)] = image;
  updateWell(well);
  changed();
}

QImage InterpolatePanel::image(Well well) const { return images_[int(well)]; }
void InterpolatePanel::setTextDiff(bool on) { textDiff_->setChecked(on); }
void InterpolatePanel::setInvert(bool on) { invert_->setChecked(on); }
void InterpolatePanel::setFrameCount(int frames) { frames_->setValue(frames); }
void InterpolatePanel::setSeed(quint64 seed) { seed_->setValue(int(qMin<quint64>(seed, 999999))); }

void InterpolatePanel::setCaptions(const QString& from, const QString& to) {
  blockChanges_ = true;  // one change for both
  from_->setText(from);
  to_->setText(to);
  blockChanges_ = false;
  changed();
}

double InterpolatePanel::position() const { return double(slider_->value()) / kSliderSteps; }
void InterpolatePanel::setPosition(double t) { slider_->setValue(toSlider(t)); }
int InterpolatePanel::toSlider(double t) { return qRound(qBound(0.0, t, 1.0) * kSliderSteps); }

bool InterpolatePanel::stripComplete() const {
  if (strip_.isEmpty()) return false;
  for (const QImage& f : strip_)
    if (f.isNull()) return false;
  return true;
}

int InterpolatePanel::exactFrameCount() const {
  int n = 0;
  for (const Cached& c : cache_) n += c.exact;
  return n;
}

void InterpolatePanel::changed() {
  if (blockChanges_) return;
  ++generation_;
  restTimer_->stop();
  strip_ = QVector<QImage>(frames_->value());
  cache_.clear();
  stripView_->reset(frames_->value());
  shownFrame_ = {};
  shownPosition_ = -1;
  shownExact_ = false;
  updateControls();
  const InterpolationSetup s = setup();
  emit setupChanged(s);
  view_->setPixmap({});
  if (s.isComplete()) {
    view_->setText(tr("Rendering…"));
    settleTimer_->start();
  } else {
    settleTimer_->stop();
    view_->setText(s.textDiff ? tr("Choose image A and type both captions")
                              : tr("Choose images A and B"));
  }
}

void InterpolatePanel::requestStrip() {
  settleTimer_->stop();
  const InterpolationSetup s = setup();
  if (!s.isComplete()) return;
  setStatusText(tr("Rendering the strip: 0 of %1 frames").arg(s.frames));
  emit stripRequested(s);
  // The frame under the slider comes after the strip's first frames, at full size.
  if (!cache_.contains(slider_->value())) restTimer_->start();
}

void InterpolatePanel::setStripFrame(int generation, int index, const QImage& frame) {
  if (generation != generation_ || index < 0 || index >= strip_.size() || frame.isNull()) return;
  strip_[index] = frame;
  stripView_->setFrame(index, frame);
  const int at = toSlider(setup().stripPositions().value(index));
  if (!cache_.value(at).exact) cache_.insert(at, {frame, false});
  const int filled = stripView_->filledCount();
  setStatusText(filled == strip_.size()
                    ? tr("Strip done: %1 frames").arg(filled)
                    : tr("Rendering the strip: %1 of %2 frames").arg(filled).arg(strip_.size()));
  showNearest();
  updateControls();
}

void InterpolatePanel::setExactFrame(int generation, double t, const QImage& frame) {
  if (generation != generation_ || frame.isNull()) return;
  cache_.insert(toSlider(t), {frame, true});
  setStatusText(tr("Frame at %1 finished (%2 px)").arg(t, 0, 'f', 3).arg(frame.width()));
  showNearest();
}

void InterpolatePanel::setStatusText(const QString& text) { status_->setText(text); }

void InterpolatePanel::onSliderMoved(int) {
  stripView_->setMarker(position());
  showNearest();  // cheap: a map lookup and a 256 px pixmap
  restTimer_->start();
}

void InterpolatePanel::onSliderRested() {
  const InterpolationSetup s = setup();
  const int v = slider_->value();
  if (!s.isComplete() || cache_.value(v).exact) return;  // nothing to ask, or already exact
  setStatusText(tr("Rendering the frame at %1 at full size…").arg(position(), 0, 'f', 3));
  emit exactFrameRequested(s, double(v) / kSliderSteps);
}

void InterpolatePanel::showNearest() {
  if (cache_.isEmpty()) return;
  const int v = slider_->value();
  auto best = cache_.lowerBound(v);  // first at or after v
  if (best == cache_.end() ||
      (best != cache_.begin() && v - std::prev(best).key() < best.key() - v) ||
      (best != cache_.begin() && v - std::prev(best).key() == best.key() - v &&
       std::prev(best)->exact && !best->exact))
    best = std::prev(best);
  const double at = double(best.key()) / kSliderSteps;
  if (best->image.cacheKey() != shownFrame_.cacheKey() || at != shownPosition_) {
    shownFrame_ = best->image;
    shownPosition_ = at;
    shownExact_ = best->exact;
    // Upscaled 64 px frames stay blocky on purpose: they are the preview, not the result.
    view_->setPixmap(
        fitted(shownFrame_, kView,
               shownFrame_.width() >= kView ? Qt::SmoothTransformation : Qt::FastTransformation));
  }
  viewCaption_->setText(tr("%1 · showing %2 (%3 px%4)")
                            .arg(position(), 0, 'f', 3)
                            .arg(shownPosition_, 0, 'f', 3)
                            .arg(shownFrame_.width())
                            .arg(best.key() == v && shownExact_ ? tr(", exact") : QString()));
}

void InterpolatePanel::updateWell(Well well) {
  QLabel* v = wellViews_[int(well)];
  const QImage& im = images_[int(well)];
  if (im.isNull()) {
    v->setPixmap({});
    v->setText(well == Well::A ? tr("A") : tr("B"));
  } else {
    v->setPixmap(fitted(im, kWell, Qt::SmoothTransformation));
  }
}

void InterpolatePanel::updateControls() {
  const bool diff = textDiff_->isChecked();
  wellB_->setVisible(!diff);
  captions_->setVisible(diff);
  const bool done = stripComplete();
  for (QPushButton* b : exports_) b->setEnabled(done);
}
