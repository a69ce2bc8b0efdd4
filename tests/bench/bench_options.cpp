#include "bench_options.h"

#include <stdexcept>

namespace pb::bench {

BenchOptions::BenchOptions(const std::vector<std::string>& args,
                           const std::set<std::string>& with_value,
                           const std::set<std::string>& flags) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      help_ = true;
    } else if (flags.count(a)) {
      flags_.insert(a);
    } else if (with_value.count(a)) {
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      values_[a] = args[++i];
    } else {
      throw std::invalid_argument("unknown option " + a + " (see --help)");
    }
  }
}

std::string BenchOptions::get(const std::string& name, const std::string& fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

long long BenchOptions::get_int(const std::string& name, long long fallback) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != it->second.size())
    throw std::invalid_argument(name + " expects an integer, got '" + it->second + "'");
  return v;
}

}  // namespace pb::bench
