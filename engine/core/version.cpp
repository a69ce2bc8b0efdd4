#include "engine/core/version.h"

#include "promptbrush_version.h"  // generated: PB_VERSION_STRING

namespace pb {

const char* version() { return PB_VERSION_STRING; }

}  // namespace pb
