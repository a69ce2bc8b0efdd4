#include "engine/runtime/model_verify.h"

#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <tuple>
#include <unordered_map>

#include "engine/core/error.h"
#include "engine/io/mmap_file.h"
#include "engine/io/tensor_listing.h"
#include "engine/io/zip_archive.h"
#include "engine/nn/unclip/clip_stats.h"
#include "engine/text/vocab_files.h"

namespace pb {

namespace {

bool is_floating(const std::string& dtype) {
  return dtype == "float32" || dtype == "float16" || dtype == "bfloat16" || dtype == "float64";
}

std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

VerifyResult finish(VerifyResult r, VerifyStatus status) {
  r.status = status;
  if (r.summary.empty() && !r.problems.empty()) r.summary = r.problems.front();
  return r;
}

VerifyResult start(const std::string& path) {
  VerifyResult r;
  r.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) r.bytes = static_cast<std::uint64_t>(st.st_size);
  return r;
}

// The reader's message without the path it starts with (the table names the file).
std::string reason(const Error& e, const std::string& path) {
  std::string msg = e.what();
  if (msg.compare(0, path.size() + 2, path + ": ") == 0) msg.erase(0, path.size() + 2);
  return msg;
}

VerifyResult verify_vocab(const ModelFile& file, const std::string& path) {
  VerifyResult r = start(path);
  if (file.bytes && r.bytes != file.bytes) {
    r.problems.push_back(std::string("size ") + std::to_string(r.bytes) + " bytes, expected " +
                         std::to_string(file.bytes) +
                         (r.bytes < file.bytes ? " (truncated download?)" : ""));
    return finish(r, VerifyStatus::wrong);
  }
  try {
    const std::string text = text::read_gzip_text(path);
    if (file.name.size() > 8 && file.name.compare(file.name.size() - 8, 8, ".json.gz") == 0) {
      if (!nlohmann::json::accept(text)) {
        r.problems.push_back("the decompressed vocabulary is not JSON");
        return finish(r, VerifyStatus::unreadable);
      }
    } else {
      // Both merges files start with a "#version" line.
      text::parse_merges(text, path, 1, -1);
    }
  } catch (const Error& e) {
    r.problems.push_back(reason(e, path));
    return finish(r, VerifyStatus::unreadable);
  }
  r.summary = "size and content as published";
  return finish(r, VerifyStatus::verified);
}

// The statistics file is tiny: the prior's own reader checks it (layouts and shapes as
// Karlo reads them).
VerifyResult verify_clip_stats(const std::string& path) {
  constexpr int kClipDim = 768;  // ViT-L/14
  VerifyResult r = start(path);
  try {
    nn::unclip::load_clip_stats(path, kClipDim);
  } catch (const Error& e) {
    r.problems.push_back(reason(e, path));
    return finish(
        r, e.code() == ErrorCode::shape_mismatch ? VerifyStatus::wrong : VerifyStatus::unreadable);
  }
  r.summary = "clip_mean and clip_std, 768 values each";
  return finish(r, VerifyStatus::verified);
}

}  // namespace

const char* to_string(VerifyStatus s) {
  switch (s) {
    case VerifyStatus::missing:
      return "missing";
    case VerifyStatus::verified:
      return "verified";
    case VerifyStatus::wrong:
      return "wrong";
    case VerifyStatus::unreadable:
      return "unreadable";
  }
  return "?";
}

std::string VerifyResult::detail() const {
  std::string s = summary;
  for (const auto& p : problems)
    if (p != summary) s += std::string("\n") + p;
  return s;
}

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"bytes", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf,
                  v < 10    ? "%.2f %s"
                  : v < 100 ? "%.1f %s"
                            : "%.0f %s",
                  v, units[u]);
  return buf;
}

VerifyResult verify_checkpoint(const std::string& path, const ModelExpectation& expected) {
  VerifyResult r = start(path);
  io::TensorListing listing;
  try {
    listing = io::list_tensors(path);
  } catch (const Error& e) {
    std::string why = reason(e, path);
    if (e.code() == ErrorCode::file_not_found) return finish(r, VerifyStatus::missing);
    r.problems.push_back(std::string("cannot be read (") + human_bytes(r.bytes) +
                         "; a truncated download?): " + why);
    return finish(r, VerifyStatus::unreadable);
  }
  auto add = [&](std::string p) {
    if (r.problems.size() < kMaxProblems) r.problems.push_back(std::move(p));
  };
  std::unordered_map<std::string, const io::TensorInfo*> found;
  for (const auto& t : listing.tensors) found.emplace(t.name, &t);
  std::unordered_map<std::string, const ExpectedTensor*> wanted;
  for (const auto& t : expected.tensors) wanted.emplace(t.name, &t);
  std::size_t missing = 0, unexpected = 0, mismatched = 0;
  for (const auto& want : expected.tensors) {
    auto it = found.find(want.name);
    if (it == found.end()) {
      ++missing;
      add(std::string("missing key ") + want.name);
      continue;
    }
    const io::TensorInfo& got = *it->second;
    if (got.shape != want.shape) {
      ++mismatched;
      add(want.name + ": expected " + shape_text(want.shape) + ", found " + shape_text(got.shape));
    } else if (got.dtype != want.dtype && !(is_floating(got.dtype) && is_floating(want.dtype))) {
      ++mismatched;
      add(want.name + ": expected dtype " + want.dtype + ", found " + got.dtype);
    }
  }
  for (const auto& got : listing.tensors) {
    if (wanted.count(got.name)) continue;
    bool ignored = false;
    for (const auto& k : expected.ignored) ignored = ignored || k == got.name;
    if (ignored) continue;
    ++unexpected;
    add(std::string("unexpected key ") + got.name + " " + shape_text(got.shape));
  }
  if (missing + unexpected + mismatched == 0) {
    r.summary = std::to_string(expected.tensors.size()) + " tensors, " +
                with_commas(expected.parameters) + " parameters (" + listing.format + ")";
    return finish(r, VerifyStatus::verified);
  }
  // The first problem leads; the counts tell another model from a damaged one.
  r.summary = r.problems.front();
  std::string counts;
  auto count = [&](std::size_t n, const char* what) {
    if (n) counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  count(missing, "missing");
  count(unexpected, "unexpected");
  count(mismatched, "wrong shape or dtype");
  if (r.problems.size() > 1) r.summary += std::string(" (") + counts + ")";
  return finish(r, VerifyStatus::wrong);
}

VerifyResult verify_model_file(const ModelFile& file, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  if (const ModelExpectation* e = shipped_expectation(file.role))
    return verify_checkpoint(path, *e);
  if (file.role == "clip-stats") return verify_clip_stats(path);
  return verify_vocab(file, path);
}

namespace {

struct CacheKey {
  std::string path, role;
  std::uint64_t size;
  std::int64_t mtime_ns;
  bool operator<(const CacheKey& o) const {
    return std::tie(path, role, size, mtime_ns) < std::tie(o.path, o.role, o.size, o.mtime_ns);
  }
};

std::mutex cache_mutex;
std::map<CacheKey, VerifyResult>& cache() {
  static std::map<CacheKey, VerifyResult> c;
  return c;
}

}  // namespace

VerifyResult verify_in_folder(const std::string& models_dir, const ModelFile& file) {
  const auto path = locate_model_file(models_dir, file);
  if (!path) return {};
  struct stat st {};
  if (::stat(path->c_str(), &st) != 0) return {};
  const CacheKey key{*path, file.role, static_cast<std::uint64_t>(st.st_size),
                     std::int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
  {
    std::lock_guard lock(cache_mutex);
    if (auto it = cache().find(key); it != cache().end()) return it->second;
  }
  VerifyResult r = verify_model_file(file, *path);
  std::lock_guard lock(cache_mutex);
  // Entries of a file's earlier versions are dropped: the cache stays one entry per file.
  for (auto it = cache().begin(); it != cache().end();)
    it = it->first.path == key.path && it->first.role == key.role ? cache().erase(it) : ++it;
  cache().emplace(key, r);
  return r;
}

std::string quick_truncation_check(const std::string& path) {
  try {
    const auto file = io::MappedFile::open(path);
    if (file->size() == 0) return "the file is empty";
    const io::ByteSpan bytes{file->data(), file->size()};
    // Only the first and the last 64 KiB pages are touched.
    const bool zip_start = bytes.size >= 4 && bytes.data[0] == 'P' && bytes.data[1] == 'K' &&
                           bytes.data[2] == 3 && bytes.data[3] == 4;
    if (zip_start && !io::ZipArchive::looks_like_zip(bytes))
      return "it ends before its zip directory (" + human_bytes(bytes.size) +
             "): the download was cut short";
    return {};
  } catch (const Error& e) {
    return e.what();
  }
}

void clear_verify_cache() {
  std::lock_guard lock(cache_mutex);
  cache().clear();
}

}  // namespace pb
