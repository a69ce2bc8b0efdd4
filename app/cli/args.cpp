#include "app/cli/args.h"

#include <cstdlib>
#include <iostream>

#include "engine/core/printable.h"

namespace pbcli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
           const std::set<std::string>& flags) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") {
      positionals_.insert(positionals_.end(), argv.begin() + long(i) + 1, argv.end());
      return;
    }
    if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::string name = a;
      std::optional<std::string> inline_value;
      if (auto eq = a.find('='); eq != std::string::npos) {
        name = a.substr(0, eq);
        inline_value = a.substr(eq + 1);
      }
      if (value_options.count(name)) {
        if (inline_value) {
          values_[name] = *inline_value;
        } else if (i + 1 < argv.size()) {
          values_[name] = argv[++i];
        } else {
          error_ = "option " + name + " needs a value";
          return;
        }
      } else if (flags.count(name) && !inline_value) {
        flags_.insert(name);
      } else {
        error_ = "unknown option " + a + " (see --help)";
        return;
      }
    } else {
      positionals_.push_back(a);
    }
  }
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::value_or(const std::string& name, const std::string& fallback) const {
  return value(name).value_or(fallback);
}

long long Args::int_or(const std::string& name, long long fallback) {
  auto v = value(name);
  if (!v) return fallback;
  char* end = nullptr;
  long long r = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0') {
    error_ = "option " + name + " expects an integer, got '" + *v + "'";
    return fallback;
  }
  return r;
}

double Args::double_or(const std::string& name, double fallback) {
  auto v = value(name);
  if (!v) return fallback;
  char* end = nullptr;
  double r = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0') {
    error_ = "option " + name + " expects a number, got '" + *v + "'";
    return fallback;
  }
  return r;
}

int fail(const std::string& message) {
  std::cerr << "promptbrush-cli: " << pb::printable(message, true) << "\n";
  return 2;
}

}  // namespace pbcli
