#pragma once
// Who the app says it is to Qt and the desktop: organisation and application names (the
// settings and data folders), the version from project(VERSION), the desktop file name
// (Wayland and X11 match windows to packaging/linux/<id>.desktop by it) and the window icon.
class QApplication;

namespace pbapp {

inline constexpr const char* kDesktopId = "io.github.promptbrush.Promptbrush";

void applyAppIdentity(QApplication& app);

}  // namespace pbapp
