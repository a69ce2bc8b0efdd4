#include "engine/pipelines/png_io.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <memory>

#include "engine/core/error.h"
#include "engine/pipelines/image_header.h"

namespace pb::pipelines {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

bool is_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// libpng reports errors by longjmp to the setjmp in the caller (never throw through C
// frames); the message is kept in the error pointer's buffer.
struct ErrorText {
  char message[256] = {};
};
[[noreturn]] void on_error(png_structp png, png_const_charp msg) {
  auto* e = static_cast<ErrorText*>(png_get_error_ptr(png));
  std::snprintf(e->message, sizeof e->message, "%s", msg);
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}

// The libpng calls live in these small functions whose locals are all trivial, so the
// longjmp of an error skips no destructor and clobbers nothing the caller reads.
bool write_all(png_structp png, png_infop info, std::FILE* file, const Image& image, int color,
               png_text* texts, int n_texts) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, file);
  png_set_IHDR(png, info, png_uint_32(image.width), png_uint_32(image.height), 8, color,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (n_texts > 0) png_set_text(png, info, texts, n_texts);
  png_write_info(png, info);
  for (int y = 0; y < image.height; ++y) png_write_row(png, const_cast<png_bytep>(image.row(y)));
  png_write_end(png, nullptr);
  return true;
}

bool read_header(png_structp png, png_infop info, std::FILE* file, size_t* rowbytes,
                 png_uint_32* height, int* passes) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, file);
  png_set_sig_bytes(png, 8);
  // What one file may make libpng hold: each text chunk (decompressed) at most 4 MiB, at
  // most 32 ancillary chunks kept, the image within the size we open at all.
  png_set_chunk_malloc_max(png, 4u << 20);
  png_set_chunk_cache_max(png, 32);
  png_set_user_limits(png, kMaxImageSide, kMaxImageSide);
  png_read_info(png, info);
  if (std::int64_t(png_get_image_width(png, info)) * png_get_image_height(png, info) >
      kMaxImagePixels)
    png_error(png, "the image is larger than 64 megapixels");
  png_set_expand(png);
  png_set_strip_16(png);
  *passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  *height = png_get_image_height(png, info);
  *rowbytes = png_get_rowbytes(png, info);
  return true;
}

bool read_rest(png_structp png, png_infop end, png_bytep row, png_uint_32 height, int passes) {
  if (setjmp(png_jmpbuf(png))) return false;
  // Text after the image data is only seen after reading the rows.
  for (int p = 0; p < passes; ++p)
    for (png_uint_32 y = 0; y < height; ++y) png_read_row(png, row, nullptr);
  png_read_end(png, end);
  return true;
}

}  // namespace

void write_png(const std::string& path, const Image& image, const std::vector<PngText>& texts) {
  if (image.empty()) throw Error(ErrorCode::invalid_argument, "write_png: empty image");
  int color = 0;
  switch (image.channels) {
    case 1:
      color = PNG_COLOR_TYPE_GRAY;
      break;
    case 3:
      color = PNG_COLOR_TYPE_RGB;
      break;
    case 4:
      color = PNG_COLOR_TYPE_RGB_ALPHA;
      break;
    default:
      throw Error(ErrorCode::invalid_argument, "write_png: unsupported channel count");
  }
  FilePtr file(std::fopen(path.c_str(), "wb"));
  if (!file) throw Error(ErrorCode::io_error, "cannot write " + path);

  for (const auto& t : texts)
    if (t.key.empty() || t.key.size() > 79)
      throw Error(ErrorCode::invalid_argument, "PNG text keys must have 1..79 characters");
  std::vector<png_text> chunks(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    png_text& t = chunks[i];
    t.key = const_cast<char*>(texts[i].key.c_str());
    t.text = const_cast<char*>(texts[i].value.c_str());
    if (texts[i].utf8 || !is_ascii(texts[i].value)) {
      t.compression = PNG_ITXT_COMPRESSION_NONE;
      t.itxt_length = texts[i].value.size();
    } else {
      t.compression = PNG_TEXT_COMPRESSION_NONE;
      t.text_length = texts[i].value.size();
    }
  }
  ErrorText error;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &error, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_write_struct(&png, &info);
    throw Error(ErrorCode::out_of_memory, "libpng: cannot allocate a writer");
  }
  const bool ok = write_all(png, info, file.get(), image, color, chunks.data(), int(chunks.size()));
  png_destroy_write_struct(&png, &info);
  if (!ok) throw Error(ErrorCode::io_error, "cannot write " + path + ": " + error.message);
  if (std::fflush(file.get()) != 0) throw Error(ErrorCode::io_error, "cannot write " + path);
}

std::vector<PngText> read_png_text(const std::string& path) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) throw Error(ErrorCode::file_not_found, "cannot open " + path);
  unsigned char sig[8] = {};
  if (std::fread(sig, 1, 8, file.get()) != 8 || png_sig_cmp(sig, 0, 8) != 0)
    throw Error(ErrorCode::bad_file, path + " is not a PNG file");
  // Every chunk must fit in the file: libpng allocates (and clears) what a chunk header
  // claims before reading it, limits or not.
  check_image_header(path);

  ErrorText error;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  png_infop end = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || !end) {
    png_destroy_read_struct(&png, &info, &end);
    throw Error(ErrorCode::out_of_memory, "libpng: cannot allocate a reader");
  }
  std::vector<PngText> out;
  auto collect = [&](png_infop from) {
    png_textp text = nullptr;
    int n = 0;
    png_get_text(png, from, &text, &n);
    for (int i = 0; i < n; ++i) {
      const bool itxt = text[i].compression == PNG_ITXT_COMPRESSION_NONE ||
                        text[i].compression == PNG_ITXT_COMPRESSION_zTXt;
      const size_t len = itxt ? text[i].itxt_length : text[i].text_length;
      out.push_back({text[i].key, std::string(text[i].text, len), itxt});
    }
  };
  size_t rowbytes = 0;
  png_uint_32 height = 0;
  int passes = 1;
  bool ok = read_header(png, info, file.get(), &rowbytes, &height, &passes);
  if (ok) {
    collect(info);
    std::vector<png_byte> row(rowbytes);
    ok = read_rest(png, end, row.data(), height, passes);
    if (ok) collect(end);
  }
  png_destroy_read_struct(&png, &info, &end);
  if (!ok) throw Error(ErrorCode::bad_file, "cannot read " + path + ": " + error.message);
  return out;
}

}  // namespace pb::pipelines
