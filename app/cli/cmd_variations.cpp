// promptbrush-cli variations and unclip: unCLIP (Karlo v1 alpha) image variations and
// text-to-image.
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/run_common.h"
#include "engine/core/command_registry.h"
#include "engine/pipelines/image_convert.h"

namespace {

constexpr const char* kVariationsUsage =
    R"(Usage: promptbrush-cli variations --image IN --out OUT.png [options]

New 256x256 images with the content and style of IN, with unCLIP (Kakao Brain's Karlo v1
alpha): IN's CLIP ViT-L/14 image embedding conditions the 64x64 decoder (classifier-free
guidance), then the 64 -> 256 super-resolution model finishes the images.

  --image IN             PNG, JPEG, WebP, TIFF or BMP, any size (CLIP sees it resized
                         straight to 224x224, as Karlo does)
)";

constexpr const char* kUnclipUsage =
    R"(Usage: promptbrush-cli unclip --prompt TEXT --out OUT.png [options]

Generates 256x256 images of TEXT with unCLIP (Kakao Brain's Karlo v1 alpha): CLIP's text
encoding -> the diffusion prior (a CLIP image embedding) -> the 64x64 decoder -> the 64 -> 256
super-resolution model.

  --prompt TEXT          what the image should show
)";

constexpr const char* kExit =
    "Exit status: 0 done, 1 failed, 2 bad usage, 130 interrupted (Ctrl-C cancels within one "
    "step).\n";

bool wants_help(const std::vector<std::string>& argv) {
  for (const auto& a : argv)
    if (a == "--help" || a == "-h") return true;
  return false;
}

int run_variations(const std::vector<std::string>& argv) {
  if (wants_help(argv)) {
    std::cout << kVariationsUsage << pbcli::karlo_options_help()
              << "\nNeeds decoder-ckpt-step=01000000-of-01000000.ckpt, "
                 "improved-sr-ckpt-step=1.2M.ckpt,\nViT-L-14.pt and bpe_simple_vocab_16e6.txt.gz "
                 "in the models folder (`promptbrush-cli models`\nlists them with their "
                 "download addresses).\n"
              << kExit;
    return 0;
  }
  auto values = pbcli::karlo_value_options();
  values.insert("--image");
  pbcli::Args args(argv, values, pbcli::karlo_flags());
  if (!args.ok()) return pbcli::fail("variations: " + args.error());
  if (!args.positionals().empty())
    return pbcli::fail("variations: unexpected argument '" + args.positionals()[0] + "'");
  auto image = args.value("--image");
  if (!image) return pbcli::fail("variations: --image is required (see --help)");
  pbcli::KarloRunOptions opts;
  if (!pbcli::parse_karlo_options(args, "variations", opts)) return 2;
  pb::VariationsRequest req;
  auto read = pb::guarded([&] {
    req.image = pb::pipelines::read_image_rgb(*image);
    return true;
  });
  if (!read.ok()) return pbcli::fail("variations: " + read.error().message);
  req.settings = opts.settings;
  return pbcli::run_and_write(req, opts, "variations");
}

int run_unclip(const std::vector<std::string>& argv) {
  if (wants_help(argv)) {
    std::cout << kUnclipUsage << pbcli::karlo_options_help()
              << "\nNeeds prior-ckpt-step=01000000-of-01000000.ckpt, ViT-L-14_stats.th, "
                 "decoder-ckpt-step=01000000-of-01000000.ckpt,\nimproved-sr-ckpt-step=1.2M.ckpt, "
                 "ViT-L-14.pt and bpe_simple_vocab_16e6.txt.gz in the models folder.\n"
              << kExit;
    return 0;
  }
  auto values = pbcli::karlo_value_options();
  values.insert("--prompt");
  pbcli::Args args(argv, values, pbcli::karlo_flags());
  if (!args.ok()) return pbcli::fail("unclip: " + args.error());
  if (!args.positionals().empty())
    return pbcli::fail("unclip: unexpected argument '" + args.positionals()[0] + "'");
  auto prompt = args.value("--prompt");
  if (!prompt) return pbcli::fail("unclip: --prompt is required (see --help)");
  pbcli::KarloRunOptions opts;
  if (!pbcli::parse_karlo_options(args, "unclip", opts)) return 2;
  pb::UnclipRequest req;
  req.prompt = *prompt;
  req.settings = opts.settings;
  return pbcli::run_and_write(req, opts, "unclip");
}

}  // namespace

PB_REGISTER_COMMAND("variations", "new images with the content and style of an image (unCLIP)",
                    run_variations);
PB_REGISTER_COMMAND("unclip", "generate images from a prompt through the unCLIP prior (Karlo)",
                    run_unclip);
