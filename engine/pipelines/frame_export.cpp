#include "engine/pipelines/frame_export.h"

#include <webp/encode.h>
#include <webp/mux.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <system_error>

#include "engine/core/error.h"
#include "engine/pipelines/png_io.h"

namespace pb::pipelines {

namespace {

namespace fs = std::filesystem;

std::string size_text(const Image& im) {
  return std::to_string(im.width) + "x" + std::to_string(im.height) + "x" +
         std::to_string(im.channels);
}

// One strip: at least one frame, all RGB, all the size of the first, pixels all present.
void check_strip(const std::vector<Image>& frames, const char* what) {
  if (frames.empty()) throw Error(ErrorCode::invalid_argument, std::string(what) + ": no frames");
  const Image& first = frames.front();
  for (size_t i = 0; i < frames.size(); ++i) {
    const Image& f = frames[i];
    if (f.empty() || f.channels != 3 ||
        f.pixels.size() != std::size_t(f.width) * f.height * f.channels)
      throw Error(ErrorCode::invalid_argument, std::string(what) + ": frame " + std::to_string(i) +
                                                   " must be a non-empty RGB image, found " +
                                                   size_text(f));
    if (f.width != first.width || f.height != first.height)
      throw Error(ErrorCode::invalid_argument,
                  std::string(what) + ": all frames must have one size; frame 0 is " +
                      size_text(first) + ", frame " + std::to_string(i) + " is " + size_text(f));
  }
}

struct EncoderDeleter {
  void operator()(WebPAnimEncoder* e) const { WebPAnimEncoderDelete(e); }
};
struct PictureFree {
  void operator()(WebPPicture* p) const { WebPPictureFree(p); }
};
struct DataClear {
  void operator()(WebPData* d) const { WebPDataClear(d); }
};
struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

// Encodes the whole animation in memory (the file is only opened once this succeeded).
std::vector<std::uint8_t> encode_webp(const std::vector<const Image*>& seq,
                                      const AnimationOptions& o) {
  const int w = seq.front()->width, h = seq.front()->height;
  WebPAnimEncoderOptions enc_options;
  if (!WebPAnimEncoderOptionsInit(&enc_options))
    throw Error(ErrorCode::internal, "libwebpmux: version mismatch");
  enc_options.anim_params.loop_count = o.loop ? 0 : 1;  // 0 = forever
  enc_options.anim_params.bgcolor = 0xff000000;         // opaque black (ARGB)
  std::unique_ptr<WebPAnimEncoder, EncoderDeleter> enc(WebPAnimEncoderNew(w, h, &enc_options));
  if (!enc) throw Error(ErrorCode::out_of_memory, "libwebpmux: cannot create an encoder");

  WebPConfig config;
  if (!WebPConfigInit(&config)) throw Error(ErrorCode::internal, "libwebp: version mismatch");
  config.lossless = o.lossless ? 1 : 0;
  config.quality = o.quality;
  if (!WebPValidateConfig(&config))
    throw Error(ErrorCode::invalid_argument, "libwebp: invalid encoder configuration");

  int timestamp = 0;
  for (const Image* frame : seq) {
    WebPPicture pic;
    if (!WebPPictureInit(&pic)) throw Error(ErrorCode::internal, "libwebp: version mismatch");
    pic.width = w;
    pic.height = h;
    pic.use_argb = 1;  // the encoder works on ARGB; lossy frames are converted per frame
    std::unique_ptr<WebPPicture, PictureFree> owned(&pic);
    if (!WebPPictureImportRGB(&pic, frame->pixels.data(), w * 3))
      throw Error(ErrorCode::out_of_memory, "libwebp: cannot import a frame");
    if (!WebPAnimEncoderAdd(enc.get(), &pic, timestamp, &config))
      throw Error(ErrorCode::internal, std::string("libwebp: cannot add a frame: ") +
                                           WebPAnimEncoderGetError(enc.get()));
    timestamp += o.frame_ms;
  }
  // The final NULL frame gives the last frame its duration.
  if (!WebPAnimEncoderAdd(enc.get(), nullptr, timestamp, nullptr))
    throw Error(ErrorCode::internal,
                std::string("libwebp: cannot finish: ") + WebPAnimEncoderGetError(enc.get()));
  WebPData data;
  WebPDataInit(&data);
  std::unique_ptr<WebPData, DataClear> owned_data(&data);
  if (!WebPAnimEncoderAssemble(enc.get(), &data))
    throw Error(ErrorCode::internal,
                std::string("libwebp: cannot assemble: ") + WebPAnimEncoderGetError(enc.get()));
  return {data.bytes, data.bytes + data.size};
}

// A name beside the target that no other writer picks (rename is only atomic within a folder).
std::string temporary_path_for(const std::string& path) {
  std::random_device rd;
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".%08x.part", unsigned(rd()));
  return path + suffix;
}

void write_file_atomically(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  const std::string tmp = temporary_path_for(path);
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(tmp.c_str(), "wb"));
  if (!file) throw Error(ErrorCode::io_error, "cannot write " + path);
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file.get()) == bytes.size();
  const bool closed = std::fclose(file.release()) == 0;
  std::error_code ec;
  if (!written || !closed) {
    fs::remove(tmp, ec);
    throw Error(ErrorCode::io_error, "cannot write " + path + " (disk full?)");
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw Error(ErrorCode::io_error, "cannot write " + path + ": " + ec.message());
  }
}

std::string format_float(float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip, no locale
  return std::string(buf, r.ptr);
}

}  // namespace

std::vector<const Image*> animation_sequence(const std::vector<Image>& frames, bool ping_pong) {
  std::vector<const Image*> seq;
  for (const Image& f : frames) seq.push_back(&f);
  if (ping_pong)  // the ends are not repeated: the loop goes on from frame 0 again
    for (int i = int(frames.size()) - 2; i >= 1; --i) seq.push_back(&frames[std::size_t(i)]);
  return seq;
}

void write_animated_webp(const std::string& path, const std::vector<Image>& frames,
                         const AnimationOptions& options) {
  check_strip(frames, "write_animated_webp");
  if (options.frame_ms <= 0)
    throw Error(ErrorCode::invalid_argument, "write_animated_webp: frame_ms must be > 0, found " +
                                                 std::to_string(options.frame_ms));
  if (!(options.quality >= 0 && options.quality <= 100))
    throw Error(
        ErrorCode::invalid_argument,
        "write_animated_webp: quality must be in 0..100, found " + format_float(options.quality));
  if (frames.front().width > WEBP_MAX_DIMENSION || frames.front().height > WEBP_MAX_DIMENSION)
    throw Error(ErrorCode::invalid_argument, "write_animated_webp: frames larger than " +
                                                 std::to_string(WEBP_MAX_DIMENSION) + " px");
  const auto seq = animation_sequence(frames, options.ping_pong);
  write_file_atomically(path, encode_webp(seq, options));
}

Image contact_sheet(const std::vector<Image>& frames, int columns, int gap,
                    std::uint8_t background) {
  check_strip(frames, "contact_sheet");
  if (columns < 0 || gap < 0)
    throw Error(ErrorCode::invalid_argument, "contact_sheet: columns and gap must be >= 0, found " +
                                                 std::to_string(columns) + " and " +
                                                 std::to_string(gap));
  const int n = int(frames.size());
  int cols = columns;
  if (cols == 0) cols = int(std::ceil(std::sqrt(double(n))));
  cols = std::clamp(cols, 1, n);
  const int rows = (n + cols - 1) / cols;
  const int w = frames.front().width, h = frames.front().height;
  Image sheet(cols * w + (cols - 1) * gap, rows * h + (rows - 1) * gap, 3, background);
  for (int i = 0; i < n; ++i) {
    const int x0 = (i % cols) * (w + gap), y0 = (i / cols) * (h + gap);
    for (int y = 0; y < h; ++y)
      std::copy_n(frames[i].row(y), std::size_t(w) * 3, sheet.row(y0 + y) + std::size_t(x0) * 3);
  }
  return sheet;
}

std::vector<std::string> write_frame_pngs(const std::string& dir, const std::string& prefix,
                                          const std::vector<Image>& frames,
                                          const std::vector<float>& positions,
                                          const std::map<std::string, std::string>& parameters) {
  check_strip(frames, "write_frame_pngs");
  const size_t n = frames.size();
  if (!positions.empty() && positions.size() != n)
    throw Error(ErrorCode::invalid_argument,
                "write_frame_pngs: " + std::to_string(positions.size()) + " positions for " +
                    std::to_string(n) + " frames");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error(ErrorCode::io_error,
                "cannot create the folder " + dir + (ec ? ": " + ec.message() : ""));

  std::vector<PngText> common;
  for (const auto& [key, value] : parameters)
    if (key != "frame" && key != "position") common.push_back({key, value, false});
  const std::string stem = prefix.empty() ? "frame" : prefix;
  const int digits = std::max(4, int(std::to_string(n).size()));

  std::vector<std::string> paths;
  for (size_t i = 0; i < n; ++i) {
    std::string number = std::to_string(i + 1);
    number.insert(0, std::size_t(digits) - number.size(), '0');
    const std::string path = (fs::path(dir) / (stem + "_" + number + ".png")).string();
    const float position = !positions.empty() ? positions[i]
                           : n > 1            ? float(double(i) / double(n - 1))
                                              : 0.0f;
    std::vector<PngText> texts = common;
    texts.push_back({"frame", std::to_string(i + 1), false});
    texts.push_back({"position", format_float(position), false});
    write_png(path, frames[i], texts);
    paths.push_back(path);
  }
  return paths;
}

}  // namespace pb::pipelines
