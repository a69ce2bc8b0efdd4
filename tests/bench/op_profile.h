// Per-operator wall time of the top-level ATen calls made on this thread, for the
// benchmarks' --profile option: says where a denoising step goes without a profiler build.
#pragma once

#include <memory>
#include <string>

namespace pb::bench {

class OpProfile {
 public:
  OpProfile();  // starts recording on the calling thread
  ~OpProfile();
  OpProfile(const OpProfile&) = delete;
  OpProfile& operator=(const OpProfile&) = delete;

  // Operators sorted by total time, with call counts and share of the recorded wall time.
  std::string table(int rows = 20) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace pb::bench
