#pragma once
// Shows on the canvas the region the next GLIDE inpainting will change: the engine's
// compositor alpha (pb::pipelines::composite_alpha) for the document's mask and the prompt
// panel's mask-edge settings, computed off the GUI thread. Recomputed when the mask, the
// image or those settings change, while the mask-edge controls apply (Inpaint with GLIDE)
// and "Show the region that changes" is on; otherwise the canvas shows none.
//
// One computation runs at a time; changes made meanwhile are gathered into the next one, and
// only a result for the latest inputs reaches the canvas (the latest request wins).
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>

#include "ui/canvas/change_region.h"

class MainWindow;

namespace pbapp {

class ChangeRegionPreview : public QObject {
  Q_OBJECT
 public:
  explicit ChangeRegionPreview(MainWindow* window, QObject* parent = nullptr);
  ~ChangeRegionPreview() override;  // waits for a computation in flight

  // Whether the canvas should show a region now.
  bool active() const;

 private:
  void schedule();  // the inputs changed
  void start();
  void deliver(quint64 generation, const ChangeRegion& region);
  void show(const ChangeRegion& region);

  QPointer<MainWindow> window_;
  QTimer delay_;            // gathers the dabs of a stroke into one computation
  QThreadPool pool_;        // one thread
  quint64 generation_ = 0;  // of the latest inputs (GUI thread only)
  bool running_ = false;
  bool pending_ = false;  // inputs changed while a computation ran
};

}  // namespace pbapp
