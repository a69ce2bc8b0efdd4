#include "app/gui/app_identity.h"

#include <QApplication>
#include <QIcon>

#include "app/common/app_settings.h"
#include "engine/core/version.h"

namespace pbapp {

void applyAppIdentity(QApplication& app) {
  QApplication::setOrganizationName(kOrganization);
  QApplication::setApplicationName(kApplication);
  QApplication::setApplicationVersion(QString::fromLatin1(pb::version()));
  QGuiApplication::setDesktopFileName(QString::fromLatin1(kDesktopId));
  // Every rendered size, so the window manager never scales a 512 px image down to 16.
  QIcon icon;
  for (int size : {16, 24, 32, 48, 64, 128, 256, 512})
    icon.addFile(QStringLiteral(":/icons/hicolor/%1x%1/apps/%2.png").arg(size).arg(kDesktopId));
  app.setWindowIcon(icon);
}

}  // namespace pbapp
