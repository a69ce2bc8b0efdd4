#include "ui/mainwindow/app_style.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

void applyAppStyle(QApplication& app) {
  QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
  const QColor accent(47, 111, 214);
  QPalette p = QApplication::style()->standardPalette();
  p.setColor(QPalette::Window, QColor(242, 243, 245));
  p.setColor(QPalette::Base, QColor(255, 255, 255));
  p.setColor(QPalette::AlternateBase, QColor(246, 247, 249));
  p.setColor(QPalette::Button, QColor(248, 248, 250));
  p.setColor(QPalette::Highlight, accent);
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, accent);
  app.setPalette(p);
  app.setStyleSheet(QStringLiteral(
      "QDockWidget { font-weight: 600; }"
      "QDockWidget::title { padding: 6px 8px; background: #e6e8ec; }"
      "QDockWidget > QWidget { font-weight: normal; }"
      "QToolButton:checked { background: #2f6fd6; color: white; border: 1px solid #255bb0;"
      "  border-radius: 3px; }"
      "QToolButton[checkable=\"true\"] { padding: 4px 6px; }"
      "QPushButton#generateButton { background: #2f6fd6; color: white; font-weight: 600;"
      "  border: 1px solid #255bb0; border-radius: 4px; padding: 6px 12px; }"
      "QPushButton#generateButton:hover { background: #3a7be6; }"
      "QPushButton#generateButton:disabled { background: #a9bfe3; border-color: #a9bfe3; }"
      "QStatusBar QLabel { color: #505560; padding: 0 6px; }"));
}
