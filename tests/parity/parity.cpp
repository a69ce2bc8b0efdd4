#include "tests/parity/parity.h"

#include <ATen/Context.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace pb::parity {

std::string fixtures_dir() {
  if (const char* env = std::getenv("PROMPTBRUSH_FIXTURES"); env && *env) return env;
  return std::filesystem::path(PB_DEFAULT_FIXTURES).lexically_normal().string();
}

std::string fixture_path(const std::string& dir, const std::string& relative) {
  const std::filesystem::path path = std::filesystem::path(dir) / relative;
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) ? path.string() : std::string();
}

TensorMap load_io_fixture(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                                std::istreambuf_iterator<char>());
  TensorMap map;
  for (const auto& item : torch::jit::pickle_load(bytes).toGenericDict())
    map[item.key().toStringRef()] = item.value().toTensor();
  return map;
}

const torch::Tensor& field(const TensorMap& map, const std::string& key) {
  const auto it = map.find(key);
  if (it == map.end()) throw std::runtime_error("fixture key " + key + " missing");
  return it->second;
}

double max_rel_error(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes()) return std::numeric_limits<double>::infinity();
  const auto ad = a.detach().to(torch::kCPU, torch::kDouble);
  const auto bd = b.detach().to(torch::kCPU, torch::kDouble);
  const double scale = std::max(bd.abs().max().item<double>(), 1e-30);
  return (ad - bd).abs().max().item<double>() / scale;
}

std::string describe(const Target& target) {
  return target.device.str() + (target.dtype == torch::kHalf ? " float16" : " float32");
}

double forward_tolerance(const Target& target) {
  return target.dtype == torch::kHalf ? 2e-2 : 1e-4;
}

double sampling_tolerance(const Target& target) {
  return target.dtype == torch::kHalf ? 5e-2 : 1e-4;
}

Check skipped(const std::string& name, const std::string& why) {
  Check c;
  c.name = name;
  c.detail = why;
  return c;
}

Check failed(const std::string& name, const std::string& why) {
  Check c = skipped(name, why);
  c.status = Check::Status::failed;
  return c;
}

Check measured(const std::string& name, double error, double tolerance, std::string detail) {
  Check c;
  c.name = name;
  c.error = error;
  c.tolerance = tolerance;
  c.status = error <= tolerance ? Check::Status::passed : Check::Status::failed;
  c.detail = std::move(detail);
  return c;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void prepare(const Target& target) {
  if (target.device.is_cuda()) {
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
  }
}

}  // namespace pb::parity
