#include "engine/core/cpu_features.h"

#include <fstream>
#include <sstream>
#include <string>

namespace pb {

namespace {

bool read_native_bf16() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::string flag;
    while (words >> flag)
      if (flag == "avx512_bf16" || flag == "amx_bf16") return true;
    return false;  // the first CPU's flags speak for all
  }
  return false;
}

}  // namespace

bool cpu_has_native_bf16() {
  static const bool native = read_native_bf16();
  return native;
}

}  // namespace pb
