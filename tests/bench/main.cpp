// promptbrush-bench: speed and memory figures. Each verb is a bench_*.cpp that
// registers itself (engine/core/command_registry.h).
#include "engine/core/command_registry.h"

int main(int argc, char** argv) { return pb::run_command_line("promptbrush-bench", argc, argv); }
