#include "engine/core/error.h"

#include <exception>
#include <new>

namespace pb {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument:
      return "invalid argument";
    case ErrorCode::file_not_found:
      return "file not found";
    case ErrorCode::bad_file:
      return "bad file";
    case ErrorCode::unsupported:
      return "unsupported";
    case ErrorCode::missing_weights:
      return "missing weights";
    case ErrorCode::shape_mismatch:
      return "shape mismatch";
    case ErrorCode::cancelled:
      return "cancelled";
    case ErrorCode::superseded:
      return "superseded";
    case ErrorCode::out_of_memory:
      return "out of memory";
    case ErrorCode::device_unavailable:
      return "device unavailable";
    case ErrorCode::io_error:
      return "I/O error";
    case ErrorCode::internal:
      return "internal error";
  }
  return "unknown error";
}

EngineError error_from_current_exception() {
  try {
    throw;
  } catch (const Error& e) {
    return e.to_engine_error();
  } catch (const std::bad_alloc&) {
    return {ErrorCode::out_of_memory, "out of memory"};
  } catch (const std::exception& e) {
    // c10::Error derives from std::exception; its what() carries a C++ backtrace
    // after the first line, which is noise for a person.
    std::string msg = e.what();
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    const bool oom = msg.find("out of memory") != std::string::npos ||
                     msg.find("DefaultCPUAllocator: can't allocate") != std::string::npos;
    return {oom ? ErrorCode::out_of_memory : ErrorCode::internal, msg};
  } catch (...) {
    return {ErrorCode::internal, "unknown exception"};
  }
}

}  // namespace pb
