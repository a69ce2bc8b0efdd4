#pragma once
// Helpers shared by the diffusion tests: reading a plain-dict .io.pt fixture and measuring
// errors against it.
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/types.h>
#include <torch/utils.h>
// (after LibTorch: Qt's `slots` macro breaks torch headers)
#include <QString>
#include <QtTest>

#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "engine/core/error.h"

namespace pbtest {

using TensorMap = std::map<std::string, torch::Tensor>;

// A torch.save'd plain dict str -> tensor (glide/README.md section 2).
inline TensorMap load_io_fixture(const QString& path) {
  std::ifstream file(path.toStdString(), std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                                std::istreambuf_iterator<char>());
  TensorMap map;
  for (const auto& item : torch::jit::pickle_load(bytes).toGenericDict())
    map[item.key().toStringRef()] = item.value().toTensor();
  return map;
}

inline const torch::Tensor& field(const TensorMap& map, const std::string& key) {
  const auto it = map.find(key);
  if (it == map.end()) throw std::runtime_error("fixture key " + key + " missing");
  return it->second;
}

// max |a - b| / max |b|: the relative error of a whole tensor against a reference.
inline double max_rel_error(const torch::Tensor& a, const torch::Tensor& b) {
  const auto ad = a.to(torch::kDouble);
  const auto bd = b.to(torch::kDouble);
  const double scale = std::max(bd.abs().max().item<double>(), 1e-30);
  return (ad - bd).abs().max().item<double>() / scale;
}

// The pb::ErrorCode that fn throws (internal when it throws none).
template <class Fn>
inline pb::ErrorCode error_code_of(Fn&& fn) {
  try {
    fn();
  } catch (const pb::Error& e) {
    return e.code();
  }
  return pb::ErrorCode::internal;
}

}  // namespace pbtest
