#pragma once
// The one version number, set by project(VERSION) in the top-level CMakeLists.txt and
// written into the build by CMake (cmake/version.h.in); the app, the CLI, PNG metadata,
// the .deb and the AppStream release notes all read it from there.
namespace pb {

const char* version();  // "0.1.0"

}  // namespace pb
