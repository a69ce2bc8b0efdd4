// promptbrush-cli: the engine from a terminal. Each verb is a cmd_*.cpp that
// registers itself (engine/core/command_registry.h).
#include "engine/core/command_registry.h"

int main(int argc, char** argv) { return pb::run_command_line("promptbrush-cli", argc, argv); }
