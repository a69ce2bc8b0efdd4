#include "engine/core/cpu_features.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace pb {

namespace {

// The first CPU's flags (they speak for all), or an empty set.
std::set<std::string> read_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  std::set<std::string> flags;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::string flag;
    while (words >> flag) flags.insert(flag);
    break;
  }
  return flags;
}

const std::set<std::string>& flags() {
  static const std::set<std::string> f = read_flags();
  return f;
}

}  // namespace

bool cpu_has_native_bf16() { return flags().count("avx512_bf16") || flags().count("amx_bf16"); }

bool cpu_has_avx512() {
  return flags().count("avx512f") && flags().count("avx512bw") && flags().count("avx512vl");
}

}  // namespace pb
