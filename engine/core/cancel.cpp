#include "engine/core/cancel.h"

namespace pb {

const char* to_string(Phase phase) {
  switch (phase) {
    case Phase::loading:
      return "loading";
    case Phase::encoding:
      return "encoding";
    case Phase::sampling:
      return "sampling";
    case Phase::pasting:
      return "pasting";
  }
  return "?";
}

}  // namespace pb
