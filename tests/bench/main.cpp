// promptbrush-bench: speed and memory figures. Each verb is a bench_*.cpp that
// registers itself (engine/core/command_registry.h).
#include <iostream>
#include <string>
#include <vector>

#include "engine/core/command_registry.h"

namespace {

void print_usage(std::ostream& os) {
  os << "Usage: promptbrush-bench <command> [options]\n"
        "       promptbrush-bench <command> --help\n\n"
        "Commands:\n";
  for (const auto& [name, cmd] : pb::command_registry())
    os << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ')
       << cmd.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  auto& registry = pb::command_registry();
  auto it = registry.find(args[0]);
  if (it == registry.end()) {
    std::cerr << "promptbrush-bench: unknown command '" << args[0] << "'\n\n";
    print_usage(std::cerr);
    return 2;
  }
  args.erase(args.begin());
  try {
    return it->second.run(args);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    std::cerr << "promptbrush-bench: " << msg << "\n";
    return 1;
  }
}
