// promptbrush-bench variations: a whole unCLIP image variation (CLIP ViT-L/14 -> Karlo decoder
// -> SR 64->256) with real-size models and random weights, per stage and per step, and peak
// memory. --full runs every step of the preset; otherwise a few steps per stage are measured
// and the preset's totals extrapolated (said so in the output).
#ifdef PB_WITH_PIPELINES
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>

#include "bench_options.h"
#include "bench_util.h"
#include "engine/core/command_registry.h"
#include "engine/diffusion/schedule.h"
#include "engine/pipelines/karlo_pipeline.h"
#include "engine/pipelines/presets.h"
#include "engine/runtime/device.h"

namespace {

using namespace pb::bench;

constexpr const char* kHelp =
    R"(Usage: promptbrush-bench variations [--preset fast|default] [--threads N] [--full]
                                    [--measure-steps K] [--precision float32|bfloat16]
                                    [--count N] [--vocab DIR]

Builds real-size CLIP ViT-L/14, Karlo decoder and SR models with random weights and times a
whole image variation of a 512x384 picture: CLIP encoding, the decoder's guided steps
(batch 2N), the SR steps (batch N), and everything outside the steps.

  --preset P         fast (default: decoder 25 steps) or default (50); SR 7 steps
  --full             run every step (slow on a CPU: many minutes)
  --measure-steps K  otherwise K + 1 steps per stage are run and the totals extrapolated
                     (default 2)
  --precision P      float32 (default) or bfloat16 (the engine's faster CPU mode)
  --count N          images per run (default 1)
  --vocab DIR        folder with bpe_simple_vocab_16e6.txt.gz (default: the fixtures')
)";

template <class Holder>
Holder placed(Holder m, bool bf16) {
  m->eval();
  if (bf16) m->convert_body_to(torch::kBFloat16);
  return m;
}

int run_bench(const std::vector<std::string>& args) {
  const BenchOptions o(
      args, {"--preset", "--threads", "--measure-steps", "--precision", "--count", "--vocab"},
      {"--full"});
  if (o.help()) {
    std::cout << kHelp;
    return 0;
  }
  const pb::pipelines::KarloPreset* preset =
      pb::pipelines::find_karlo_preset(o.get("--preset", "fast"));
  const std::string precision = o.get("--precision", "float32");
  if (!preset || (precision != "float32" && precision != "bfloat16")) {
    std::cerr << "promptbrush-bench variations: bad --preset or --precision\n" << kHelp;
    return 2;
  }
  const int threads = pb::apply_thread_policy(int(o.get_int("--threads", 0)));
  const bool full = o.flag("--full"), bf16 = precision == "bfloat16";
  const int measure = std::max(1, int(o.get_int("--measure-steps", 2)));
  const std::string vocab = o.get("--vocab", std::string(PB_DEFAULT_FIXTURES) + "/tokenizer");
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  std::cout << "unCLIP variation benchmark: torch threads " << at::get_num_threads()
            << " (requested " << threads
            << "), OpenBLAS 1 thread, OMP_WAIT_POLICY=" << (wait ? wait : "unset") << ", "
            << precision << "\n";

  const pb::text::ClipTokenizer tok = pb::text::ClipTokenizer::load(vocab);
  c10::InferenceMode inference;
  auto t0 = Clock::now();
  pb::pipelines::KarloModels m;
  m.clip = placed(pb::nn::clip::Clip(pb::nn::clip::Config::vit_l_14()), bf16);
  m.decoder = placed(pb::nn::unclip::Decoder(pb::nn::unclip::DecoderConfig::karlo()), bf16);
  m.super_res = placed(pb::nn::unclip::SuperRes(pb::nn::unclip::SuperResConfig::karlo()), bf16);
  m.decoder_name = "decoder (random)";
  m.super_res_name = "sr (random)";
  m.device_label = "cpu " + precision;
  std::cout << std::fixed << std::setprecision(2) << "built CLIP, decoder and SR in "
            << ms_since(t0) / 1000 << " s, peak RSS " << peak_rss_mib() << " MiB\n";

  pb::VariationsRequest req;
  req.image = pb::Image(512, 384, 3);
  std::mt19937 rng(1);
  for (auto& v : req.image.pixels) v = std::uint8_t(rng() & 0xff);
  req.settings = preset->settings;
  req.settings.seed = 0;
  req.settings.candidates = int(o.get_int("--count", 1));
  const int n_dec =
      int(pb::diffusion::space_timesteps(1000, preset->settings.decoder_respacing).size());
  const int n_sr = 7;
  if (!full) req.settings.decoder_respacing = std::to_string(measure + 1);

  std::map<std::string, std::vector<double>> steps;
  double last = 0;
  const auto start = Clock::now();
  pb::RunCallbacks cb;
  cb.on_progress = [&](const pb::Progress& p) {
    const double now = ms_since(start) / 1000;
    if (p.phase == pb::Phase::sampling && p.step > 0) steps[p.stage].push_back(now - last);
    last = now;
  };
  const pb::RunResult r = pb::pipelines::run_variations(m, tok, req, cb);
  const double total = ms_since(start) / 1000;
  double stepping = 0;
  for (const auto& [stage, v] : steps)
    for (double s : v) stepping += s;
  auto line = [&](const std::string& stage, int n_preset) {
    const auto& v = steps[stage];
    std::cout << "  " << std::setw(17) << std::left << stage << std::right << " steps [";
    for (size_t i = 0; i < v.size(); ++i) std::cout << (i ? " " : "") << v[i];
    std::cout << "] s, mean " << mean(v) << " s (preset: " << n_preset << " steps)\n";
  };
  std::cout << "\npreset " << preset->name << ", " << r.images.size() << " image(s) of "
            << r.images[0].width << "x" << r.images[0].height << ":\n";
  line("decoder", n_dec);
  line("super-resolution", n_sr);
  std::cout << "  outside the steps (CLIP, text, resize, conversions): " << total - stepping
            << " s\n";
  if (full) {
    std::cout << "  total (measured, every step): " << total << " s\n";
  } else {
    std::vector<double> d = steps["decoder"];
    double measured = 0;
    for (double v : d) measured += v;
    if (d.size() > 1) d.erase(d.begin());  // the first includes warm-up
    std::cout << "  total EXTRAPOLATED from " << measure + 1 << " decoder steps to " << n_dec
              << ": " << total - measured + n_dec * mean(d) << " s\n";
  }
  std::cout << std::setprecision(0) << "  peak RSS: " << peak_rss_mib() << " MiB\n";
  return 0;
}

}  // namespace

PB_REGISTER_COMMAND("variations",
                    "whole unCLIP variation run (real-size, random weights), every step timed",
                    run_bench);
#endif  // PB_WITH_PIPELINES
