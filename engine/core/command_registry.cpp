#include "engine/core/command_registry.h"

#include <exception>
#include <iostream>

#include "engine/core/error.h"
#include "engine/core/printable.h"
#include "engine/core/version.h"

namespace pb {

namespace {

void print_usage(const char* program, std::ostream& os) {
  os << "Usage: " << program << " <command> [options]\n"
     << "       " << program << " <command> --help\n"
     << "       " << program << " --version\n\n"
     << "Commands:\n";
  for (const auto& [name, cmd] : command_registry())
    os << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') << cmd.summary
       << "\n";
}

}  // namespace

int run_command_line(const char* program, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(program, args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << program << " " << version() << "\n";
    return 0;
  }
  auto& registry = command_registry();
  auto it = registry.find(args[0]);
  if (it == registry.end()) {
    std::cerr << program << ": unknown command '" << printable(args[0]) << "'\n\n";
    print_usage(program, std::cerr);
    return 2;
  }
  args.erase(args.begin());
  try {
    return it->second.run(args);
  } catch (const Error& e) {
    // Our messages are written for people: every line (a shape report lists each key),
    // up to a screenful.
    std::string msg = e.what();
    if (msg.size() > 4000) msg = msg.substr(0, 4000) + "\n...";
    std::cerr << program << ": " << printable(msg, true) << "\n";
    return 1;
  } catch (const std::exception& e) {
    // Others (LibTorch's) carry a backtrace after the first line.
    std::string msg = e.what();
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    std::cerr << program << ": " << printable(msg) << "\n";
    return 1;
  }
}

}  // namespace pb
