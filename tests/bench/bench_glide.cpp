// promptbrush-bench glide: milliseconds per denoising step (one UNet forward with the
// text encoding reused), text-encoding time and peak RSS of the real-size GLIDE
// inpainting models with random weights: base-inpaint (batch 2 = cond + uncond, 64x64)
// and upsample-inpaint (batch 1, 256x256 from 64x64). Compare with
// shared/fixtures/glide/reference_timing.json (reference PyTorch, float32).
#include <torch/cuda.h>
#include <torch/types.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_options.h"
#include "bench_util.h"
#include "engine/core/command_registry.h"
#include "engine/nn/common/conv2d.h"
#include "engine/nn/glide/model.h"
#include "op_profile.h"

namespace {

constexpr const char* kHelp =
    R"(Usage: promptbrush-bench glide [--model base-inpaint|upsample-inpaint|both] [--threads N]
                              [--blas-threads N] [--dtype f32|bf16] [--steps N] [--device cpu|cuda]
                              [--profile] [--channels-last-from PIXELS]
                              [--winograd-from PIXELS]

Builds the real-size model(s) with random weights and times single denoising steps
(1 warm-up + N timed, default N = 3 for base-inpaint and 2 for upsample-inpaint, as the
reference timing), the text encoding, and reports peak RSS.

  --threads N       at::set_num_threads (intra-op: oneDNN convolutions, ATen kernels);
                    default 2
  --blas-threads N  openblas_set_num_threads when OpenBLAS is loaded (linears, bmm);
                    default 1 (two thread pools spinning on two cores slow each other)
  --dtype bf16      the UNet body and text transformer in bfloat16 (norms, softmax,
                    embeddings in float32); f32 (default) is the parity mode
  --channels-last-from PIXELS
                    CPU feature maps of at least PIXELS pixels run channels-last
                    (default: the model's, 4096; 0 = never, 1 = always)
  --winograd-from PIXELS
                    float32 CPU 3x3 convolutions on maps of at least PIXELS pixels run as
                    oneDNN Winograd (default: 4096 with AVX-512; 0 = never, LibTorch's)
  --profile         after the timed steps, one more step with the wall time of each
                    top-level ATen operator listed
  OMP_WAIT_POLICY=PASSIVE in the environment also helps on a small machine.
)";

using namespace pb::bench;

void print_reference(const std::string& model) {
  std::ifstream in(std::string(PB_DEFAULT_FIXTURES) + "/glide/reference_timing.json");
  if (!in) return;
  try {
    const auto j = nlohmann::json::parse(in);
    std::cout << "  reference (PyTorch, f32):";
    for (const auto& r : j.at(model))
      std::cout << " " << r.at("setting").get<std::string>() << " "
                << std::lround(r.at("mean_timed_s").get<double>() * 1000) << " ms/step;";
    std::cout << "\n";
  } catch (const std::exception&) {
  }
}

void bench_model(const std::string& name, const torch::Device& device, bool bf16, int steps,
                 bool profile, int64_t channels_last_from, int64_t winograd_from) {
  using namespace pb::nn::glide;
  const bool up = name == "upsample-inpaint";
  const Config cfg = up ? Config::upsample_inpaint() : Config::base_inpaint();
  const int64_t B = up ? 1 : 2, S = up ? 256 : 64;

  auto t0 = Clock::now();
  GlideUNet model(cfg);
  model->eval();
  if (channels_last_from >= 0) model->set_cpu_channels_last_min_pixels(channels_last_from);
  if (winograd_from >= 0) pb::nn::set_cpu_winograd_min_pixels(*model, winograd_from);
  model->to(device);
  if (device.is_cuda())
    model->convert_to_fp16();
  else if (bf16)
    model->convert_body_to(torch::kBFloat16);
  const double build_ms = ms_since(t0);

  c10::InferenceMode guard;
  auto f32 = torch::TensorOptions().device(device);
  torch::Tensor tokens = torch::randint(0, 50256, {B, cfg.text_ctx}, f32.dtype(torch::kLong));
  torch::Tensor mask = torch::arange(cfg.text_ctx, f32.dtype(torch::kLong)).lt(12).expand({B, -1});
  torch::Tensor x = torch::randn({B, 3, S, S}, f32);
  torch::Tensor t = torch::full({B}, 500, f32.dtype(torch::kLong));
  UNetInputs in;
  in.inpaint_image = torch::rand({B, 3, S, S}, f32) * 2 - 1;
  in.inpaint_mask = torch::ones({B, 1, S, S}, f32);
  if (up) in.low_res = torch::rand({B, 3, 64, 64}, f32) * 2 - 1;

  std::vector<double> text_ms, step_ms, step_cpu_ms;
  TextCondition text;
  for (int i = 0; i < 3; ++i) {
    t0 = Clock::now();
    text = model->encode_text(tokens, mask);
    sync(device);
    text_ms.push_back(ms_since(t0));
  }
  t0 = Clock::now();
  model->forward(x, t, text, in);
  sync(device);
  const double warmup_ms = ms_since(t0);
  for (int i = 0; i < steps; ++i) {
    t0 = Clock::now();
    const double c0 = cpu_ms();
    torch::Tensor out = model->forward(x, t, text, in);
    sync(device);
    step_ms.push_back(ms_since(t0));
    step_cpu_ms.push_back(cpu_ms() - c0);
  }
  double mean = 0, mean_cpu = 0;
  for (double v : step_ms) mean += v / double(step_ms.size());
  for (double v : step_cpu_ms) mean_cpu += v / double(step_cpu_ms.size());
  std::cout << std::fixed << std::setprecision(0) << name << " (batch " << B << ", " << S << "x"
            << S << ", "
            << (device.is_cuda() ? "f16"
                : bf16           ? "bf16"
                                 : "f32")
            << ", " << device.str() << "): build " << build_ms << " ms, text encoding "
            << *std::min_element(text_ms.begin(), text_ms.end()) << " ms (best of 3), warm-up "
            << warmup_ms << " ms, step mean " << mean << " ms [";
  for (size_t i = 0; i < step_ms.size(); ++i) std::cout << (i ? " " : "") << step_ms[i];
  std::cout << "], step CPU time mean " << mean_cpu << " ms, peak RSS " << peak_rss_mib()
            << " MiB, Winograd weights " << double(pb::nn::winograd_cache_bytes(*model)) / (1 << 20)
            << " MiB\n";
  print_reference(name);
  if (profile) {
    pb::bench::OpProfile ops;
    model->forward(x, t, text, in);
    sync(device);
    std::cout << ops.table();
  }
}

int run_bench_glide(const std::vector<std::string>& argv) {
  const pb::bench::BenchOptions o(argv,
                                  {"--model", "--dtype", "--device", "--threads", "--blas-threads",
                                   "--steps", "--channels-last-from", "--winograd-from"},
                                  {"--profile"});
  if (o.help()) {
    std::cout << kHelp;
    return 0;
  }
  const std::string model = o.get("--model", "both"), dtype = o.get("--dtype", "f32"),
                    device_name = o.get("--device", "cpu");
  const int threads = int(o.get_int("--threads", 2)),
            blas_threads = int(o.get_int("--blas-threads", 1)),
            steps = int(o.get_int("--steps", -1));
  const bool profile = o.flag("--profile");
  const int64_t channels_last_from = o.get_int("--channels-last-from", -1),
                winograd_from = o.get_int("--winograd-from", -1);
  if ((model != "both" && model != "base-inpaint" && model != "upsample-inpaint") ||
      (dtype != "f32" && dtype != "bf16") || (device_name != "cpu" && device_name != "cuda")) {
    std::cerr << "glide: bad --model, --dtype or --device\n" << kHelp;
    return 2;
  }
  if (device_name == "cuda" && !torch::cuda::is_available()) {
    std::cerr << "glide: no CUDA device\n";
    return 2;
  }
  const torch::Device device(device_name == "cuda" ? torch::kCUDA : torch::kCPU);
  if (threads > 0) at::set_num_threads(threads);
  const bool blas_set = blas_threads > 0 && set_blas_threads(blas_threads);
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  std::cout << "threads " << at::get_num_threads() << ", OpenBLAS threads "
            << (blas_set ? std::to_string(blas_threads) : std::string("unchanged"))
            << ", OMP_WAIT_POLICY " << (wait ? wait : "unset") << "\n";
  if (model != "upsample-inpaint")
    bench_model("base-inpaint", device, dtype == "bf16", steps > 0 ? steps : 3, profile,
                channels_last_from, winograd_from);
  if (model != "base-inpaint")
    bench_model("upsample-inpaint", device, dtype == "bf16", steps > 0 ? steps : 2, profile,
                channels_last_from, winograd_from);
  return 0;
}

}  // namespace

PB_REGISTER_COMMAND("glide", "GLIDE UNet ms per denoising step, text encoding, peak RSS",
                    run_bench_glide);
