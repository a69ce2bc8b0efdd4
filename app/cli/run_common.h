#pragma once
// Shared pieces of the CLI verbs that run pipelines (inpaint, text2im with GLIDE; variations,
// unclip with Karlo): the common options, the terminal progress bar, Ctrl-C as cancel, and
// writing the result PNGs with their generation parameters.
#include <functional>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "engine/pipelines/presets.h"
#include "engine/runtime/engine.h"

namespace pbcli {

// Value options and flags every run verb accepts (on top of its own).
std::set<std::string> run_value_options();
std::set<std::string> run_flags();
// The help text block describing them.
const char* run_options_help();

// What every run verb shares: the engine, the output and the terminal.
struct CommonOptions {
  pb::EngineConfig engine;
  std::string models_source;  // "--models", "$PROMPTBRUSH_MODELS", ...
  std::string out;            // OUT.png
  bool quiet = false;
};

struct RunOptions : CommonOptions {
  pb::GlideSettings settings;
  std::vector<std::string> finish_from;  // --finish-from files
};

// Parses the shared options (the mode's preset first, then the individual overrides).
// Returns false after printing the reason (exit code 2).
bool parse_run_options(Args& args, const std::string& verb, RunOptions& out,
                       pb::pipelines::GlideMode mode);
// Reads the --finish-from images; false after printing why (exit code 1).
bool read_finish_from(const RunOptions& options, const std::string& verb,
                      std::vector<pb::Image>& out);
// Where an explored candidate's base output of window `window` (of `windows`) is written.
std::string base_path(const std::string& candidate_png, int window, int windows);

// The unCLIP verbs (variations, unclip).
struct KarloRunOptions : CommonOptions {
  pb::KarloSettings settings;
};
std::set<std::string> karlo_value_options();
std::set<std::string> karlo_flags();
const char* karlo_options_help();
bool parse_karlo_options(Args& args, const std::string& verb, KarloRunOptions& out);

// Runs a request on an engine built from options with a progress bar on stderr and Ctrl-C
// as cancel. Returns 0 with `result` filled, or the exit code after printing why (1 failed,
// 130 cancelled). on_frame: multi-frame jobs, as each frame is final.
int run_job(const pb::JobRequest& request, const CommonOptions& options, const std::string& verb,
            pb::RunResult& result, const std::function<void(int, const pb::Image&)>& on_frame = {});
// run_job, then writes OUT.png (or OUT-1.png, OUT-2.png ... for several candidates) with the
// generation parameters in text chunks, and returns the process exit code.
int run_and_write(const pb::JobRequest& request, const CommonOptions& options,
                  const std::string& verb);

// Output file of candidate i (0-based) of n: OUT.png for one, OUT-1.png ... for several.
std::string candidate_path(const std::string& out, int i, int n);

}  // namespace pbcli
