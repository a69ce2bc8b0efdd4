#include "app/gui/change_region_preview.h"

#include "app/gui/app_controller.h"
#include "app/gui/run_requests.h"
#include "app/gui/image_convert.h"
#include "engine/core/error.h"
#include "engine/pipelines/compositor.h"
#include "ui/canvas/canvas_view.h"
#include "ui/document/document.h"
#include "ui/mainwindow/main_window.h"
#include "ui/panels/mask_refine_box.h"
#include "ui/panels/prompt_panel.h"

namespace pbapp {

namespace {
constexpr int kDelayMs = 40;

ChangeRegion computeRegion(const QImage& mask, const pb::MaskSettings& settings) {
  const pb::Image m = toMask(mask);
  if (pb::pipelines::mask_bbox(m).width == 0) return {};
  auto alpha = pb::guarded([&] { return pb::pipelines::composite_alpha(m, settings); });
  return alpha.ok() ? makeChangeRegion(toQImage(*alpha)) : ChangeRegion{};
}
}  // namespace

ChangeRegionPreview::ChangeRegionPreview(MainWindow* window, QObject* parent)
    : QObject(parent), window_(window) {
  pool_.setMaxThreadCount(1);
  delay_.setSingleShot(true);
  delay_.setInterval(kDelayMs);
  connect(&delay_, &QTimer::timeout, this, &ChangeRegionPreview::start);
  Document* doc = window->document();
  connect(doc, &Document::maskChanged, this, &ChangeRegionPreview::schedule);
  connect(doc, &Document::imageReplaced, this, &ChangeRegionPreview::schedule);
  PromptPanel* prompt = window->promptPanel();
  connect(prompt, &PromptPanel::maskRefineActiveChanged, this, &ChangeRegionPreview::schedule);
  MaskRefineBox* box = prompt->maskRefineBox();
  connect(box, &MaskRefineBox::refinementChanged, this, &ChangeRegionPreview::schedule);
  connect(box, &MaskRefineBox::showRegionToggled, this, &ChangeRegionPreview::schedule);
  schedule();
}

ChangeRegionPreview::~ChangeRegionPreview() { pool_.waitForDone(); }

bool ChangeRegionPreview::active() const {
  if (!window_ || !window_->document()->hasImage()) return false;
  const PromptPanel* prompt = window_->promptPanel();
  return prompt->maskRefineActive() && prompt->maskRefineBox()->showRegion();
}

void ChangeRegionPreview::schedule() {
  ++generation_;
  if (!active()) {
    delay_.stop();
    show({});
    return;
  }
  if (!delay_.isActive()) delay_.start();  // not restarted: a long stroke still updates
}

void ChangeRegionPreview::start() {
  if (!active()) return;
  if (running_) {
    pending_ = true;
    return;
  }
  running_ = true;
  const quint64 generation = generation_;
  const QImage mask = window_->document()->mask();  // shared, detached by the next edit
  const pb::MaskSettings settings =
      maskSettings(window_->promptPanel()->maskRefineBox()->refinement());
  pool_.start([this, generation, mask, settings] {
    ChangeRegion region = computeRegion(mask, settings);
    // The destructor waits for the pool, so `this` is valid here; the call is queued to the
    // GUI thread and dropped if this object is gone by then.
    QMetaObject::invokeMethod(
        this, [this, generation, r = std::move(region)] { deliver(generation, r); },
        Qt::QueuedConnection);
  });
}

void ChangeRegionPreview::deliver(quint64 generation, const ChangeRegion& region) {
  running_ = false;
  if (pending_) {
    pending_ = false;
    start();
    return;
  }
  if (generation == generation_ && active()) show(region);
}

void ChangeRegionPreview::show(const ChangeRegion& region) {
  if (!window_) return;
  CanvasView* canvas = window_->canvas();
  if (region.isNull() && canvas->changeRegion().isNull()) return;
  canvas->setChangeRegion(region);
}

}  // namespace pbapp
