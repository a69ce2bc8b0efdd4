#include "engine/io/zip_archive.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "engine/core/error.h"
#include "engine/io/inflate.h"

namespace pb::io {
namespace {

constexpr std::uint32_t kEocdSig = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::uint32_t kZip64EocdSig = 0x06064b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::size_t kEocdSize = 22;

std::uint64_t le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Offset of the end-of-central-directory record, or -1.
std::int64_t find_eocd(ByteSpan f) {
  if (f.size < kEocdSize) return -1;
  // The record is followed by a comment of at most 65535 bytes.
  std::size_t lowest = f.size > kEocdSize + 65535 ? f.size - kEocdSize - 65535 : 0;
  for (std::size_t pos = f.size - kEocdSize + 1; pos-- > lowest;) {
    if (le(f.data + pos, 4) == kEocdSig && pos + kEocdSize + le(f.data + pos + 20, 2) == f.size)
      return static_cast<std::int64_t>(pos);
  }
  return -1;
}

}  // namespace

bool ZipArchive::looks_like_zip(ByteSpan file) { return find_eocd(file) >= 0; }

void ZipArchive::fail(const std::string& what) const {
  throw Error(ErrorCode::bad_file, path_ + ": corrupt zip archive: " + what);
}

ZipArchive::ZipArchive(ByteSpan file, std::string path) : file_(file), path_(std::move(path)) {
  std::int64_t eocd = find_eocd(file_);
  if (eocd < 0) fail("no end-of-central-directory record (truncated or not a zip)");
  const std::uint8_t* e = file_.data + eocd;
  std::uint64_t count = le(e + 10, 2);
  std::uint64_t cd_size = le(e + 12, 4);
  std::uint64_t cd_offset = le(e + 16, 4);
  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    // zip64: a locator sits right before the classic record.
    if (eocd < 20 || le(file_.data + eocd - 20, 4) != kZip64LocatorSig)
      fail("zip64 locator missing");
    std::uint64_t rec = le(file_.data + eocd - 20 + 8, 8);
    if (!file_.contains(rec, 56) || le(file_.data + rec, 4) != kZip64EocdSig)
      fail("zip64 end-of-central-directory record out of range");
    count = le(file_.data + rec + 32, 8);
    cd_size = le(file_.data + rec + 40, 8);
    cd_offset = le(file_.data + rec + 48, 8);
  }
  if (!file_.contains(cd_offset, cd_size)) fail("central directory lies outside the file");
  // Each central record is at least 46 bytes: bounds the count before reserving.
  if (count > cd_size / 46) fail("entry count larger than the central directory");
  entries_.reserve(count);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // [local header, data end)
  spans.reserve(count);
  std::uint64_t pos = cd_offset, end = cd_offset + cd_size;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (pos + 46 > end) fail("central directory truncated");
    const std::uint8_t* c = file_.data + pos;
    if (le(c, 4) != kCentralSig) fail("bad central directory signature");
    Entry entry;
    entry.method = static_cast<std::uint16_t>(le(c + 10, 2));
    std::uint64_t csize = le(c + 20, 4);
    std::uint64_t usize = le(c + 24, 4);
    std::uint64_t name_len = le(c + 28, 2), extra_len = le(c + 30, 2), comment_len = le(c + 32, 2);
    std::uint64_t local = le(c + 42, 4);
    if (pos + 46 + name_len + extra_len + comment_len > end) fail("central directory truncated");
    entry.name.assign(reinterpret_cast<const char*>(c + 46), name_len);
    // zip64 extended information: the 8-byte fields present are those saturated above.
    const std::uint8_t* x = c + 46 + name_len;
    for (std::uint64_t xo = 0; xo + 4 <= extra_len;) {
      std::uint64_t id = le(x + xo, 2), len = le(x + xo + 2, 2);
      if (xo + 4 + len > extra_len) break;
      if (id == 0x0001) {
        const std::uint8_t* f = x + xo + 4;
        std::uint64_t avail = len;
        auto take = [&](std::uint64_t& field) {
          if (field != 0xFFFFFFFF) return;
          if (avail < 8) fail("zip64 field missing for '" + entry.name + "'");
          field = le(f, 8);
          f += 8;
          avail -= 8;
        };
        take(usize);
        take(csize);
        take(local);
      }
      xo += 4 + len;
    }
    if (!file_.contains(local, 30) || le(file_.data + local, 4) != kLocalSig)
      fail("bad local header for '" + entry.name + "'");
    std::uint64_t data =
        local + 30 + le(file_.data + local + 26, 2) + le(file_.data + local + 28, 2);
    entry.data_offset = data;
    entry.size = entry.method == 0 ? usize : csize;
    entry.uncompressed_size = usize;
    if (entry.method == 0 && csize != usize) fail("stored entry '" + entry.name + "' sizes differ");
    if (!file_.contains(data, entry.size))
      fail("entry '" + entry.name + "' extends past the end of the file (truncated?)");
    // Tools disagree on which of two same-named entries counts (Python's zipfile takes
    // the last): a file that reads differently in different tools is refused.
    if (!index_.emplace(entry.name, entries_.size()).second)
      fail("entry '" + entry.name + "' appears twice");
    spans.emplace_back(local, data + entry.size);
    entries_.push_back(std::move(entry));
    pos += 46 + name_len + extra_len + comment_len;
  }
  // Entries sharing bytes (a zip bomb's trick) would make a small file read as many
  // large ones; writers never produce them.
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 1; i < spans.size(); ++i)
    if (spans[i].first < spans[i - 1].second)
      fail("two entries overlap at byte " + std::to_string(spans[i].first));
}

const ZipArchive::Entry* ZipArchive::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

ByteSpan ZipArchive::data(const Entry& entry) const {
  if (entry.method != 0)
    throw Error(ErrorCode::unsupported,
                path_ + ": zip entry '" + entry.name + "' is compressed (method " +
                    std::to_string(entry.method) +
                    "); torch.save writes uncompressed entries: re-save the checkpoint with "
                    "torch.save or convert it to safetensors");
  return {file_.data + entry.data_offset, static_cast<std::size_t>(entry.size)};
}

ByteSpan ZipArchive::data(const std::string& name) const {
  const Entry* entry = find(name);
  if (!entry) throw Error(ErrorCode::bad_file, path_ + ": zip entry '" + name + "' is missing");
  return data(*entry);
}

std::string ZipArchive::read(const Entry& entry, std::uint64_t max_size) const {
  ByteSpan raw{file_.data + entry.data_offset, static_cast<std::size_t>(entry.size)};
  if (entry.uncompressed_size > max_size)
    throw Error(ErrorCode::unsupported, path_ + ": zip entry '" + entry.name + "' holds " +
                                            std::to_string(entry.uncompressed_size) +
                                            " bytes, more than the " + std::to_string(max_size) +
                                            " this reader accepts");
  if (entry.method == 0) return std::string(reinterpret_cast<const char*>(raw.data), raw.size);
  if (entry.method != 8) data(entry);  // throws: unsupported method
  return inflate_raw(raw, entry.uncompressed_size, path_ + ": zip entry '" + entry.name + "'");
}

}  // namespace pb::io
