#pragma once
// What `promptbrush-cli inspect` prints: a summary of a checkpoint a person can compare
// with the model author's (format, tensor count, parameter total, dtypes, and per tensor
// its name, dtype, shape and the float64 sum of its elements).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/io/checkpoint.h"

namespace pb::io {

struct TensorSummary {
  std::string name;
  std::string dtype;  // "float32", "float16", "bfloat16", "int64", ...
  std::vector<std::int64_t> shape;
  double sum = 0;  // float64 sum of the elements (NaN if any is NaN)
  // A view with more elements than its storage (e.g. stride 0): not summed (sum is NaN).
  bool overlapping = false;
};

struct CheckpointSummary {
  std::string path;
  std::string format;                // to_string(ContainerFormat)
  std::int64_t parameter_total = 0;  // elements of all tensors
  std::int64_t byte_total = 0;
  std::map<std::string, std::int64_t> dtypes;  // dtype -> tensor count
  std::map<std::string, std::string> metadata;
  std::vector<TensorSummary> tensors;
};

const char* dtype_name(torch::ScalarType t);
CheckpointSummary summarize(const Checkpoint& ck);

// Human-readable report (a header, then one line per tensor); text from the file is
// passed through pb::printable (no control characters reach the terminal).
std::string format_text(const CheckpointSummary& s);
// One JSON object: {"path","format","tensor_count","parameter_total","byte_total",
// "dtypes":{name:count},"metadata":{...},"tensors":[{"name","dtype","shape","sum"}...]}.
// A NaN or infinite sum is written as null; an overlapping view also gets
// "overlapping": true. ASCII only (other characters as \uXXXX escapes).
std::string format_json(const CheckpointSummary& s);

}  // namespace pb::io
