// promptbrush-cli interpolate and textdiff: frames through CLIP image-embedding space
// (DALL-E 2 section 3) with Karlo's decoder, written as numbered PNGs, a contact sheet and an
// animated WebP.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/run_common.h"
#include "engine/core/command_registry.h"
#include "engine/pipelines/frame_export.h"
#include "engine/pipelines/image_convert.h"
#include "engine/pipelines/png_io.h"
#include "engine/pipelines/png_metadata.h"
#include "engine/pipelines/presets.h"

namespace {

constexpr const char* kInterpolateUsage =
    R"(Usage: promptbrush-cli interpolate --image-a A --image-b B --frames N --out DIR [options]

Frames that turn image A into image B through CLIP space (DALL-E 2, section 3): the slerp of
the two CLIP ViT-L/14 image embeddings at N evenly spaced positions, each decoded by Karlo's
decoder with deterministic DDIM from the same noise, so that neighbouring frames stay coherent.

  --image-a A, --image-b B   the two images (PNG, JPEG, WebP, TIFF or BMP, any size)
  --frames N                 frames from A (position 0) to B (position 1), 2..256 (default 8)
  --invert                   start every frame from the slerp of A's and B's DDIM-inverted
                             noise, so that the end frames come back close to A and B (costs
                             one decoder pass per image, once)
)";

constexpr const char* kTextDiffUsage =
    R"(Usage: promptbrush-cli textdiff --image IN --from TEXT --to TEXT --frames N --out DIR [options]

Frames that move IN toward a caption (DALL-E 2's text diffs): IN's CLIP image embedding is
turned toward normalize(text(TO) - text(FROM)) by slerp, from 0 up to --max-theta, and decoded
from IN's DDIM-inverted noise.

  --image IN                 the image
  --from TEXT                what it shows now ("a photo of a cat")
  --to TEXT                  what it should become ("an anime drawing of a cat")
  --frames N                 frames, 2..256 (default 8)
  --max-theta T              how far the last frame turns, 0..1 (default 0.5; the paper uses
                             0.25 - 0.5)
  --no-invert                decode from plain seeded noise instead of IN's inverted noise
)";

constexpr const char* kCommonHelp =
    R"(  --out DIR                  output folder: frame_0001.png ... (generation parameters in
                             text chunks), contact_sheet.png and animation.webp
  --models DIR               models folder (default: $PROMPTBRUSH_MODELS, the "models/dir"
                             setting, or $XDG_DATA_HOME/promptbrush/models)
  --preset fast|default      decoder steps 25 (fast, the default here) or 50
  --steps N                  decoder steps (overrides the preset)
  --guidance S               decoder guidance scale (default 8)
  --seed N                   the noise every frame shares (default: random, printed)
  --sr                       finish every frame to 256x256 with the super-resolution model
                             (about 7 SR steps per frame; without it frames are 64x64)
  --batch N                  frames decoded together (default: 1 on the CPU, 8 on CUDA)
  --refinements N            fixed-point refinements per inversion step, 0..8 (default 1)
  --frame-ms MS              animation: milliseconds per frame (default 125)
  --ping-pong                animation: play forward, then back
  --device auto|cpu|cuda     CUDA (half precision) when available, else CPU (default auto)
  --precision P              CPU precision: auto (default: bfloat16 where native), float32
                             or bfloat16
  --threads N                CPU threads (default: all cores)
  --quiet                    no progress bar

Needs decoder-ckpt-step=01000000-of-01000000.ckpt, ViT-L-14.pt and
bpe_simple_vocab_16e6.txt.gz in the models folder (with --sr also
improved-sr-ckpt-step=1.2M.ckpt); `promptbrush-cli models` lists them with their download
addresses.
Exit status: 0 done, 1 failed, 2 bad usage, 130 interrupted (Ctrl-C cancels within one step).
)";

bool wants_help(const std::vector<std::string>& argv) {
  for (const auto& a : argv)
    if (a == "--help" || a == "-h") return true;
  return false;
}

struct FrameOptions {
  pbcli::KarloRunOptions run;
  pb::InterpolationSettings settings;
  int frames = 8;
  pb::pipelines::AnimationOptions animation;
};

std::set<std::string> value_options(std::set<std::string> own) {
  own.insert({"--out", "--models", "--seed", "--preset", "--device", "--precision", "--threads",
              "--guidance", "--steps", "--frames", "--batch", "--refinements", "--frame-ms"});
  return own;
}

// The shared options; false after printing why (exit code 2).
bool parse_frame_options(pbcli::Args& args, const std::string& verb, FrameOptions& o) {
  // Strips default to the fast preset (the Karlo parser's own default is "default").
  const std::string preset = args.value_or("--preset", "fast");
  if (!pbcli::parse_karlo_options(args, verb, o.run)) return false;
  if (const auto* p = pb::pipelines::find_karlo_preset(preset); p && !args.value("--steps"))
    o.run.settings.decoder_respacing = p->settings.decoder_respacing;
  o.run.settings.super_resolve = args.flag("--sr");
  o.settings.karlo = o.run.settings;
  o.settings.batch = int(args.int_or("--batch", 0));
  o.settings.inversion_refinements = int(args.int_or("--refinements", 1));
  o.frames = int(args.int_or("--frames", 8));
  o.animation.frame_ms = int(args.int_or("--frame-ms", 125));
  o.animation.ping_pong = args.flag("--ping-pong");
  if (!args.ok()) {
    pbcli::fail(verb + ": " + args.error());
    return false;
  }
  if (o.frames < 2 || o.frames > 256) {
    pbcli::fail(verb + ": --frames must be between 2 and 256");
    return false;
  }
  if (o.animation.frame_ms < 1 || o.animation.frame_ms > 60000) {
    pbcli::fail(verb + ": --frame-ms must be between 1 and 60000");
    return false;
  }
  return true;
}

std::vector<float> even_positions(int n, double last) {
  std::vector<float> p;
  for (int i = 0; i < n; ++i) p.push_back(float(last * i / (n - 1)));
  return p;
}

bool read_rgb(const std::string& path, const std::string& verb, pb::Image& out) {
  auto r = pb::guarded([&] {
    out = pb::pipelines::read_image_rgb(path);
    return true;
  });
  if (!r.ok()) pbcli::fail(verb + ": " + r.error().message);
  return r.ok();
}

// Frames, contact sheet and animation into the --out folder.
int write_strip(const pb::JobRequest& req, const std::vector<float>& positions,
                const FrameOptions& o, const std::string& verb) {
  pb::RunResult r;
  if (const int rc = pbcli::run_job(req, o.run, verb, r)) return rc;
  const std::string dir = o.run.out;
  auto written = pb::guarded([&] {
    // Each frame as a result PNG (A1111 "parameters" and "promptbrush" chunks, so that the
    // app restores its settings), plus its position.
    std::filesystem::create_directories(dir);
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < r.images.size(); ++i) {
      char name[32], pos[32];
      std::snprintf(name, sizeof name, "/frame_%04zu.png", i + 1);
      std::snprintf(pos, sizeof pos, "%.9g", double(positions[i]));
      auto texts = pb::pipelines::png_texts_for(r, i);
      texts.push_back({"position", pos, false});
      pb::pipelines::write_png(dir + name, r.images[i], texts);
      paths.push_back(dir + name);
    }
    pb::pipelines::write_png(dir + "/contact_sheet.png", pb::pipelines::contact_sheet(r.images),
                             {});
    pb::pipelines::write_animated_webp(dir + "/animation.webp", r.images, o.animation);
    return paths;
  });
  if (!written.ok()) {
    std::cerr << "promptbrush-cli: " << verb << ": " << written.error().message << "\n";
    return 1;
  }
  for (const auto& p : *written) std::cout << p << "\n";
  std::cout << dir << "/contact_sheet.png\n" << dir << "/animation.webp\n";
  if (!o.run.quiet)
    std::cerr << verb << ": " << r.images.size() << " frames of " << r.images[0].width << "x"
              << r.images[0].height << " (seed " << r.parameters["seed"] << ") in " << r.seconds
              << " s\n";
  return 0;
}

int run_interpolate(const std::vector<std::string>& argv) {
  if (wants_help(argv)) {
    std::cout << kInterpolateUsage << kCommonHelp;
    return 0;
  }
  pbcli::Args args(argv, value_options({"--image-a", "--image-b"}),
                   {"--invert", "--sr", "--ping-pong", "--quiet"});
  if (!args.ok()) return pbcli::fail("interpolate: " + args.error());
  if (!args.positionals().empty())
    return pbcli::fail("interpolate: unexpected argument '" + args.positionals()[0] + "'");
  const auto a = args.value("--image-a"), b = args.value("--image-b");
  if (!a || !b) return pbcli::fail("interpolate: --image-a and --image-b are required");
  FrameOptions o;
  if (!parse_frame_options(args, "interpolate", o)) return 2;
  o.settings.invert = args.flag("--invert");
  pb::InterpolateRequest req;
  if (!read_rgb(*a, "interpolate", req.image_a) || !read_rgb(*b, "interpolate", req.image_b))
    return 2;
  req.positions = even_positions(o.frames, 1.0);
  req.settings = o.settings;
  return write_strip(req, req.positions, o, "interpolate");
}

int run_textdiff(const std::vector<std::string>& argv) {
  if (wants_help(argv)) {
    std::cout << kTextDiffUsage << kCommonHelp;
    return 0;
  }
  pbcli::Args args(argv, value_options({"--image", "--from", "--to", "--max-theta"}),
                   {"--no-invert", "--sr", "--ping-pong", "--quiet"});
  if (!args.ok()) return pbcli::fail("textdiff: " + args.error());
  if (!args.positionals().empty())
    return pbcli::fail("textdiff: unexpected argument '" + args.positionals()[0] + "'");
  const auto image = args.value("--image"), from = args.value("--from"), to = args.value("--to");
  if (!image || !from || !to) return pbcli::fail("textdiff: --image, --from and --to are required");
  FrameOptions o;
  if (!parse_frame_options(args, "textdiff", o)) return 2;
  const double max_theta = args.double_or("--max-theta", 0.5);
  if (!args.ok() || !(max_theta > 0 && max_theta <= 1))
    return pbcli::fail("textdiff: --max-theta must be in (0, 1]");
  o.settings.invert = !args.flag("--no-invert");
  pb::TextDiffRequest req;
  if (!read_rgb(*image, "textdiff", req.image)) return 2;
  req.from_caption = *from;
  req.to_caption = *to;
  req.positions = even_positions(o.frames, max_theta);
  req.settings = o.settings;
  return write_strip(req, req.positions, o, "textdiff");
}

}  // namespace

PB_REGISTER_COMMAND("interpolate", "frames turning one image into another through CLIP space",
                    run_interpolate);
PB_REGISTER_COMMAND("textdiff", "frames moving an image toward a caption (CLIP text diff)",
                    run_textdiff);
