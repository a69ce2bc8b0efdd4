#pragma once
// Checks of the engine against the reference fixtures (shared/fixtures/glide, whose
// README is the specification), with no Qt: the Qt Test suites assert on them, and
// `promptbrush-bench parity` runs them where only LibTorch is installed (a CUDA
// machine), on any device and in the reference's half precision there.
//
//   pb::parity::Target target{torch::Device(torch::kCUDA), torch::kHalf};
//   for (const auto& c : pb::parity::glide_forward(pb::parity::fixtures_dir(), target))
//     std::cout << c.name << (c.passed() ? " ok" : " FAILED") << "\n";
#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

namespace pb::parity {

using TensorMap = std::map<std::string, torch::Tensor>;

// $PROMPTBRUSH_FIXTURES, else ../shared/fixtures beside the source checkout.
std::string fixtures_dir();
// dir/relative if that file exists, else "".
std::string fixture_path(const std::string& dir, const std::string& relative);

// A torch.save'd plain dict str -> tensor (README section 2). Throws std::runtime_error.
TensorMap load_io_fixture(const std::string& path);
// map[key]; throws std::runtime_error naming the key.
const torch::Tensor& field(const TensorMap& map, const std::string& key);
// max |a - b| / max |b| in float64 on the CPU; infinity when the shapes differ.
double max_rel_error(const torch::Tensor& a, const torch::Tensor& b);

// Where the engine runs: float32 (the parity mode, any device) or float16 on CUDA
// (the reference's GPU mode: convert_to_fp16).
struct Target {
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat;
};
std::string describe(const Target& target);
// ~1e-6 per forward in float32, growing to ~1e-5 along a trajectory: 1e-4 leaves room
// for other BLAS and kernels. Half precision keeps ~3 significant digits.
double forward_tolerance(const Target& target);
double sampling_tolerance(const Target& target);

struct Check {
  enum class Status { passed, failed, skipped };
  std::string name;
  Status status = Status::skipped;
  double error = 0;      // the measured relative error, where there is one
  double tolerance = 0;  // what it was held to
  std::string detail;    // why it failed or was skipped, or what was measured

  bool passed() const { return status == Status::passed; }
  bool skipped() const { return status == Status::skipped; }
};

// Building blocks of the checks.
Check skipped(const std::string& name, const std::string& why);
Check failed(const std::string& name, const std::string& why);
// Passed when error <= tolerance.
Check measured(const std::string& name, double error, double tolerance, std::string detail = {});
// The whole file as bytes ("" if unreadable).
std::string read_text(const std::string& path);
// Float32 on a GPU means float32: no TF32 in convolutions or matrix products.
void prepare(const Target& target);

// Forward passes of the four small models in every weight container, each recorded
// intermediate and the output (README sections 4-6). One check per tensor.
std::vector<Check> glide_forward(const std::string& fixtures, const Target& target);
// Whole sampling trajectories fed their recorded noise (README section 8.2): inpainting
// DDPM and DDIM with guidance, and the upsample stage. One check per trajectory, the
// worst step of network output, x, pred_xstart and the final sample.
std::vector<Check> glide_sampling(const std::string& fixtures, const Target& target);
// The real-size module trees against the published manifests: keys, shapes, the
// parameter count and the dtypes convert_to_fp16 leaves. One check per model; builds
// ~1.6 GB models on the CPU.
std::vector<Check> glide_manifests(const std::string& fixtures);

}  // namespace pb::parity
