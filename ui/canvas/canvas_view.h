#pragma once
// The canvas: shows a Document's image (or its pending preview) with the mask as a tinted
// overlay, and paints the mask with the mouse.
//
// Mouse: left drag paints with the current tool; middle drag, and left drag while Space is
// held, pan; the wheel zooms around the cursor; Ctrl+wheel changes the brush size.
// Keys, handled here in keyPressEvent while the canvas has focus, and sent here by
// CanvasKeyRouter while another widget of the window has it, unless that is a text field
// (the canvas and the router claim them through
// ShortcutOverride, so a window action bound to the same key never fires twice; still, the
// main window must NOT give B, E, [, ], Tab, Space, +, -, 0 or 1 QAction shortcuts — use Ctrl+
// variants for its zoom actions):
//   B brush, E eraser, [ and ] brush size, Tab held: show the original (no overlay, no
//   preview), Space held: pan with the left button, + / = zoom in, - zoom out, 0 fit, 1 100%.
// Tab therefore does not move the focus out of the canvas (Shift+Tab still does). Any other
// shortcut pressed during a stroke (Ctrl+Z) ends the stroke first.
//
// Zoom is in screen pixels per image pixel (1 = 100%, one image pixel per device pixel).
#include <QColor>
#include <QImage>
#include <QPixmap>
#include <QPointF>
#include <QPointer>
#include <QVector>
#include <QWidget>

#include "ui/canvas/change_region.h"
#include "ui/canvas/mip_chain.h"
#include "ui/document/mask_brush.h"

class Document;

class CanvasView : public QWidget {
  Q_OBJECT

 public:
  enum class Tool { Brush, Eraser };
  Q_ENUM(Tool)

  static constexpr int kMinBrushSize = kMinBrushDiameter;
  static constexpr int kMaxBrushSize = kMaxBrushDiameter;
  static constexpr qreal kMinZoom = 1.0 / 64;
  static constexpr qreal kMaxZoom = 64;

  explicit CanvasView(QWidget* parent = nullptr);
  ~CanvasView() override;

  void setDocument(Document* doc);
  Document* document() const;

  void setTool(Tool tool);
  Tool tool() const { return tool_; }
  // Diameter in image pixels, clamped to kMinBrushSize..kMaxBrushSize.
  void setBrushSize(int imagePixels);
  int brushSize() const { return brushSize_; }
  // 0 = soft falloff from the centre, 1 = hard edge.
  void setHardness(qreal hardness);
  qreal hardness() const { return hardness_; }

  void setOverlayOpacity(qreal opacity);
  qreal overlayOpacity() const { return overlayOpacity_; }
  void setOverlayColor(const QColor& color);
  QColor overlayColor() const { return overlayColor_; }
  // Whether the mask overlay is also drawn over a pending preview (default: no, so that the
  // result can be judged).
  void setOverlayOnPreview(bool on);
  // The region a pending inpainting will change (change_region.h), drawn over the mask
  // overlay where that is drawn. A null region, or one of another size, draws nothing; a new
  // image clears it.
  void setChangeRegion(const ChangeRegion& region);
  const ChangeRegion& changeRegion() const { return changeRegion_; }

  qreal zoom() const { return zoom_; }
  // Keeps the image point under anchorWidgetPos where it is.
  void setZoom(qreal z, const QPointF& anchorWidgetPos);
  void zoomIn();
  void zoomOut();
  void fitToWindow();
  void actualSize();
  void setShowOriginal(bool on);
  bool showOriginal() const { return showOriginal_ || tabHeld_; }

  QPointF widgetToImage(const QPointF& widgetPos) const;
  QPointF imageToWidget(const QPointF& imagePos) const;
  // The widget rectangle covering the image rectangle `r` (rounded outwards).
  QRect imageRectToWidget(const QRectF& r) const;

  QSize sizeHint() const override { return {800, 600}; }

  // The single keys the canvas handles (the list above), one entry per key: for the shortcuts
  // dialog and for CanvasKeyRouter, which brings them here from the rest of the window.
  struct KeyBinding {
    Qt::Key key;
    bool held;            // acts while held down (Tab, Space)
    QString description;  // translated
  };
  static QVector<KeyBinding> keyBindings();
  // Whether `e` is one of those keys with the modifiers it takes.
  static bool handlesKey(const QKeyEvent* e);
  // Forgets held Tab and Space (their release will not arrive here).
  void releaseHeldKeys();

 signals:
  void zoomChanged(qreal zoom);
  void brushSizeChanged(int size);
  void toolChanged(CanvasView::Tool tool);
  void hardnessChanged(qreal hardness);

 protected:
  bool event(QEvent* e) override;
  void paintEvent(QPaintEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void keyReleaseEvent(QKeyEvent* e) override;
  void leaveEvent(QEvent* e) override;
  void focusOutEvent(QFocusEvent* e) override;

 private:
  enum class Drag { None, Paint, Pan };

  void onImageReplaced();
  void onImageChanged(const QRect& dirty);
  void onMaskChanged(const QRect& dirty);
  void rebuildOverlayLut();
  void updateOverlay(const QRect& imageRect);
  qreal scale() const;  // widget (logical) pixels per image pixel
  void clampOffset();
  void setOffset(const QPointF& offset);
  void setCursorPos(const QPointF& pos, bool visible);
  QRect outlineRect(const QPointF& widgetPos) const;
  void updateCursorShape();
  void endDrag();
  // Draws `image`, which covers the document image at `factor` image pixels per pixel.
  void drawImageLayer(QPainter& p, const QImage& image, int factor, const QRect& exposed,
                      bool smooth) const;
  // The mip level to draw from at the current scale (0 = the full-size image).
  int mipLevel() const;
  // `base` or one of its mip levels, brought up to date first.
  const QImage& layerLevel(const QImage& base, MipChain* mips, bool* valid, QRect* dirty, int k,
                           int* factor);

  QPointer<Document> doc_;
  Tool tool_ = Tool::Brush;
  int brushSize_ = 40;
  qreal hardness_ = 0.8;
  qreal overlayOpacity_ = 0.5;
  QColor overlayColor_ = QColor(255, 40, 80);
  bool overlayOnPreview_ = false;

  qreal zoom_ = 1;
  QPointF offset_;          // widget position of the image's top-left corner
  bool fitPending_ = true;  // keep fitting on resize until the person zooms or pans

  // The mask, tinted: premultiplied colour with the mask as alpha. Kept in step with the
  // mask through its dirty rectangles, so a paint event only blits.
  QImage overlay_;
  QRect overlayBounds_;  // holds every non-zero overlay pixel; nothing to draw outside it
  QRgb overlayLut_[256];
  QPixmap checker_;
  ChangeRegion changeRegion_;
  // Area-averaged half sizes for zoomed-out drawing, built on first need and then kept in
  // step through dirty rectangles.
  MipChain imageMips_, previewMips_, overlayMips_, regionMips_;
  bool imageMipsValid_ = false, previewMipsValid_ = false, overlayMipsValid_ = false,
       regionMipsValid_ = false;
  QRect imageMipsDirty_, overlayMipsDirty_, previewMipsDirty_, regionMipsDirty_;
  qint64 previewMipsKey_ = 0;

  Drag drag_ = Drag::None;
  QPointF dragLast_;
  bool spaceHeld_ = false;
  bool tabHeld_ = false;
  bool showOriginal_ = false;
  QPointF cursorPos_;
  bool cursorVisible_ = false;
  int sizeWheelAccum_ = 0;  // Ctrl+wheel angle not yet turned into a size step
};
