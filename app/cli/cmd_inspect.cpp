// promptbrush-cli inspect: what a checkpoint file holds, to check a download against
// the model author's description (the summary itself is engine/io/inspect.h).
#include <iostream>

#include "app/cli/args.h"
#include "engine/core/command_registry.h"
#include "engine/io/checkpoint.h"
#include "engine/io/inspect.h"

namespace {

const char* kHelp =
    "Usage: promptbrush-cli inspect [--json] FILE\n\n"
    "Reads a model checkpoint (PyTorch .pt/.ckpt/.th zip or legacy torch.save file,\n"
    "safetensors, or TorchScript archive) and prints its container format, tensor count,\n"
    "parameter total, dtypes, metadata, and for every tensor its name, dtype, shape and\n"
    "the float64 sum of its elements (compare sums to check a download).\n\n"
    "  --json   print everything as one JSON object:\n"
    "           {\"path\", \"format\", \"tensor_count\", \"parameter_total\", \"byte_total\",\n"
    "            \"dtypes\", \"metadata\", \"tensors\": [{\"name\", \"dtype\", \"shape\", "
    "\"sum\"}]}\n\n"
    "Exit status: 0 on success, 1 if the file cannot be read (one-line error on stderr),\n"
    "2 on a usage error.\n";

int run_inspect(const std::vector<std::string>& argv) {
  pbcli::Args args(argv, {}, {"--json", "--help", "-h"});
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << kHelp;
    return 0;
  }
  if (!args.ok()) return pbcli::fail(args.error());
  if (args.positionals().size() != 1)
    return pbcli::fail("inspect takes exactly one FILE (see promptbrush-cli inspect --help)");
  // Errors (pb::Error naming the file) are printed on one line by main().
  const pb::io::CheckpointSummary summary =
      pb::io::summarize(pb::io::load_checkpoint(args.positionals()[0]));
  if (args.flag("--json"))
    std::cout << pb::io::format_json(summary) << "\n";
  else
    std::cout << pb::io::format_text(summary);
  return 0;
}

}  // namespace

PB_REGISTER_COMMAND("inspect", "show a checkpoint's format, tensors, shapes and sums", run_inspect);
