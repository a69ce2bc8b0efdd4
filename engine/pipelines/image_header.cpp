#include "engine/pipelines/image_header.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "engine/core/error.h"
#include "engine/core/printable.h"

namespace pb::pipelines {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

class Reader {
 public:
  explicit Reader(std::FILE* f) : f_(f) {}
  // `n` bytes at `offset`, or nothing past the end.
  std::optional<std::vector<std::uint8_t>> at(std::uint64_t offset, std::size_t n) {
    if (std::fseek(f_, static_cast<long>(offset), SEEK_SET) != 0) return std::nullopt;
    std::vector<std::uint8_t> b(n);
    if (std::fread(b.data(), 1, n, f_) != n) return std::nullopt;
    return b;
  }

 private:
  std::FILE* f_;
};

std::uint32_t be(const std::uint8_t* p, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}
std::uint32_t le(const std::uint8_t* p, int n) {
  std::uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// PNG chunks: libpng allocates the length a chunk header claims before reading it (a
// 41-byte file claiming 1.7 GB), and OpenCV offers no way to set libpng's limit; so every
// chunk must fit in the file before OpenCV sees it. Returns what is wrong, or "".
std::string png_chunks_problem(Reader& r, std::uint64_t size) {
  std::uint64_t pos = 8;
  while (pos + 8 <= size) {
    auto h = r.at(pos, 8);
    if (!h) return "unreadable chunk header";
    const std::uint64_t length = be(h->data(), 4);
    const std::string type(reinterpret_cast<const char*>(h->data() + 4), 4);
    if (length + 12 > size - pos)
      return "chunk '" + printable(type) + "' at byte " + std::to_string(pos) + " claims " +
             std::to_string(length) + " bytes, more than the file holds (truncated or damaged)";
    if (type == "IEND") return "";
    pos += 12 + length;
  }
  return "no IEND chunk (truncated)";
}

std::optional<ImageHeader> jpeg(Reader& r, std::uint64_t size) {
  // Segments from after SOI: FF marker, then a 2-byte big-endian length (not for RSTn,
  // SOI, TEM); the first SOFn frame header holds the size.
  std::uint64_t pos = 2;
  for (int segments = 0; pos + 4 <= size && segments < 100000; ++segments) {
    auto m = r.at(pos, 4);
    if (!m || (*m)[0] != 0xFF) return std::nullopt;
    const std::uint8_t marker = (*m)[1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
      pos += 2;
      continue;
    }
    const std::uint32_t length = be(m->data() + 2, 2);
    if (length < 2) return std::nullopt;
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      auto f = r.at(pos + 4, 5);
      if (!f) return std::nullopt;
      return ImageHeader{"JPEG", be(f->data() + 3, 2), be(f->data() + 1, 2)};
    }
    pos += 2 + length;
  }
  return std::nullopt;
}

std::optional<ImageHeader> webp(Reader& r) {
  auto h = r.at(12, 18);
  if (!h) return std::nullopt;
  const std::uint8_t* c = h->data();
  if (std::memcmp(c, "VP8X", 4) == 0)
    return ImageHeader{"WebP", 1 + std::int64_t(le(c + 12, 3)), 1 + std::int64_t(le(c + 15, 3))};
  if (std::memcmp(c, "VP8L", 4) == 0 && c[8] == 0x2F) {
    const std::uint32_t bits = le(c + 9, 4);
    return ImageHeader{"WebP", 1 + std::int64_t(bits & 0x3FFF),
                       1 + std::int64_t((bits >> 14) & 0x3FFF)};
  }
  if (std::memcmp(c, "VP8 ", 4) == 0 && c[11] == 0x9D && c[12] == 0x01 && c[13] == 0x2A)
    return ImageHeader{"WebP", le(c + 14, 2) & 0x3FFF, le(c + 16, 2) & 0x3FFF};
  return std::nullopt;
}

// TIFF: the first IFD's tags, first occurrence of each (as libtiff reads them). OpenCV
// sizes its strip or tile buffer from RowsPerStrip / TileWidth / TileLength, which a file
// can set far beyond the image (a 200-byte file asked for 1 GB): that buffer is refused
// like an image above the limits.
std::optional<ImageHeader> tiff(Reader& r, bool little) {
  auto get = [&](const std::uint8_t* p, int n) { return little ? le(p, n) : be(p, n); };
  auto h = r.at(4, 4);
  if (!h) return std::nullopt;
  const std::uint32_t ifd = get(h->data(), 4);
  auto n = r.at(ifd, 2);
  if (!n) return std::nullopt;
  const std::uint32_t count = get(n->data(), 2);
  auto entries = r.at(ifd + 2, std::size_t{count} * 12);
  if (!entries) return std::nullopt;
  std::map<std::uint32_t, std::int64_t> tags;  // tag -> first scalar value
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint8_t* e = entries->data() + 12 * i;
    const std::uint32_t tag = get(e, 2), type = get(e + 2, 2);
    const std::int64_t value = type == 3 ? get(e + 8, 2) : type == 4 ? get(e + 8, 4) : -1;
    tags.emplace(tag, value);
  }
  auto tag = [&](std::uint32_t t, std::int64_t fallback) {
    auto it = tags.find(t);
    return it == tags.end() || it->second < 0 ? fallback : it->second;
  };
  ImageHeader out{"TIFF", tag(256, -1), tag(257, -1)};
  if (out.width < 0 || out.height < 0) return std::nullopt;
  const std::int64_t rows = tag(278, out.height);  // RowsPerStrip; 2^32 - 1 means "all"
  const std::int64_t tile_w = tag(322, out.width);
  const std::int64_t tile_h = tag(323, rows == 0xFFFFFFFF || rows == 0 ? out.height : rows);
  const std::int64_t bytes =
      std::max<std::int64_t>(1, tag(258, 8) / 8) * std::clamp<std::int64_t>(tag(277, 1), 1, 4);
  if (__builtin_mul_overflow(tile_w, tile_h, &out.buffer_bytes) ||
      __builtin_mul_overflow(out.buffer_bytes, bytes, &out.buffer_bytes))
    out.buffer_bytes = INT64_MAX;
  return out;
}

std::optional<ImageHeader> probe(Reader& r, std::uint64_t size) {
  auto head = r.at(0, 30);
  if (!head) head = r.at(0, std::min<std::uint64_t>(size, 30));
  if (!head || head->size() < 4) return std::nullopt;
  const std::uint8_t* b = head->data();
  const std::size_t n = head->size();
  if (n >= 24 && std::memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 && std::memcmp(b + 12, "IHDR", 4) == 0)
    return ImageHeader{"PNG", be(b + 16, 4), be(b + 20, 4)};
  if (b[0] == 0xFF && b[1] == 0xD8) return jpeg(r, size);
  if (n >= 12 && std::memcmp(b, "RIFF", 4) == 0 && std::memcmp(b + 8, "WEBP", 4) == 0)
    return webp(r);
  if (std::memcmp(b, "II*\0", 4) == 0) return tiff(r, true);
  if (std::memcmp(b, "MM\0*", 4) == 0) return tiff(r, false);
  if (n >= 26 && b[0] == 'B' && b[1] == 'M') {
    if (le(b + 14, 4) == 12) return ImageHeader{"BMP", le(b + 18, 2), le(b + 20, 2)};
    const auto h = static_cast<std::int32_t>(le(b + 22, 4));
    return ImageHeader{"BMP", static_cast<std::int32_t>(le(b + 18, 4)),
                       h < 0 ? -std::int64_t(h) : std::int64_t(h)};
  }
  return std::nullopt;
}

}  // namespace

ImageHeader check_image_header(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(ErrorCode::file_not_found, "image file not found: " + path);
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f || ec) throw Error(ErrorCode::io_error, "cannot open " + path);
  Reader r(f.get());
  const std::optional<ImageHeader> h = probe(r, size);
  if (h && h->format == "PNG")
    if (const std::string problem = png_chunks_problem(r, size); !problem.empty())
      throw Error(ErrorCode::bad_file, "cannot read " + path + ": " + problem);
  if (!h)
    throw Error(ErrorCode::bad_file, "cannot read the image size of " + path +
                                         " (not a PNG, JPEG, WebP, TIFF or BMP file, or its "
                                         "header is damaged)");
  if (h->width <= 0 || h->height <= 0)
    throw Error(ErrorCode::bad_file, path + ": the " + h->format + " header declares an empty " +
                                         std::to_string(h->width) + "x" +
                                         std::to_string(h->height) + " image");
  if (h->buffer_bytes > kMaxDecodeBytes)
    throw Error(ErrorCode::invalid_argument,
                path + ": the " + h->format + " file asks for a decoding buffer of " +
                    std::to_string(h->buffer_bytes) + " bytes, more than the " +
                    std::to_string(kMaxDecodeBytes) + " Promptbrush allows (damaged or hostile)");
  if (h->width > kMaxImageSide || h->height > kMaxImageSide ||
      h->width * h->height > kMaxImagePixels)
    throw Error(ErrorCode::invalid_argument,
                path + ": the image is " + std::to_string(h->width) + "x" +
                    std::to_string(h->height) + " pixels; Promptbrush opens images of up to " +
                    std::to_string(kMaxImagePixels >> 20) + " megapixels and " +
                    std::to_string(kMaxImageSide) + " pixels a side");
  return *h;
}

}  // namespace pb::pipelines
