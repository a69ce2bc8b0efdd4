// promptbrush-bench load: load time and peak RSS of a > 1 GB checkpoint in each
// container (torch.save zip, legacy torch.save, safetensors), against the time to
// read the file's bytes. The set-up step writes random weights with our own
// torch.save-compatible writers (no Python). Each measurement runs in a fresh process
// (this executable re-run with a hidden --child option), so peak RSS figures don't mix.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/command_registry.h"
#include "engine/io/checkpoint.h"
#include "engine/io/checkpoint_writer.h"
#include "engine/io/safetensors_writer.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

const char* kHelp =
    "Usage: promptbrush-bench load [--size-mb N] [--dir D] [--repeat R]\n\n"
    "Writes a float32 checkpoint of about N MB (default 1100) of random weights as\n"
    "bench-<N>mb.pt (torch.save zip), .legacy.pt and .safetensors in D (default\n"
    "/tmp/promptbrush-bench-load; kept for later runs), then, each in a fresh process,\n"
    "times load_checkpoint and a first touch of every page of the tensors, and records\n"
    "peak RSS, against a plain read() of the same file just before.\n"
    "Best of R runs (default 2) for times, largest peak RSS.\n";

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

long rss_kb(const char* field) {  // "VmRSS:" or "VmHWM:" from /proc/self/status
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  return 0;
}

// Reads one byte per 4 KiB page of every storage: what the first real use costs.
std::uint64_t touch(const pb::io::TensorList& tensors) {
  std::set<const void*> seen;
  std::uint64_t acc = 0;
  for (const auto& [name, t] : tensors) {
    const auto* p = static_cast<const volatile std::uint8_t*>(t.storage().data());
    if (!p || !seen.insert(const_cast<const std::uint8_t*>(p)).second) continue;
    const std::size_t n = t.storage().nbytes();
    for (std::size_t i = 0; i < n; i += 4096) acc += p[i];
  }
  return acc;
}

// The child: prints "load_ms touch_ms start_rss_kb peak_rss_kb tensor_bytes".
int child(const std::string& mode, const std::string& file) {
  const long start_rss = rss_kb("VmRSS:");
  std::uint64_t tensor_bytes = 0, sink = 0;
  double load_ms = 0, touch_ms = 0;
  if (mode == "read") {
    auto t0 = Clock::now();
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (!f) return 1;
    std::vector<char> buf(fs::file_size(file));
    tensor_bytes = buf.size();
    if (std::fread(buf.data(), 1, buf.size(), f) != buf.size()) return 1;
    std::fclose(f);
    load_ms = ms_since(t0);
    for (std::size_t i = 0; i < buf.size(); i += 4096) sink += static_cast<unsigned char>(buf[i]);
  } else {
    auto t0 = Clock::now();
    pb::io::Checkpoint ck = pb::io::load_checkpoint(file);
    load_ms = ms_since(t0);
    auto t1 = Clock::now();
    sink = touch(ck.tensors);
    touch_ms = ms_since(t1);
    for (const auto& [n, t] : ck.tensors) tensor_bytes += t.numel() * t.element_size();
  }
  std::printf("%.3f %.3f %ld %ld %llu %llu\n", load_ms, touch_ms, start_rss, rss_kb("VmHWM:"),
              static_cast<unsigned long long>(tensor_bytes),
              static_cast<unsigned long long>(sink % 2));
  return 0;
}

struct Figures {
  double load_ms = 1e30, touch_ms = 1e30, total_ms = 1e30;
  long start_kb = 0, peak_kb = 0;
  std::uint64_t tensor_bytes = 0;
};

bool run_child(const std::string& mode, const std::string& file, Figures& best) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    // exec a fresh image: no inherited heap, thread pools or page mappings.
    execl("/proc/self/exe", "promptbrush-bench", "load", "--child", mode.c_str(), file.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;
  Figures f;
  unsigned long long bytes = 0, sink = 0;
  if (std::sscanf(out.c_str(), "%lf %lf %ld %ld %llu %llu", &f.load_ms, &f.touch_ms, &f.start_kb,
                  &f.peak_kb, &bytes, &sink) != 6)
    return false;
  best.load_ms = std::min(best.load_ms, f.load_ms);
  best.touch_ms = std::min(best.touch_ms, f.touch_ms);
  best.total_ms = std::min(best.total_ms, f.load_ms + f.touch_ms);
  best.start_kb = std::max(best.start_kb, f.start_kb);
  best.peak_kb = std::max(best.peak_kb, f.peak_kb);
  best.tensor_bytes = bytes;
  return true;
}

void make_checkpoints(long size_mb, const std::string& stem) {
  // Shapes like a large diffusion model's: big 2-D weights plus small vectors.
  pb::io::TensorList tensors;
  torch::manual_seed(0);
  const std::int64_t budget = size_mb * (1ll << 20) / 4;
  std::int64_t used = 0;
  for (int i = 0; used < budget; ++i) {
    const std::int64_t rows = std::min<std::int64_t>(2048, (budget - used) / 2048 + 1);
    tensors.emplace_back("blocks." + std::to_string(i) + ".weight", torch::randn({rows, 2048}));
    tensors.emplace_back("blocks." + std::to_string(i) + ".bias", torch::randn({rows}));
    used += rows * 2049;
  }
  auto t0 = Clock::now();
  pb::io::save_torch_zip(stem + ".pt", tensors);
  pb::io::save_torch_legacy(stem + ".legacy.pt", tensors);
  pb::io::save_safetensors(stem + ".safetensors", tensors, {{"format", "pt"}});
  std::cout << "wrote " << tensors.size() << " tensors (" << used * 4 / (1 << 20)
            << " MiB) in 3 containers in " << ms_since(t0) / 1000 << " s\n";
}

int run_load(const std::vector<std::string>& args) {
  long size_mb = 1100, repeat = 2;
  std::string dir = "/tmp/promptbrush-bench-load";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw std::runtime_error("load: " + a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kHelp;
      return 0;
    } else if (a == "--child" && i + 2 < args.size()) {
      return child(args[i + 1], args[i + 2]);
    } else if (a == "--size-mb") {
      size_mb = std::stol(value());
    } else if (a == "--dir") {
      dir = value();
    } else if (a == "--repeat") {
      repeat = std::stol(value());
    } else {
      std::cerr << "promptbrush-bench load: unknown argument " << a << "\n" << kHelp;
      return 2;
    }
  }
  if (size_mb < 1 || repeat < 1)
    throw std::runtime_error("load: --size-mb and --repeat must be positive");
  fs::create_directories(dir);
  const std::string stem = dir + "/bench-" + std::to_string(size_mb) + "mb";
  if (!fs::exists(stem + ".pt") || !fs::exists(stem + ".legacy.pt") ||
      !fs::exists(stem + ".safetensors"))
    make_checkpoints(size_mb, stem);

  struct Row {
    const char* name;
    std::string mode, file;
    Figures f;
  };
  // Each container right after a plain read() of the same file, so both see the same
  // page-cache state (x_read compares the two).
  std::vector<Row> rows = {{"read .pt", "read", stem + ".pt", {}},
                           {"torch zip", "load", stem + ".pt", {}},
                           {"read .legacy", "read", stem + ".legacy.pt", {}},
                           {"torch legacy", "load", stem + ".legacy.pt", {}},
                           {"read .st", "read", stem + ".safetensors", {}},
                           {"safetensors", "load", stem + ".safetensors", {}}};
  for (long r = 0; r < repeat; ++r)
    for (auto& row : rows)
      if (!run_child(row.mode, row.file, row.f))
        throw std::runtime_error("load: measuring " + row.file + " failed");

  const double tensor_mb = double(rows[1].f.tensor_bytes) / (1 << 20);
  std::printf("checkpoint: %.0f MiB of float32 tensors; times best of %ld\n", tensor_mb, repeat);
  std::printf("%-14s %9s %9s %9s %8s %10s %10s %8s\n", "container", "load_ms", "touch_ms",
              "total_ms", "x_read", "peak_MiB", "delta_MiB", "x_bytes");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    const double read_ms = rows[i - i % 2].f.total_ms;
    const double delta_mb = double(row.f.peak_kb - row.f.start_kb) / 1024;
    std::printf("%-14s %9.1f %9.1f %9.1f %8.2f %10.1f %10.1f %8.2f\n", row.name, row.f.load_ms,
                row.f.touch_ms, row.f.total_ms, row.f.total_ms / read_ms,
                double(row.f.peak_kb) / 1024, delta_mb, delta_mb / tensor_mb);
  }
  std::printf(
      "load_ms: load_checkpoint; touch_ms: first read of every 4 KiB page of the tensors;\n"
      "x_read: total vs the plain read() above it; delta_MiB: peak RSS minus RSS at process "
      "start;\n"
      "x_bytes: delta over the tensor bytes.\n");
  return 0;
}

}  // namespace

PB_REGISTER_COMMAND("load", "checkpoint load time and peak RSS per container format", run_load);
