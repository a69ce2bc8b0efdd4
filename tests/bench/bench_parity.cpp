// promptbrush-bench parity: the fixture checks of tests/parity without Qt, on any device.
// This is how a machine whose only deep-learning install is a CUDA PyTorch checks the
// engine (torch-only build): `promptbrush-bench parity --device cuda --dtype f16`.
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/types.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "bench_options.h"
#include "engine/core/command_registry.h"
#include "tests/parity/clip_parity.h"
#include "tests/parity/karlo_unet_parity.h"
#include "tests/parity/parity.h"
#include "tests/parity/prior_parity.h"

namespace {

constexpr const char* kHelp =
    R"(Usage: promptbrush-bench parity [--fixtures DIR] [--device cpu|cuda] [--dtype f32|f16]
                               [--only forward|sampling|manifests] [--family glide|unclip]
                               [--threads N]

Runs the engine against the reference fixtures: GLIDE (shared/fixtures/glide: forward passes
of the four small models in every weight container with each recorded intermediate, the
three whole sampling trajectories) and unCLIP (shared/fixtures/unclip: CLIP, Karlo's prior,
decoder and SR forwards from every container, the preprocessing, the prior, decoder and SR
sampling trajectories), and the real-size module trees against the published manifests.
Prints one line per check; exits 1 if any failed or none could run.

  --fixtures DIR  default $PROMPTBRUSH_FIXTURES, else ../shared/fixtures beside the source
  --device        cpu (default) or cuda
  --dtype         f32 (default; held to 1e-4, TF32 off on CUDA) or f16 (CUDA only: the
                  reference's convert_to_fp16, held to 2e-2 per forward, 5e-2 per trajectory)
  --family F      only GLIDE's or only unCLIP's checks (default: both)
  --threads N     intra-op threads on the CPU (default: as LibTorch chose)
)";

}  // namespace

int run_bench_parity(const std::vector<std::string>& argv) {
  const pb::bench::BenchOptions o(
      argv, {"--fixtures", "--device", "--dtype", "--only", "--threads", "--family"}, {});
  if (o.help()) {
    std::cout << kHelp;
    return 0;
  }
  const std::string fixtures = o.get("--fixtures", pb::parity::fixtures_dir()),
                    device = o.get("--device", "cpu"), dtype = o.get("--dtype", "f32"),
                    only = o.get("--only", ""), family = o.get("--family", "");
  const int threads = int(o.get_int("--threads", 0));
  if ((device != "cpu" && device != "cuda") || (dtype != "f32" && dtype != "f16") ||
      (dtype == "f16" && device != "cuda") ||
      (!only.empty() && only != "forward" && only != "sampling" && only != "manifests") ||
      (!family.empty() && family != "glide" && family != "unclip")) {
    std::cerr << "parity: bad --device, --dtype or --only (f16 needs cuda)\n" << kHelp;
    return 2;
  }
  if (device == "cuda" && !torch::cuda::is_available()) {
    std::cerr << "parity: CUDA is not available to this LibTorch\n";
    return 2;
  }
  if (threads > 0) at::set_num_threads(threads);
  pb::parity::Target target;
  target.device = torch::Device(device == "cuda" ? torch::kCUDA : torch::kCPU);
  target.dtype = dtype == "f16" ? torch::kHalf : torch::kFloat;
  std::cout << "fixtures " << fixtures << "; target " << pb::parity::describe(target)
            << "; intra-op threads " << at::get_num_threads() << "\n";

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<pb::parity::Check> checks;
  auto add = [&](std::vector<pb::parity::Check> more) {
    for (auto& c : more) {
      std::cout << std::left << std::setw(7)
                << (c.passed()    ? "ok"
                    : c.skipped() ? "skip"
                                  : "FAILED")
                << c.name;
      if (!c.skipped() && c.tolerance > 0)
        std::cout << std::setprecision(3) << "  error " << c.error << " (tolerance " << c.tolerance
                  << ")";
      if (!c.detail.empty()) std::cout << "  " << c.detail;
      std::cout << std::endl;
      checks.push_back(std::move(c));
    }
  };
  namespace P = pb::parity;
  const bool glide = family.empty() || family == "glide";
  const bool unclip = family.empty() || family == "unclip";
  if (only.empty() || only == "forward") {
    if (glide) add(P::glide_forward(fixtures, target));
    if (unclip) {
      add(P::clip_forward(fixtures, target));
      add(P::clip_preprocess(fixtures));
      add(P::prior_forward(fixtures, target));
      add(P::karlo_unet_forward(fixtures, target));
    }
  }
  if (only.empty() || only == "sampling") {
    if (glide) add(P::glide_sampling(fixtures, target));
    if (unclip) {
      add(P::prior_sampling(fixtures, target));
      add(P::karlo_unet_sampling(fixtures, target));
    }
  }
  if (only.empty() || only == "manifests") {
    if (glide) add(P::glide_manifests(fixtures));
    if (unclip) {
      add(P::clip_manifest(fixtures));
      add(P::prior_manifest(fixtures));
      add(P::karlo_unet_manifests(fixtures));
    }
  }

  int passed = 0, failed = 0, skipped = 0;
  for (const auto& c : checks) (c.passed() ? passed : c.skipped() ? skipped : failed)++;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped in "
            << std::fixed << std::setprecision(1) << s << " s\n";
  if (passed == 0) std::cout << "nothing was checked: are the fixtures under " << fixtures << "?\n";
  return failed || passed == 0 ? 1 : 0;
}

PB_REGISTER_COMMAND("parity", "engine against the reference fixtures, on any device (no Qt)",
                    run_bench_parity);
