// promptbrush-cli inpaint: GLIDE mask-based inpainting of an image file.
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/run_common.h"
#include "engine/core/command_registry.h"
#include "engine/pipelines/image_convert.h"

namespace {

constexpr const char* kUsage =
    R"(Usage: promptbrush-cli inpaint --image IN --mask MASK --prompt TEXT --out OUT.png [options]

Repaints the masked part of IN so that it shows TEXT, with GLIDE (filtered): a square window
around each group of painted regions is generated at 64x64, upsampled to 256x256 and pasted
back at IN's resolution; pixels outside the (slightly grown) mask keep their exact values.

  --image IN             PNG, JPEG, WebP, TIFF or BMP, any size
  --mask MASK            same size as IN; white = change, black = keep (a mask with an
                         alpha channel: transparent = change); grey counts as change, as
                         the soft edge of a mask the app exports (save masks as PNG)
  --prompt TEXT          what should appear in the masked area
  --grow N|auto          grow the painted area by N pixels (negative: shrink) into the
                         region that is regenerated (default auto: the window's side / 64,
                         at least 2)
  --feather N|auto       blend the seam over the outer N pixels of the grown ring (default
                         auto: the grow; 0: a hard edge); painted pixels are always replaced
  --colour-match         shift the result by the mean colour step at the seam (at most 32
                         levels); --no-colour-match: keep its colours (the default)
  --classic telea|ns     no models: fill the mask with OpenCV's Telea or Navier-Stokes
                         inpainting instead (ignores the GLIDE options)
)";

// --grow / --feather: absent or "auto" leave the engine's choice.
bool parse_edge(pbcli::Args& args, const std::string& name, std::optional<int>& out) {
  const auto v = args.value(name);
  if (!v || *v == "auto") return true;
  const long long n = args.int_or(name, 0);
  if (!args.ok() || n < -512 || n > 512) return false;
  out = int(n);
  return true;
}

int run_inpaint(const std::vector<std::string>& argv) {
  for (const auto& a : argv)
    if (a == "--help" || a == "-h") {
      std::cout << kUsage << pbcli::run_options_help()
                << "\nNeeds base_inpaint.pt, upsample_inpaint.pt, encoder.json.gz and "
                   "vocab.bpe.gz in the models folder\n(`promptbrush-cli models` lists them "
                   "with their download addresses).\nExit status: 0 done, 1 failed, 2 bad "
                   "usage, 130 interrupted (Ctrl-C cancels within one step).\n";
      return 0;
    }
  auto values = pbcli::run_value_options();
  values.insert({"--image", "--mask", "--prompt", "--classic", "--grow", "--feather"});
  auto flags = pbcli::run_flags();
  flags.insert("--colour-match");
  flags.insert("--no-colour-match");
  pbcli::Args args(argv, values, flags);
  if (!args.ok()) return pbcli::fail("inpaint: " + args.error());
  if (!args.positionals().empty())
    return pbcli::fail("inpaint: unexpected argument '" + args.positionals()[0] + "'");
  auto image = args.value("--image");
  auto mask = args.value("--mask");
  if (!image || !mask) return pbcli::fail("inpaint: --image and --mask are required (see --help)");
  pbcli::RunOptions opts;
  if (!pbcli::parse_run_options(args, "inpaint", opts, pb::pipelines::GlideMode::inpaint)) return 2;
  pb::MaskSettings mask_settings;
  if (!parse_edge(args, "--grow", mask_settings.grow_px))
    return pbcli::fail("inpaint: --grow must be auto or a whole number of pixels, -512 to 512");
  if (!parse_edge(args, "--feather", mask_settings.feather_px) ||
      (mask_settings.feather_px && *mask_settings.feather_px < 0))
    return pbcli::fail("inpaint: --feather must be auto or a number of pixels, 0 to 512");
  if (args.flag("--colour-match") && args.flag("--no-colour-match"))
    return pbcli::fail("inpaint: --colour-match and --no-colour-match exclude each other");
  mask_settings.colour_match = args.flag("--colour-match");

  pb::Image img, msk;
  auto read = pb::guarded([&] {
    img = pb::pipelines::read_image_rgb(*image);
    msk = pb::pipelines::read_mask(*mask);
    return true;
  });
  if (!read.ok()) return pbcli::fail("inpaint: " + read.error().message);
  if (img.width != msk.width || img.height != msk.height)
    return pbcli::fail("inpaint: the mask is " + std::to_string(msk.width) + "x" +
                       std::to_string(msk.height) + " but the image is " +
                       std::to_string(img.width) + "x" + std::to_string(img.height));

  if (auto classic = args.value("--classic")) {
    pb::ClassicFillRequest req;
    if (*classic == "telea") {
      req.method = pb::ClassicMethod::telea;
    } else if (*classic == "ns") {
      req.method = pb::ClassicMethod::navier_stokes;
    } else {
      return pbcli::fail("inpaint: --classic must be telea or ns");
    }
    req.image = std::move(img);
    req.mask = std::move(msk);
    opts.settings.candidates = 1;
    return pbcli::run_and_write(req, opts, "inpaint");
  }
  auto prompt = args.value("--prompt");
  if (!prompt) return pbcli::fail("inpaint: --prompt is required (see --help)");
  pb::InpaintRequest req;
  req.image = std::move(img);
  req.mask = std::move(msk);
  req.prompt = *prompt;
  req.settings = opts.settings;
  req.mask_settings = mask_settings;
  if (!pbcli::read_finish_from(opts, "inpaint", req.finish_from)) return 1;
  return pbcli::run_and_write(req, opts, "inpaint");
}

}  // namespace

PB_REGISTER_COMMAND("inpaint", "repaint a masked area of an image from a prompt (GLIDE)",
                    run_inpaint);
