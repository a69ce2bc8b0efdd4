#include "engine/io/inspect.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

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
    if (t.is_complex()) {
      ts.sum = torch::view_as_real(t).sum(torch::kDouble).item<double>();
    } else {
      ts.sum = t.numel() ? t.sum(torch::kDouble).item<double>() : 0.0;
    }
    s.parameter_total += t.numel();
    s.byte_total += t.numel() * static_cast<std::int64_t>(t.element_size());
    s.dtypes[ts.dtype] += 1;
    s.tensors.push_back(std::move(ts));
  }
  return s;
}

std::string format_text(const CheckpointSummary& s) {
  std::ostringstream os;
  os << "file:       " << s.path << "\n"
     << "format:     " << s.format << "\n"
     << "tensors:    " << s.tensors.size() << "\n"
     << "parameters: " << s.parameter_total << " (" << s.byte_total << " bytes)\n"
     << "dtypes:    ";
  for (const auto& [d, n] : s.dtypes) os << " " << d << " x" << n;
  os << "\n";
  for (const auto& [k, v] : s.metadata) os << "meta:       " << k << " = " << v << "\n";
  std::size_t width = 4;
  for (const auto& t : s.tensors) width = std::max(width, t.name.size());
  for (const auto& t : s.tensors) {
    std::string shape = "[";
    for (std::size_t i = 0; i < t.shape.size(); ++i)
      shape += (i ? ", " : "") + std::to_string(t.shape[i]);
    shape += "]";
    char sum[40];
    std::snprintf(sum, sizeof sum, "%.10g", t.sum);
    os << t.name << std::string(width - t.name.size() + 2, ' ') << t.dtype
       << std::string(t.dtype.size() < 9 ? 9 - t.dtype.size() : 1, ' ') << shape << "  sum=" << sum
       << "\n";
  }
  return os.str();
}

std::string format_json(const CheckpointSummary& s) {
  nlohmann::ordered_json j;
  j["path"] = s.path;
  j["format"] = s.format;
  j["tensor_count"] = s.tensors.size();
  j["parameter_total"] = s.parameter_total;
  j["byte_total"] = s.byte_total;
  j["dtypes"] = nlohmann::ordered_json::object();
  for (const auto& [d, n] : s.dtypes) j["dtypes"][d] = n;
  j["metadata"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : s.metadata) j["metadata"][k] = v;
  auto& list = j["tensors"] = nlohmann::ordered_json::array();
  for (const auto& t : s.tensors) {
    nlohmann::ordered_json e;
    e["name"] = t.name;
    e["dtype"] = t.dtype;
    e["shape"] = t.shape;
    if (std::isfinite(t.sum))
      e["sum"] = t.sum;
    else
      e["sum"] = nullptr;
    list.push_back(std::move(e));
  }
  // Invalid UTF-8 in a name (a corrupt file) is replaced rather than thrown on.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace pb::io
