// promptbrush-bench karlo: seconds per denoising step of the real-size unCLIP models with
// random weights, as ../shared/bench/ref_karlo_step.py times the reference: the decoder
// (batch 2 = cond + uncond, 64x64), the SR first-steps U-Net (batch 1, 256x256), the prior
// (batch 2) and CLIP ViT-L/14 image encoding (batch 1, 224x224); peak RSS with every model
// loaded at once.
#include <torch/cuda.h>
#include <torch/types.h>

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "bench_options.h"
#include "bench_util.h"
#include "engine/core/command_registry.h"
#include "engine/nn/clip/model.h"
#include "engine/nn/common/conv2d.h"
#include "engine/nn/unclip/decoder.h"
#include "engine/nn/unclip/prior.h"
#include "engine/nn/unclip/super_res.h"
#include "op_profile.h"

namespace {

using namespace pb::bench;

constexpr const char* kHelp =
    R"(Usage: promptbrush-bench karlo [--model decoder|sr|prior|clip|all] [--dtype f32|bf16]
                              [--steps N] [--threads N] [--blas-threads N] [--device cpu|cuda]
                              [--profile] [--channels-last-from PIXELS]
                              [--winograd-from PIXELS]

Builds the real-size unCLIP models with random weights (Karlo v1 alpha's decoder, SR and
prior; OpenAI CLIP ViT-L/14) and times single network calls: 1 warm-up + N timed (default
2), as ../shared/bench/ref_karlo_step.py does for the reference. With --model all (default)
every model stays loaded, so the last peak RSS is that of all unCLIP models together.

  --dtype bf16      the bodies in bfloat16 (norms, softmax, embeddings and outputs float32)
  --threads N       intra-op threads (default 2); --blas-threads N OpenBLAS (default 1)
  --profile         one more call with the wall time of each top-level ATen operator
  --channels-last-from PIXELS
                    decoder and SR feature maps of at least PIXELS pixels run channels-last
                    on the CPU (default: the models', 4096; 0 = never, 1 = always)
  --winograd-from PIXELS
                    float32 CPU 3x3 convolutions on maps of at least PIXELS pixels run as
                    oneDNN Winograd (default: 4096 with AVX-512; 0 = never, LibTorch's)
)";

struct Timed {
  double build_ms = 0, warmup_ms = 0;
  std::vector<double> wall_ms, cpu_ms_;
};

// 1 warm-up + n timed calls of fn.
Timed time_calls(const std::function<void()>& fn, int n, const torch::Device& device) {
  Timed t;
  auto t0 = Clock::now();
  fn();
  sync(device);
  t.warmup_ms = ms_since(t0);
  for (int i = 0; i < n; ++i) {
    t0 = Clock::now();
    const double c0 = cpu_ms();
    fn();
    sync(device);
    t.wall_ms.push_back(ms_since(t0));
    t.cpu_ms_.push_back(cpu_ms() - c0);
  }
  return t;
}

void report(const std::string& what, const Timed& t, const std::string& dtype,
            const torch::Device& device) {
  std::cout << std::fixed << std::setprecision(2) << what << " (" << dtype << ", " << device.str()
            << "): build " << t.build_ms / 1000 << " s, warm-up " << t.warmup_ms / 1000
            << " s, timed [";
  for (size_t i = 0; i < t.wall_ms.size(); ++i) std::cout << (i ? " " : "") << t.wall_ms[i] / 1000;
  std::cout << "] s, best " << *std::min_element(t.wall_ms.begin(), t.wall_ms.end()) / 1000
            << " s, CPU time mean " << mean(t.cpu_ms_) / 1000 << " s, peak RSS "
            << std::setprecision(0) << peak_rss_mib() << " MiB\n";
}

template <class Holder>
void place(Holder& m, const torch::Device& device, bool bf16) {
  m->eval();
  m->to(device);
  if (device.is_cuda())
    m->convert_body_to(torch::kHalf);
  else if (bf16)
    m->convert_body_to(torch::kBFloat16);
}

int run_bench_karlo(const std::vector<std::string>& argv) {
  const pb::bench::BenchOptions o(argv,
                                  {"--model", "--dtype", "--steps", "--threads", "--blas-threads",
                                   "--device", "--channels-last-from", "--winograd-from"},
                                  {"--profile"});
  if (o.help()) {
    std::cout << kHelp;
    return 0;
  }
  const std::string which = o.get("--model", "all"), dtype = o.get("--dtype", "f32"),
                    device_name = o.get("--device", "cpu");
  const int steps = int(o.get_int("--steps", 2)), threads = int(o.get_int("--threads", 2)),
            blas = int(o.get_int("--blas-threads", 1));
  const bool profile = o.flag("--profile");
  const int64_t channels_last_from = o.get_int("--channels-last-from", -1),
                winograd_from = o.get_int("--winograd-from", -1);
  auto report_winograd = [](const torch::nn::Module& m) {
    const std::size_t bytes = pb::nn::winograd_cache_bytes(m);
    if (bytes)
      std::cout << std::fixed << std::setprecision(0)
                << "  Winograd weights cached: " << double(bytes) / (1 << 20) << " MiB\n";
  };
  const std::vector<std::string> known{"decoder", "sr", "prior", "clip", "all"};
  if (std::find(known.begin(), known.end(), which) == known.end() ||
      (dtype != "f32" && dtype != "bf16") || (device_name != "cpu" && device_name != "cuda") ||
      steps < 1) {
    std::cerr << "karlo: bad --model, --dtype, --device or --steps\n" << kHelp;
    return 2;
  }
  if (device_name == "cuda" && !torch::cuda::is_available()) {
    std::cerr << "karlo: no CUDA device\n";
    return 2;
  }
  const torch::Device device(device_name == "cuda" ? torch::kCUDA : torch::kCPU);
  const bool bf16 = dtype == "bf16";
  const std::string label = device.is_cuda() ? "f16" : dtype;
  if (threads > 0) at::set_num_threads(threads);
  const bool blas_set = blas > 0 && set_blas_threads(blas);
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  std::cout << "threads " << at::get_num_threads() << ", OpenBLAS threads "
            << (blas_set ? std::to_string(blas) : std::string("unchanged")) << ", OMP_WAIT_POLICY "
            << (wait ? wait : "unset") << "\n";
  c10::InferenceMode guard;
  const auto f32 = torch::TensorOptions().device(device);
  auto wants = [&](const char* m) { return which == "all" || which == m; };
  auto maybe_profile = [&](const std::function<void()>& fn) {
    if (!profile) return;
    pb::bench::OpProfile ops;
    fn();
    sync(device);
    std::cout << ops.table();
  };
  // Kept alive until the end: the last peak RSS is all models together.
  std::vector<std::shared_ptr<torch::nn::Module>> loaded;

  if (wants("decoder")) {
    auto t0 = Clock::now();
    pb::nn::unclip::Decoder net(pb::nn::unclip::DecoderConfig::karlo());
    if (channels_last_from >= 0) net->set_cpu_channels_last_min_pixels(channels_last_from);
    if (winograd_from >= 0) pb::nn::set_cpu_winograd_min_pixels(*net, winograd_from);
    place(net, device, bf16);
    const double build = ms_since(t0);
    const auto x = torch::randn({2, 3, 64, 64}, f32);
    const auto t = torch::full({2}, 500, f32.dtype(torch::kLong));
    const auto cond =
        net->condition(torch::randn({2, 768}, f32), torch::randn({2, 77, 768}, f32),
                       torch::ones({2, 77}, f32.dtype(torch::kBool)), torch::randn({2, 768}, f32));
    auto call = [&] { net->forward(x, t, cond); };
    Timed r = time_calls(call, steps, device);
    r.build_ms = build;
    report("decoder step (batch 2, 64x64)", r, label, device);
    report_winograd(*net);
    maybe_profile(call);
    loaded.push_back(net.ptr());
  }
  if (wants("sr")) {
    auto t0 = Clock::now();
    pb::nn::unclip::SuperRes net(pb::nn::unclip::SuperResConfig::karlo());
    if (channels_last_from >= 0) net->set_cpu_channels_last_min_pixels(channels_last_from);
    if (winograd_from >= 0) pb::nn::set_cpu_winograd_min_pixels(*net, winograd_from);
    place(net, device, bf16);
    const double build = ms_since(t0);
    const auto x = torch::randn({1, 3, 256, 256}, f32);
    const auto low = torch::rand({1, 3, 256, 256}, f32) * 2 - 1;
    const auto t = torch::full({1}, 500, f32.dtype(torch::kLong));
    auto call = [&] { net->forward(x, t, low, false); };
    Timed r = time_calls(call, steps, device);
    r.build_ms = build;
    report("SR first-steps step (batch 1, 256x256)", r, label, device);
    report_winograd(*net);
    maybe_profile(call);
    loaded.push_back(net.ptr());
  }
  if (wants("prior")) {
    auto t0 = Clock::now();
    pb::nn::unclip::Prior net(pb::nn::unclip::PriorConfig::karlo());
    place(net, device, bf16);
    const double build = ms_since(t0);
    const auto x = torch::randn({2, 768}, f32);
    const auto t = torch::full({2}, 500, f32.dtype(torch::kLong));
    const auto cond = net->condition(torch::randn({2, 768}, f32), torch::randn({2, 77, 768}, f32),
                                     torch::ones({2, 77}, f32.dtype(torch::kBool)));
    auto call = [&] { net->forward(x, t, cond); };
    Timed r = time_calls(call, std::max(steps, 3), device);
    r.build_ms = build;
    report("prior step (batch 2)", r, label, device);
    maybe_profile(call);
    loaded.push_back(net.ptr());
  }
  if (wants("clip")) {
    auto t0 = Clock::now();
    pb::nn::clip::Clip net(pb::nn::clip::Config::vit_l_14());
    place(net, device, bf16);
    const double build = ms_since(t0);
    const auto pixels = torch::randn({1, 3, 224, 224}, f32);
    auto call = [&] { net->encode_image(pixels); };
    Timed r = time_calls(call, std::max(steps, 3), device);
    r.build_ms = build;
    report("CLIP ViT-L/14 encode_image (batch 1, 224x224)", r, label, device);
    const auto tokens = torch::randint(0, 49406, {2, 77}, f32.dtype(torch::kLong));
    Timed text = time_calls([&] { net->encode_text(tokens); }, 3, device);
    report("CLIP ViT-L/14 encode_text (batch 2)", text, label, device);
    maybe_profile(call);
    loaded.push_back(net.ptr());
  }
  if (loaded.size() > 1)
    std::cout << std::fixed << std::setprecision(0) << "peak RSS with " << loaded.size()
              << " unCLIP models loaded: " << peak_rss_mib() << " MiB\n";
  std::cout << "reference (../shared/bench/ref_karlo_step.py, same machine): decoder 9.1-9.4 s, SR "
               "49-58 s per step (f32, 2 threads; 6.95 s and 34.5 s on the 2-core AMX machine); "
               "CLIP encode_image 1.24 s (1 thread, "
               "reference_timing.json)\n";
  return 0;
}

}  // namespace

PB_REGISTER_COMMAND("karlo", "unCLIP models' seconds per step (real-size, random weights)",
                    run_bench_karlo);
