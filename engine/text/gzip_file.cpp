#include "engine/text/gzip_file.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "engine/core/error.h"

namespace pb::text {

namespace {

std::string read_raw(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(ErrorCode::file_not_found, "file not found: " + path);
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxGzipBytes)
    throw Error(ErrorCode::bad_file, path + ": " + std::to_string(size) + " bytes, more than the " +
                                         std::to_string(kMaxGzipBytes) +
                                         " a vocabulary file may have");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io_error, "cannot open " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorCode::io_error, "cannot read " + path);
  return bytes;
}

}  // namespace

std::string read_gzip_file(const std::string& path) {
  const std::string in = read_raw(path);
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::bad_file, path + ": not a valid gzip file (" + why + ")");
  };
  if (in.size() < 18 || static_cast<unsigned char>(in[0]) != 0x1f ||
      static_cast<unsigned char>(in[1]) != 0x8b)
    throw bad("no gzip header");

  z_stream zs{};
  // 16 + MAX_WBITS: gzip wrapper only (no transparent pass-through of plain files).
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error(ErrorCode::internal, "zlib init");
  std::string out;
  char buf[1 << 16];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > kMaxGzipBytes) {
      inflateEnd(&zs);
      throw bad("decompresses to more than " + std::to_string(kMaxGzipBytes) + " bytes");
    }
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another gzip member follows (concatenated .gz)
      continue;
    }
    if (rc != Z_OK) break;
    if (zs.avail_in == 0 && zs.avail_out != 0) break;  // input ended mid-stream
  }
  const char* msg = zs.msg;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) throw bad(msg ? msg : "truncated data");
  return out;
}

}  // namespace pb::text
