#pragma once
// A tiny sub-command registry shared by promptbrush-cli and promptbrush-bench: each
// verb lives in its own .cpp and registers itself with PB_REGISTER_COMMAND, so
// adding a verb touches no central table.
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pb {

struct Command {
  std::string name;
  std::string summary;                                           // one line for the --help listing
  std::function<int(const std::vector<std::string>& args)> run;  // args exclude the verb
};

inline std::map<std::string, Command>& command_registry() {
  static std::map<std::string, Command> registry;
  return registry;
}

struct CommandRegistrar {
  CommandRegistrar(std::string name, std::string summary,
                   std::function<int(const std::vector<std::string>&)> run) {
    auto key = name;
    command_registry()[key] = Command{std::move(name), std::move(summary), std::move(run)};
  }
};

// main() of a multi-verb tool: `program <verb> [args]`, `program --help` lists the verbs.
// An exception escaping a verb becomes a one-line error and exit code 1.
int run_command_line(const char* program, int argc, char** argv);

}  // namespace pb

#define PB_CONCAT_INNER(a, b) a##b
#define PB_CONCAT(a, b) PB_CONCAT_INNER(a, b)
#define PB_REGISTER_COMMAND(name, summary, fn) \
  static ::pb::CommandRegistrar PB_CONCAT(pb_command_, __LINE__)(name, summary, fn)
