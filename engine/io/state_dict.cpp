// Loading a name -> tensor list into a torch::nn::Module's parameters and buffers.
#include <torch/nn/module.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "engine/core/error.h"
#include "engine/io/checkpoint.h"

namespace pb::io {
namespace {

std::string shape_text(c10::IntArrayRef sizes) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) os << (i ? ", " : "") << sizes[i];
  os << "]";
  return os.str();
}

}  // namespace

std::string StateDictReport::to_string() const {
  // A person reads this, and a hostile file may hold 10^5 long names: the first lines of
  // each kind (every key of a real model: the largest have ~1500 tensors), each name cut
  // short, then how many more.
  constexpr std::size_t kMaxLines = 2000, kMaxName = 300;
  std::ostringstream os;
  auto list = [&](const std::vector<std::string>& names, const char* what) {
    for (std::size_t i = 0; i < names.size() && i < kMaxLines; ++i)
      os << what << ": "
         << (names[i].size() > kMaxName ? names[i].substr(0, kMaxName) + "..." : names[i]) << "\n";
    if (names.size() > kMaxLines)
      os << "... and " << names.size() - kMaxLines << " more (" << what << ")\n";
  };
  list(mismatched, "shape mismatch");
  list(missing, "missing key");
  list(unexpected, "unexpected key");
  std::string s = os.str();
  if (!s.empty()) s.pop_back();
  return s;
}

StateDictReport load_state_dict(torch::nn::Module& module, const TensorList& tensors,
                                const StateDictOptions& options, const std::string& source_name) {
  std::map<std::string, torch::Tensor> targets;
  for (auto& p : module.named_parameters(/*recurse=*/true)) targets.emplace(p.key(), p.value());
  for (auto& b : module.named_buffers(/*recurse=*/true)) targets.emplace(b.key(), b.value());

  StateDictReport report;
  std::map<std::string, const torch::Tensor*> found;
  for (const auto& [name, t] : tensors) {
    auto it = targets.find(name);
    if (it == targets.end()) {
      report.unexpected.push_back(name);
      continue;
    }
    if (!t.defined() || t.sizes() != it->second.sizes()) {
      report.mismatched.push_back(name + ": expected " + shape_text(it->second.sizes()) +
                                  ", found " + (t.defined() ? shape_text(t.sizes()) : "nothing"));
      continue;
    }
    found[name] = &t;
  }
  for (const auto& [name, t] : targets)
    if (!found.count(name) &&
        std::find_if(report.mismatched.begin(), report.mismatched.end(), [&](const std::string& m) {
          return m.compare(0, name.size() + 1, name + ":") == 0;
        }) == report.mismatched.end())
      report.missing.push_back(name);

  const bool fatal = !report.mismatched.empty() ||
                     (options.strict && (!report.missing.empty() || !report.unexpected.empty()));
  if (fatal) {
    const std::string src = source_name.empty() ? std::string("checkpoint") : source_name;
    throw Error(ErrorCode::shape_mismatch,
                src + ": weights do not fit the model:\n" + report.to_string());
  }

  torch::NoGradGuard no_grad;
  for (const auto& [name, src] : found) {
    torch::Tensor& dst = targets[name];
    torch::Tensor value = *src;
    if (options.cast_to_param_dtype && value.scalar_type() != dst.scalar_type())
      value = value.to(dst.scalar_type());
    if (value.scalar_type() == dst.scalar_type() && value.device() == dst.device() &&
        value.is_contiguous()) {
      // Adopt (no copy): loaded weights are immutable, and the checkpoint's tensors are
      // memory of their own (never pages of the file).
      dst.set_data(value);
    } else {
      dst.copy_(value);
    }
  }
  return report;
}

}  // namespace pb::io
