#include "engine/io/inspect.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>

#include "engine/core/printable.h"

namespace pb::io {

const char* dtype_name(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat:
      return "float32";
    case torch::kDouble:
      return "float64";
    case torch::kHalf:
      return "float16";
    case torch::kBFloat16:
      return "bfloat16";
    case torch::kLong:
      return "int64";
    case torch::kInt:
      return "int32";
    case torch::kShort:
      return "int16";
    case torch::kChar:
      return "int8";
    case torch::kByte:
      return "uint8";
    case torch::kBool:
      return "bool";
    case torch::kComplexFloat:
      return "complex64";
    case torch::kComplexDouble:
      return "complex128";
    default:
      return c10::toString(t);
  }
}

namespace {

// The float64 sum, in chunks so that no float64 copy of a whole tensor is made. A view
// claiming more elements than its storage holds (stride 0 over one element, claiming
// gigabytes) is not summed: the work would not be bounded by the file's size.
std::optional<double> bounded_sum(const torch::Tensor& t) {
  if (t.numel() == 0) return 0.0;
  const std::int64_t stored =
      static_cast<std::int64_t>(t.storage().nbytes() / std::max<std::size_t>(t.element_size(), 1));
  if (t.numel() > stored) return std::nullopt;
  torch::Tensor flat = (t.is_complex() ? torch::view_as_real(t) : t).contiguous().view(-1);
  constexpr std::int64_t kChunk = std::int64_t{1} << 20;
  double sum = 0;
  for (std::int64_t i = 0; i < flat.numel(); i += kChunk)
    sum += flat.slice(0, i, std::min(flat.numel(), i + kChunk)).sum(torch::kDouble).item<double>();
  return sum;
}

std::string quote(const std::string& s) {
  // ASCII-only JSON: safe on a terminal; invalid UTF-8 (a corrupt file) is replaced.
  return nlohmann::json(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

}  // namespace

CheckpointSummary summarize(const Checkpoint& ck) {
  CheckpointSummary s;
  s.path = ck.path;
  s.format = to_string(ck.format);
  s.metadata = ck.metadata;
  torch::NoGradGuard no_grad;
  for (const auto& [name, t] : ck.tensors) {
    TensorSummary ts;
    ts.name = name;
    ts.dtype = dtype_name(t.scalar_type());
    ts.shape = t.sizes().vec();
    const std::optional<double> sum = bounded_sum(t);
    ts.overlapping = !sum;
    ts.sum = sum.value_or(std::nan(""));
    s.parameter_total += t.numel();
    s.byte_total += t.numel() * static_cast<std::int64_t>(t.element_size());
    s.dtypes[ts.dtype] += 1;
    s.tensors.push_back(std::move(ts));
  }
  return s;
}

std::string format_text(const CheckpointSummary& s) {
  std::ostringstream os;
  os << "file:       " << printable(s.path) << "\n"
     << "format:     " << s.format << "\n"
     << "tensors:    " << s.tensors.size() << "\n"
     << "parameters: " << s.parameter_total << " (" << s.byte_total << " bytes)\n"
     << "dtypes:    ";
  for (const auto& [d, n] : s.dtypes) os << " " << d << " x" << n;
  os << "\n";
  for (const auto& [k, v] : s.metadata)
    os << "meta:       " << printable(k) << " = " << printable(v) << "\n";
  // Names are aligned up to a width: one long name must not pad every row.
  constexpr std::size_t kMaxWidth = 64;
  std::size_t width = 4;
  std::vector<std::string> names;
  names.reserve(s.tensors.size());
  for (const auto& t : s.tensors) {
    names.push_back(printable(t.name));
    width = std::max(width, std::min(names.back().size(), kMaxWidth));
  }
  for (std::size_t i = 0; i < s.tensors.size(); ++i) {
    const auto& t = s.tensors[i];
    std::string shape = "[";
    for (std::size_t d = 0; d < t.shape.size(); ++d)
      shape += (d ? ", " : "") + std::to_string(t.shape[d]);
    shape += "]";
    char sum[48];
    if (t.overlapping)
      std::snprintf(sum, sizeof sum, "n/a (overlapping view)");
    else
      std::snprintf(sum, sizeof sum, "%.10g", t.sum);
    os << names[i] << std::string(names[i].size() < width ? width - names[i].size() + 2 : 2, ' ')
       << t.dtype << std::string(t.dtype.size() < 9 ? 9 - t.dtype.size() : 1, ' ') << shape
       << "  sum=" << sum << "\n";
  }
  return os.str();
}

// Written piece by piece: an ordered_json object looks keys up linearly, so 10^5
// metadata keys would take quadratic time.
std::string format_json(const CheckpointSummary& s) {
  std::string out = "{\"path\":" + quote(s.path) + ",\"format\":" + quote(s.format) +
                    ",\"tensor_count\":" + std::to_string(s.tensors.size()) +
                    ",\"parameter_total\":" + std::to_string(s.parameter_total) +
                    ",\"byte_total\":" + std::to_string(s.byte_total) + ",\"dtypes\":{";
  bool first = true;
  for (const auto& [d, n] : s.dtypes) {
    out += (first ? "" : ",") + quote(d) + ":" + std::to_string(n);
    first = false;
  }
  out += "},\"metadata\":{";
  first = true;
  for (const auto& [k, v] : s.metadata) {
    out += (first ? "" : ",") + quote(k) + ":" + quote(v);
    first = false;
  }
  out += "},\"tensors\":[";
  for (std::size_t i = 0; i < s.tensors.size(); ++i) {
    const auto& t = s.tensors[i];
    nlohmann::json e;
    e["name"] = t.name;
    e["dtype"] = t.dtype;
    e["shape"] = t.shape;
    e["sum"] = std::isfinite(t.sum) ? nlohmann::json(t.sum) : nlohmann::json(nullptr);
    if (t.overlapping) e["overlapping"] = true;
    out += (i ? "," : "") + e.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  }
  return out + "]}";
}

}  // namespace pb::io
