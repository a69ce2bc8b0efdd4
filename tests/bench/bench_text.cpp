// promptbrush-bench tokenizers: load time of the GLIDE and CLIP vocabularies and encode time
// of a typical prompt (first call, i.e. BPE cache cold, and cached), plus throughput on text
// whose words are all new to the cache.
#ifdef PB_WITH_PIPELINES
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "engine/core/command_registry.h"
#include "engine/text/clip_tokenizer.h"
#include "engine/text/glide_tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// CPU time of this thread: on a busy machine it says what a load costs without the waiting.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
}

// Distinct pseudo-words, so that every one goes through BPE.
std::string fresh_words(int n) {
  std::string s;
  uint32_t x = 12345;
  for (int i = 0; i < n; ++i) {
    const int len = 3 + int(x % 8);
    for (int k = 0; k < len; ++k) {
      x = x * 1664525u + 1013904223u;
      s += char('a' + (x >> 24) % 26);
    }
    s += ' ';
  }
  return s;
}

template <class Tok>
void bench(const char* name, const std::string& dir, int repeat) {
  const std::string prompt = "an oil painting of a corgi wearing a party hat, highly detailed";
  // Best of three loads: the figure least disturbed by other processes.
  double load_ms = 1e30, load_cpu_ms = 1e30;
  for (int i = 0; i < 3; ++i) {
    const auto t = Clock::now();
    const double c = thread_cpu_ms();
    Tok::load(dir);
    load_cpu_ms = std::min(load_cpu_ms, thread_cpu_ms() - c);
    load_ms = std::min(load_ms, ms_since(t));
  }
  const Tok tok = Tok::load(dir);
  auto t0 = Clock::now();
  const auto ids = tok.encode(prompt);
  const double cold_us = ms_since(t0) * 1000;
  t0 = Clock::now();
  for (int i = 0; i < repeat; ++i) tok.encode(prompt);
  const double warm_us = ms_since(t0) * 1000 / repeat;
  const std::string text = fresh_words(20000);
  t0 = Clock::now();
  const double c0 = thread_cpu_ms();
  tok.encode(text);
  const double fresh_ms = ms_since(t0), fresh_cpu_ms = thread_cpu_ms() - c0;
  std::cout << name << ": load " << load_ms << " ms (best of 3; CPU " << load_cpu_ms
            << " ms); prompt (" << ids.size() << " tokens) " << cold_us << " us first call, "
            << warm_us << " us cached; 20000 new words " << fresh_ms << " ms (CPU " << fresh_cpu_ms
            << " ms, " << fresh_cpu_ms * 1000 / 20000 << " us/word)\n";
}

int run(const std::vector<std::string>& args) {
  std::string dir;
  if (const char* env = std::getenv("PROMPTBRUSH_FIXTURES"))
    dir = env;
  else
    dir = PB_DEFAULT_FIXTURES;
  dir += "/tokenizer";  // appended, not "a" + b: GCC 12 warns falsely on the temporary
  int repeat = 1000;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--vocab-dir" && i + 1 < args.size()) {
      dir = args[++i];
    } else if (args[i] == "--repeat" && i + 1 < args.size()) {
      repeat = std::max(1, std::atoi(args[++i].c_str()));
    } else {
      std::cout << "Usage: promptbrush-bench tokenizers [--vocab-dir DIR] [--repeat N]\n"
                   "Times vocabulary loading and encoding for both tokenizers.\n";
      return args[i] == "--help" ? 0 : 2;
    }
  }
  bench<pb::text::GlideTokenizer>("glide", dir, repeat);
  bench<pb::text::ClipTokenizer>("clip", dir, repeat);
  return 0;
}

}  // namespace

PB_REGISTER_COMMAND("tokenizers", "time vocabulary loading and prompt encoding (GLIDE, CLIP)", run);
#endif  // PB_WITH_PIPELINES
