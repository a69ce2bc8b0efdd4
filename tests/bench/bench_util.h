#pragma once
// Timing and memory helpers shared by the bench verbs.
#include <torch/types.h>

#include <chrono>
#include <vector>

namespace pb::bench {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0);
// Process CPU time (all threads): on a machine shared with other jobs it says what a step
// costs without the waiting.
double cpu_ms();
double peak_rss_mib();
// OpenBLAS keeps its own pthread pool; set it at run time without a link dependency.
bool set_blas_threads(int n);
void sync(const torch::Device& device);
double mean(const std::vector<double>& v);

}  // namespace pb::bench
