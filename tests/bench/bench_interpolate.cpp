// promptbrush-bench interpolate: what a slider drag costs with real-size models and random
// weights: the first frame of a new interpolation (CLIP encodings included), a new 64 px frame
// with a warm context (the slider released at a new position), a frame already rendered, two
// frames batched against one at a time, and optionally the 256 px finish of a frame. Every
// figure is a measured run (no extrapolation).
#ifdef PB_WITH_PIPELINES
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <random>

#include "bench_options.h"
#include "bench_util.h"
#include "engine/core/command_registry.h"
#include "engine/pipelines/interpolation.h"
#include "engine/runtime/device.h"

namespace {

using namespace pb::bench;

constexpr const char* kHelp =
    R"(Usage: promptbrush-bench interpolate [--steps N] [--threads N] [--invert] [--batch]
                                     [--finish] [--vocab DIR]

Builds real-size CLIP ViT-L/14 and Karlo decoder (and with --finish the SR) models with random
weights and times the interpolation engine between two 512x384 pictures:
  1. the first frame (t = 0.5) of a new interpolation: CLIP encodings (and with --invert the
     DDIM inversion of both images) plus one 64 px frame;
  2. a new 64 px frame with the context warm (t = 0.25): what a slider release costs;
  3. the frame at t = 0.5 again: served from the context;
  4. --batch: two new frames decoded as one batch, against the one-frame time of 2;
  5. --finish: the frame at t = 0.5 finished to 256 px by the super-resolution (7 steps).

  --steps N   decoder DDIM steps (default 25, the fast preset)
  --vocab DIR folder with bpe_simple_vocab_16e6.txt.gz (default: the fixtures')
)";

int run_bench(const std::vector<std::string>& args) {
  const BenchOptions o(args, {"--steps", "--threads", "--vocab"},
                       {"--invert", "--batch", "--finish"});
  if (o.help()) {
    std::cout << kHelp;
    return 0;
  }
  const int threads = pb::apply_thread_policy(int(o.get_int("--threads", 0)));
  const std::string steps = o.get("--steps", "25");
  const std::string vocab = o.get("--vocab", std::string(PB_DEFAULT_FIXTURES) + "/tokenizer");
  const bool finish = o.flag("--finish");
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  std::cout << "interpolation benchmark: torch threads " << at::get_num_threads() << " (requested "
            << threads << "), OMP_WAIT_POLICY=" << (wait ? wait : "unset") << ", float32, " << steps
            << " DDIM steps\n";
  const pb::text::ClipTokenizer tok = pb::text::ClipTokenizer::load(vocab);
  c10::InferenceMode inference;
  auto t0 = Clock::now();
  pb::pipelines::KarloModels m;
  m.clip = pb::nn::clip::Clip(pb::nn::clip::Config::vit_l_14());
  m.decoder = pb::nn::unclip::Decoder(pb::nn::unclip::DecoderConfig::karlo());
  m.clip->eval();
  m.decoder->eval();
  if (finish) {
    m.super_res = pb::nn::unclip::SuperRes(pb::nn::unclip::SuperResConfig::karlo());
    m.super_res->eval();
  }
  m.decoder_name = "decoder (random)";
  m.device_label = "cpu float32";
  std::cout << std::fixed << std::setprecision(2) << "built the models in " << ms_since(t0) / 1000
            << " s\n";

  pb::InterpolateRequest req;
  std::mt19937 rng(1);
  for (pb::Image* im : {&req.image_a, &req.image_b}) {
    *im = pb::Image(512, 384, 3);
    for (auto& v : im->pixels) v = std::uint8_t(rng() & 0xff);
  }
  req.settings.karlo.decoder_respacing = steps;
  req.settings.karlo.seed = 0;
  req.settings.karlo.super_resolve = false;
  req.settings.invert = o.flag("--invert");
  pb::pipelines::InterpolationContexts contexts;
  pb::pipelines::EmbeddingCache embeddings;
  auto timed = [&](const char* what, std::vector<float> positions, int batch, bool sr) {
    req.positions = std::move(positions);
    req.settings.batch = batch;
    req.settings.karlo.super_resolve = sr;
    const auto start = Clock::now();
    pb::pipelines::run_interpolation(m, tok, req, {}, &contexts, &embeddings);
    const double s = ms_since(start) / 1000;
    std::cout << "  " << std::left << std::setw(58) << what << std::right << std::setw(9) << s
              << " s\n";
    return s;
  };
  timed("1. first frame of a new interpolation (t = 0.5)", {0.5f}, 1, false);
  const double one = timed("2. new 64 px frame, warm context (t = 0.25)", {0.25f}, 1, false);
  timed("3. the frame at t = 0.5 again (from the context)", {0.5f}, 1, false);
  if (o.flag("--batch")) {
    const double two =
        timed("4. two new frames in one batch (t = 0.375, 0.625)", {0.375f, 0.625f}, 2, false);
    std::cout << "     per frame batched " << two / 2 << " s vs alone " << one << " s\n";
  }
  if (finish) timed("5. finish t = 0.5 to 256 px (SR, 7 steps)", {0.5f}, 1, true);
  std::cout << std::setprecision(0) << "  peak RSS: " << peak_rss_mib() << " MiB\n";
  return 0;
}

}  // namespace

PB_REGISTER_COMMAND("interpolate",
                    "interpolation frames (real-size, random weights): cold, warm, cached, batched",
                    run_bench);
#endif  // PB_WITH_PIPELINES
