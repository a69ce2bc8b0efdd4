#pragma once
// Errors that cross the engine API: a code a program can branch on and a message a
// person can act on (the file, the key, the expected and the found shape).
// Inside the engine, code throws pb::Error; the public entry points catch everything
// and return it as EngineError, so no exception crosses the API.
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace pb {

enum class ErrorCode {
  invalid_argument,    // a request or command-line value is out of range or malformed
  file_not_found,      // an input file or folder does not exist
  bad_file,            // a file exists but is corrupt, truncated or of an unknown format
  unsupported,         // a valid file or request uses something we do not implement
  missing_weights,     // a model file is absent from the models folder
  shape_mismatch,      // weights do not fit the model (missing/unexpected keys, shapes)
  cancelled,           // the caller's cancel token was set
  superseded,          // a newer interactive job replaced this one
  out_of_memory,       // allocation failed (host or device)
  device_unavailable,  // e.g. CUDA requested but not present
  io_error,            // reading or writing failed for a reason other than the above
  internal,            // a bug: anything we did not anticipate
};

const char* to_string(ErrorCode code);

struct EngineError {
  ErrorCode code = ErrorCode::internal;
  std::string message;
};

// Thrown inside the engine; converted to EngineError at the API boundary.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }
  EngineError to_engine_error() const { return {code_, what()}; }

 private:
  ErrorCode code_;
};

// A value or an EngineError (std::expected is C++23).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(EngineError error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const EngineError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, EngineError> v_;
};

// Runs fn, turning any exception (pb::Error, c10::Error, std::bad_alloc, ...) into an
// EngineError. Used at every public engine entry point.
EngineError error_from_current_exception();

template <class Fn>
auto guarded(Fn&& fn) -> Result<decltype(fn())> {
  try {
    return fn();
  } catch (...) {
    return error_from_current_exception();
  }
}

}  // namespace pb
