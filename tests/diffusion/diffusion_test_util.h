#pragma once
// Helpers shared by the diffusion tests: reading a plain-dict .io.pt fixture and measuring
// errors against it (tests/parity), and the error code a call throws.
#include <torch/types.h>
// (after LibTorch: Qt's `slots` macro breaks torch headers)
#include <QString>
#include <QtTest>

#include "engine/core/error.h"
#include "tests/parity/parity.h"

namespace pbtest {

using pb::parity::field;
using pb::parity::max_rel_error;
using pb::parity::TensorMap;

inline TensorMap load_io_fixture(const QString& path) {
  return pb::parity::load_io_fixture(path.toStdString());
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
