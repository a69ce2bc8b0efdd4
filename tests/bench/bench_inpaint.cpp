// promptbrush-bench inpaint: time of a whole GLIDE inpainting run with real-size models
// (base-inpaint 385M + upsample-inpaint 398M parameters, random weights) per preset, per stage,
// and peak memory. By default a few steps of each stage are measured and the preset's step
// counts extrapolated from them (said so in the output); --full runs every step.
#ifdef PB_WITH_PIPELINES
#include <ATen/Parallel.h>

#include <c10/core/InferenceMode.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "bench_options.h"
#include "bench_util.h"
#include "engine/core/command_registry.h"
#include "engine/core/cpu_features.h"
#include "engine/diffusion/schedule.h"
#include "engine/nn/common/conv2d.h"
#include "engine/pipelines/glide_pipeline.h"
#include "engine/pipelines/presets.h"
#include "engine/runtime/device.h"

namespace {

using namespace pb::bench;

constexpr const char* kHelp =
    R"(Usage: promptbrush-bench inpaint [--preset default|fast|all] [--threads N]
                                 [--measure-steps K] [--full] [--size WxH] [--vocab DIR]
                                 [--precision auto|float32|bfloat16] [--winograd-from PIXELS]

Builds real-size GLIDE base-inpaint and upsample-inpaint models with random weights and
times whole inpainting runs of a WxH image (default 512x384) with a 25% mask.

  --preset P         default, fast or all (default: all)
  --threads N        OpenMP threads (default: all cores); OpenBLAS gets 1 (engine policy)
  --measure-steps K  steps measured per stage (default 3); totals are extrapolated to the
                     preset's step counts: setup + N_base * t_base + N_up * t_up
  --full             run every step of the preset instead (slow on CPU: minutes)
  --precision P      auto (default: bfloat16 where the CPU has it natively, as the engine
                     chooses), float32 or bfloat16
  --winograd-from PIXELS
                     float32 3x3 convolutions on maps of at least PIXELS pixels as oneDNN
                     Winograd (default: 4096 with AVX-512; 0 = never, LibTorch's)
  --vocab DIR        folder with encoder.json.gz and vocab.bpe.gz (default: the fixtures')
Compares per-step times with the reference's single forward calls in
fixtures/glide/reference_timing.json.
)";

struct StageTimes {
  // Seconds between consecutive step reports of each stage (first step excluded when more
  // than one was measured: it includes warm-up).
  std::map<std::string, std::vector<double>> steps;
  double first_report = -1;  // seconds from run start to the base stage's step 0
};

void reference_line(const std::string& fixtures) {
  std::ifstream in(fixtures + "/glide/reference_timing.json");
  if (!in) {
    std::cout << "(reference_timing.json not found under " << fixtures << ")\n";
    return;
  }
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return;
  std::cout << "Reference (Python, single forward calls, " << j.value("nproc", "?") << " cores):\n";
  for (const char* model : {"base-inpaint", "upsample-inpaint"})
    for (const auto& r : j[model])
      std::cout << "  " << std::setw(17) << std::left << model << std::setw(15)
                << r.value("setting", "") << std::right << std::fixed << std::setprecision(2)
                << r.value("mean_timed_s", 0.0) << " s/forward, peak RSS "
                << r.value("max_rss_mib", 0.0) << " MiB\n";
}

int run_bench(const std::vector<std::string>& args) {
  const pb::bench::BenchOptions o(args,
                                  {"--preset", "--threads", "--measure-steps", "--size", "--vocab",
                                   "--precision", "--winograd-from"},
                                  {"--full"});
  if (o.help()) {
    std::cout << kHelp;
    return 0;
  }
  const std::string preset_arg = o.get("--preset", "all");
  const int threads = pb::apply_thread_policy(int(o.get_int("--threads", 0)));
  const int measure = std::max(1, int(o.get_int("--measure-steps", 3)));
  const bool full = o.flag("--full");
  const std::string fixtures = PB_DEFAULT_FIXTURES;
  const std::string vocab = o.get("--vocab", fixtures + "/tokenizer");
  int w = 512, h = 384;
  if (std::sscanf(o.get("--size", "512x384").c_str(), "%dx%d", &w, &h) != 2 || w < 8 || h < 8) {
    std::cerr << "promptbrush-bench inpaint: --size expects WxH\n";
    return 2;
  }
  std::vector<const pb::pipelines::GlidePreset*> presets;
  for (const auto& p : pb::pipelines::glide_presets())
    if (preset_arg == "all" || preset_arg == p.name) presets.push_back(&p);
  if (presets.empty()) {
    std::cerr << "promptbrush-bench inpaint: unknown preset " << preset_arg << "\n";
    return 2;
  }

  const char* blas_env = std::getenv("OPENBLAS_NUM_THREADS");
  const char* omp_wait = std::getenv("OMP_WAIT_POLICY");
  std::cout << "GLIDE inpainting benchmark: " << w << "x" << h << " image, torch threads "
            << at::get_num_threads() << " (requested " << threads
            << "), OpenBLAS 1 thread (set by the engine; OPENBLAS_NUM_THREADS="
            << (blas_env ? blas_env : "unset")
            << "), OMP_WAIT_POLICY=" << (omp_wait ? omp_wait : "unset") << "\n";

  const pb::text::GlideTokenizer tok = pb::text::GlideTokenizer::load(vocab);
  c10::InferenceMode inference;
  const auto t_build = Clock::now();
  pb::pipelines::GlideModels models;
  models.base = pb::nn::glide::GlideUNet(pb::nn::glide::Config::base_inpaint());
  models.upsampler = pb::nn::glide::GlideUNet(pb::nn::glide::Config::upsample_inpaint());
  models.base->eval();
  models.upsampler->eval();
  if (const int64_t w = o.get_int("--winograd-from", -1); w >= 0) {
    pb::nn::set_cpu_winograd_min_pixels(*models.base, w);
    pb::nn::set_cpu_winograd_min_pixels(*models.upsampler, w);
  }
  std::string precision = o.get("--precision", "auto");
  if (precision != "auto" && precision != "float32" && precision != "bfloat16") {
    std::cerr << "promptbrush-bench inpaint: --precision is auto, float32 or bfloat16\n";
    return 2;
  }
  if (precision == "auto") precision = pb::cpu_has_native_bf16() ? "bfloat16" : "float32";
  if (precision == "bfloat16") {
    models.base->convert_body_to(torch::kBFloat16);
    models.upsampler->convert_body_to(torch::kBFloat16);
  }
  models.base_name = "base_inpaint (random)";
  models.upsampler_name = "upsample_inpaint (random)";
  models.device_label = "cpu " + precision;
  const double build_s = std::chrono::duration<double>(Clock::now() - t_build).count();
  std::cout << models.device_label << ": built both models in " << std::fixed
            << std::setprecision(2) << build_s << " s, peak RSS " << peak_rss_mib() << " MiB\n";

  pb::InpaintRequest req;
  req.image = pb::Image(w, h, 3);
  std::mt19937 rng(1);
  for (auto& v : req.image.pixels) v = std::uint8_t(rng() & 0xff);
  req.mask = pb::Image(w, h, 1);
  for (int y = h / 4; y < h / 4 + h / 2; ++y)
    for (int x = w / 4; x < w / 4 + w / 2; ++x) req.mask.at(x, y) = 255;
  req.prompt = "a corgi wearing a red bowtie and a purple party hat";

  for (const auto* preset : presets) {
    req.settings = preset->settings;
    req.settings.seed = 0;
    const int n_base =
        pb::diffusion::space_timesteps(pb::diffusion::named_betas("squaredcos_cap_v2"),
                                       preset->settings.base_respacing)
            .size();
    const int n_up = pb::diffusion::space_timesteps(pb::diffusion::named_betas("linear"),
                                                    preset->settings.upsample_respacing)
                         .size();
    if (!full) {
      // Same samplers and stages, fewer steps: per-step cost does not depend on the count.
      req.settings.base_respacing = (req.settings.sampler == pb::SamplerKind::ddim ? "ddim" : "") +
                                    std::to_string(measure + 1);
      req.settings.upsample_respacing = std::to_string(measure + 1);
    }
    StageTimes times;
    const auto start = Clock::now();
    double last = 0;
    pb::RunCallbacks cb;
    cb.on_progress = [&](const pb::Progress& p) {
      const double now = std::chrono::duration<double>(Clock::now() - start).count();
      if (p.step == 0) {
        if (p.stage == "base") times.first_report = now;
      } else {
        times.steps[p.stage].push_back(now - last);
      }
      last = now;
    };
    const pb::RunResult r = pb::pipelines::run_glide_inpaint(models, tok, req, cb);
    const double total = std::chrono::duration<double>(Clock::now() - start).count();
    auto steady = [](std::vector<double> v) {
      if (v.size() > 1) v.erase(v.begin());
      return mean(v);
    };
    const double t_base = steady(times.steps["base"]);
    const double t_up = steady(times.steps["upsample"]);
    double stepping = 0;
    for (const auto& [stage, v] : times.steps)
      for (double s : v) stepping += s;
    const double setup = total - stepping;  // window, text encoding, paste back, ...
    std::cout << "\npreset " << preset->name << " (base " << preset->settings.base_respacing
              << " = " << n_base << " " << pb::pipelines::to_string(preset->settings.sampler)
              << " steps, upsampler " << preset->settings.upsample_respacing << " = " << n_up
              << " steps), window " << r.window.width << " px:\n";
    std::cout << "  base step (batch 2, 64x64):      " << std::setprecision(3) << t_base << " s   ("
              << times.steps["base"].size() << " measured)\n";
    std::cout << "  upsample step (batch 1, 256x256): " << t_up << " s   ("
              << times.steps["upsample"].size() << " measured)\n";
    std::cout << "  setup/text/paste outside steps:   " << setup << " s\n";
    if (full) {
      auto sum = [](const std::vector<double>& v) {
        double t = 0;
        for (double x : v) t += x;
        return t;
      };
      std::cout << "  base stage total (measured):      " << sum(times.steps["base"]) << " s ("
                << times.steps["base"].size() << " steps)\n";
      std::cout << "  upsample stage total (measured):  " << sum(times.steps["upsample"]) << " s ("
                << times.steps["upsample"].size() << " steps)\n";
      std::cout << "  total (measured, every step):     " << total << " s\n";
    } else {
      std::cout << "  total EXTRAPOLATED from " << measure + 1
                << " steps per stage: " << setup + n_base * t_base + n_up * t_up << " s  (base "
                << n_base * t_base << " s + upsample " << n_up * t_up << " s)\n";
    }
    std::cout << "  peak RSS so far: " << peak_rss_mib() << " MiB\n";
  }
  std::cout << "\n";
  reference_line(fixtures);
  return 0;
}

}  // namespace

PB_REGISTER_COMMAND("inpaint", "whole GLIDE inpainting run per preset (real-size, random weights)",
                    run_bench);
#endif  // PB_WITH_PIPELINES
