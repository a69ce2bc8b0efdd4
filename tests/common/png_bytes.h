#pragma once
// Hand-made image files for the hostile-input tests: PNG chunks (any declared size, text
// chunks deflated), and headers of the other formats declaring a given size.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace pbtest {

inline void put_be(std::string& s, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

inline std::string png_chunk(const std::string& type, const std::string& data) {
  std::string c;
  put_be(c, static_cast<std::uint32_t>(data.size()));
  std::string body = type;
  body += data;
  c += body;
  put_be(c, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()),
                                             static_cast<uInt>(body.size()))));
  return c;
}

inline std::string zlib_compress(const std::string& data) {
  uLongf n = compressBound(static_cast<uLong>(data.size()));
  std::string out(n, '\0');
  compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(data.data()),
            static_cast<uLong>(data.size()), 9);
  out.resize(n);
  return out;
}

// zlib stream of `n` bytes equal to `c`, compressed piecewise: making a bomb must not
// itself take the memory the tests measure.
inline std::string zlib_repeated(std::size_t n, char c) {
  z_stream zs{};
  deflateInit(&zs, 9);
  const std::string block(1 << 20, c);
  std::string out;
  char buf[1 << 16];
  while (true) {
    const std::size_t take = std::min(n, block.size());
    n -= take;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
    zs.avail_in = static_cast<uInt>(take);
    const int flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
    int rc;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      rc = deflate(&zs, flush);
      out.append(buf, sizeof buf - zs.avail_out);
    } while (zs.avail_out == 0);
    if (flush == Z_FINISH && rc == Z_STREAM_END) break;
  }
  deflateEnd(&zs);
  return out;
}

// Signature and an 8-bit RGB IHDR of the declared size.
inline std::string png_head(std::uint32_t width, std::uint32_t height) {
  std::string ihdr;
  put_be(ihdr, width);
  put_be(ihdr, height);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr);
}

// A 1x1 black RGB PNG with `extra` chunks after IHDR.
inline std::string tiny_png(const std::string& extra = {}) {
  return png_head(1, 1) + extra + png_chunk("IDAT", zlib_compress(std::string(4, '\0'))) +
         png_chunk("IEND", "");
}

// `count` zTXt chunks (keys k0, k1, ...) whose text is `bytes` "0" characters each.
inline std::string ztxt_bombs(int count, std::size_t bytes) {
  const std::string payload = zlib_repeated(bytes, '0');
  std::string out;
  for (int i = 0; i < count; ++i) {
    std::string data = "k";
    data += std::to_string(i);
    data.append(2, '\0');  // keyword terminator, compression method 0
    data += payload;
    out += png_chunk("zTXt", data);
  }
  return out;
}

// An iCCP chunk whose profile is `bytes` zero bytes compressed.
inline std::string iccp_bomb(std::size_t bytes) {
  std::string data = "icc";
  data.append(2, '\0');  // name terminator, compression method 0
  data += zlib_repeated(bytes, '\0');
  return png_chunk("iCCP", data);
}

}  // namespace pbtest
