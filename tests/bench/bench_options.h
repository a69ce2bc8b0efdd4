#pragma once
// Command-line options of a bench verb: "--name value" and "--flag" arguments checked
// against what the verb accepts.
//
//   const BenchOptions o(args, {"--model", "--steps"}, {"--profile"});  // throws on unknown
//   if (o.help()) { std::cout << kHelp; return 0; }
//   const int steps = o.get_int("--steps", 3);
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pb::bench {

class BenchOptions {
 public:
  // Throws std::invalid_argument naming an unknown option or a value that is missing.
  BenchOptions(const std::vector<std::string>& args, const std::set<std::string>& with_value,
               const std::set<std::string>& flags);

  bool help() const { return help_; }  // --help or -h
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  // Throws std::invalid_argument when the value is not an integer.
  long long get_int(const std::string& name, long long fallback) const;

 private:
  bool help_ = false;
  std::set<std::string> flags_;
  std::map<std::string, std::string> values_;
};

}  // namespace pb::bench
