#pragma once
// Minimal, strict argument parsing for promptbrush-cli verbs: --name VALUE,
// --name=VALUE, boolean --flag, positionals, and "--" ending the options.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pbcli {

class Args {
 public:
  // value_options take a value; flags do not. Unknown options are an error.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
       const std::set<std::string>& flags);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  std::string value_or(const std::string& name, const std::string& fallback) const;
  // Parses an integer/float option; sets error() and returns fallback when malformed.
  long long int_or(const std::string& name, long long fallback);
  double double_or(const std::string& name, double fallback);
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positionals_;
  std::string error_;
};

// Prints "promptbrush-cli: <message>" to stderr and returns the exit code 2.
int fail(const std::string& message);

}  // namespace pbcli
