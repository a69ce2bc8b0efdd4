#pragma once
// Shared pieces of the CLI verbs that run the GLIDE pipelines (inpaint, text2im): the common
// options, the terminal progress bar, Ctrl-C as cancel, and writing the result PNGs with
// their generation parameters.
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "engine/runtime/engine.h"

namespace pbcli {

// Value options and flags every run verb accepts (on top of its own).
std::set<std::string> run_value_options();
std::set<std::string> run_flags();
// The help text block describing them.
const char* run_options_help();

struct RunOptions {
  pb::GlideSettings settings;
  pb::EngineConfig engine;
  std::string models_source;  // "--models", "$PROMPTBRUSH_MODELS", ...
  std::string out;            // OUT.png
  bool quiet = false;
};

// Parses the shared options (preset first, then the individual overrides). Returns false
// after printing the reason (exit code 2).
bool parse_run_options(Args& args, const std::string& verb, RunOptions& out);

// Runs a request on an engine built from options with a progress bar on stderr and Ctrl-C
// as cancel, writes OUT.png (or OUT-1.png, OUT-2.png ... for several candidates) with the
// generation parameters in text chunks, and returns the process exit code.
int run_and_write(const pb::JobRequest& request, const RunOptions& options,
                  const std::string& verb);

// Output file of candidate i (0-based) of n: OUT.png for one, OUT-1.png ... for several.
std::string candidate_path(const std::string& out, int i, int n);

}  // namespace pbcli
