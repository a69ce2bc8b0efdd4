// promptbrush-cli text2im: GLIDE text-to-image.
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/run_common.h"
#include "engine/core/command_registry.h"

namespace {

constexpr const char* kUsage =
    R"(Usage: promptbrush-cli text2im --prompt TEXT --out OUT.png [options]

Generates an image from TEXT with GLIDE (filtered): 64x64 base model with classifier-free
guidance, then the 64 -> 256 upsampler.

  --prompt TEXT          what the image should show
  --size WxH             output size (default 256x256): generated square at 256, its centre
                         cropped to the aspect ratio and resized (never stretched)
)";

int run_text2im(const std::vector<std::string>& argv) {
  for (const auto& a : argv)
    if (a == "--help" || a == "-h") {
      std::cout << kUsage << pbcli::run_options_help()
                << "\nNeeds base.pt, upsample.pt, encoder.json.gz and vocab.bpe.gz in the "
                   "models folder\n(`promptbrush-cli models` lists them with their download "
                   "addresses).\nExit status: 0 done, 1 failed, 2 bad usage, 130 interrupted.\n";
      return 0;
    }
  auto values = pbcli::run_value_options();
  values.insert({"--prompt", "--size"});
  pbcli::Args args(argv, values, pbcli::run_flags());
  if (!args.ok()) return pbcli::fail("text2im: " + args.error());
  if (!args.positionals().empty())
    return pbcli::fail("text2im: unexpected argument '" + args.positionals()[0] + "'");
  auto prompt = args.value("--prompt");
  if (!prompt) return pbcli::fail("text2im: --prompt is required (see --help)");
  pbcli::RunOptions opts;
  if (!pbcli::parse_run_options(args, "text2im", opts, pb::pipelines::GlideMode::text2im))
    return 2;
  pb::Text2ImRequest req;
  req.prompt = *prompt;
  req.settings = opts.settings;
  if (auto size = args.value("--size")) {
    int w = 0, h = 0;
    char x = 0, rest = 0;
    if (std::sscanf(size->c_str(), "%d%c%d%c", &w, &x, &h, &rest) != 3 || x != 'x' || w < 1 ||
        h < 1 || w > 8192 || h > 8192)
      return pbcli::fail("text2im: --size expects WxH, e.g. 512x512, got '" + *size + "'");
    req.width = w;
    req.height = h;
  }
  if (!pbcli::read_finish_from(opts, "text2im", req.finish_from)) return 1;
  return pbcli::run_and_write(req, opts, "text2im");
}

}  // namespace

PB_REGISTER_COMMAND("text2im", "generate an image from a prompt (GLIDE)", run_text2im);
