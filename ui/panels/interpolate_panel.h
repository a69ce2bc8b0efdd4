#pragma once
// The Interpolate mode's panel: image wells A and B (or, for a text diff, a "from" and a "to"
// caption), a slider through the interpolation, the frame under it, a strip of N thumbnails
// that fills in as frames arrive, and the export buttons. Knows no engine: it says what it
// wants rendered (the strip once a set-up settles, the exact frame once the slider rests) and
// takes frames through slots. Moving the slider shows the nearest frame it already has at
// once; the exact frame replaces it when it comes.
#include <QImage>
#include <QMap>
#include <QMetaType>
#include <QVector>
#include <QWidget>

class InterpolationStrip;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QSpinBox;
class QTimer;
class QToolButton;

// What to interpolate; `generation` changes with every edit, so frames of an older set-up can
// be told apart and dropped.
struct InterpolationSetup {
  QImage imageA, imageB;
  bool textDiff = false;  // imageA toward the caption pair instead of toward imageB
  QString fromCaption, toCaption;
  bool invert = false;  // decode from the inverted noise of the end points
  int frames = 8;       // strip frames, at positions i / (frames - 1)
  quint64 seed = 0;     // the noise every frame shares
  int generation = 0;

  bool isComplete() const;
  QVector<double> stripPositions() const;
};
Q_DECLARE_METATYPE(InterpolationSetup)

class InterpolatePanel : public QWidget {
  Q_OBJECT
 public:
  enum class Well { A = 0, B = 1 };
  enum class ImageSource { Canvas, Candidate, File, Clipboard };
  enum class ExportKind { PngFrames, AnimatedWebp, ContactSheet };
  Q_ENUM(Well)
  Q_ENUM(ImageSource)
  Q_ENUM(ExportKind)
  static constexpr int kSliderSteps = 1000;  // slider value v is position v / kSliderSteps
  static constexpr int kRestMs = 300;        // the slider rests: ask for the exact frame
  static constexpr int kSettleMs = 400;      // a set-up edit settles: ask for the strip

  explicit InterpolatePanel(QWidget* parent = nullptr);

  InterpolationSetup setup() const;
  int generation() const { return generation_; }
  void setImage(Well well, const QImage& image);
  QImage image(Well well) const;
  void setTextDiff(bool on);
  void setCaptions(const QString& from, const QString& to);
  void setInvert(bool on);
  void setFrameCount(int frames);
  void setSeed(quint64 seed);

  double position() const;  // the slider, 0..1
  void setPosition(double t);

  // What the view shows: the frame nearest to the slider among those rendered so far.
  QImage shownFrame() const { return shownFrame_; }
  double shownFramePosition() const { return shownPosition_; }
  bool shownFrameIsExact() const { return shownExact_; }
  QVector<QImage> stripFrames() const { return strip_; }
  bool stripComplete() const;
  int exactFrameCount() const;

  // Widgets, for tests and the window.
  QSlider* slider() const { return slider_; }
  InterpolationStrip* strip() const { return stripView_; }
  QLabel* view() const { return view_; }
  QLabel* statusLabel() const { return status_; }
  QToolButton* wellButton(Well well) const { return wellButtons_[int(well)]; }
  QCheckBox* invertCheck() const { return invert_; }
  QCheckBox* textDiffCheck() const { return textDiff_; }
  QLineEdit* fromEdit() const { return from_; }
  QLineEdit* toEdit() const { return to_; }
  QSpinBox* framesSpin() const { return frames_; }
  QPushButton* exportButton(ExportKind kind) const { return exports_[int(kind)]; }

 public slots:
  // Frames of set-up `generation` (others are dropped): strip frame `index`, or the exact frame
  // at position `t` (slider positions, v / kSliderSteps).
  void setStripFrame(int generation, int index, const QImage& frame);
  void setExactFrame(int generation, double t, const QImage& frame);
  void setStatusText(const QString& text);
  // Asks for the strip now (if complete), without waiting for the set-up to settle.
  void requestStrip();

 signals:
  void imageRequested(InterpolatePanel::Well well, InterpolatePanel::ImageSource source);
  void setupChanged(const InterpolationSetup& setup);  // at once: rendered frames are stale
  void stripRequested(const InterpolationSetup& setup);
  void exactFrameRequested(const InterpolationSetup& setup, double t);
  void exportRequested(InterpolatePanel::ExportKind kind);

 private:
  struct Cached {
    QImage image;
    bool exact = false;
  };
  void changed();
  void onSliderMoved(int value);
  void onSliderRested();
  void showNearest();
  void updateWell(Well well);
  void updateControls();
  static int toSlider(double t);

  QImage images_[2];
  QLabel* wellViews_[2] = {};
  QToolButton* wellButtons_[2] = {};
  QWidget* wellB_ = nullptr;
  QWidget* captions_ = nullptr;
  QLineEdit* from_ = nullptr;
  QLineEdit* to_ = nullptr;
  QCheckBox* textDiff_ = nullptr;
  QCheckBox* invert_ = nullptr;
  QSpinBox* frames_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QSlider* slider_ = nullptr;
  QLabel* view_ = nullptr;
  QLabel* viewCaption_ = nullptr;
  InterpolationStrip* stripView_ = nullptr;
  QLabel* status_ = nullptr;
  QPushButton* exports_[3] = {};
  QTimer* restTimer_ = nullptr;
  QTimer* settleTimer_ = nullptr;

  int generation_ = 0;
  QVector<QImage> strip_;    // by index; null until rendered
  QMap<int, Cached> cache_;  // every rendered frame by slider value (exact ones win)
  QImage shownFrame_;
  double shownPosition_ = -1;
  bool shownExact_ = false;
  bool blockChanges_ = false;
};
