#pragma once
// Helpers of the tokenizer tests: JSON arrays of a cases file as C++ vectors, and a
// tiny valid gzip file to build vocabularies from.
#include <QJsonArray>

#include <cstdint>
#include <string>
#include <vector>

namespace pbtest {

inline std::vector<int64_t> ints(const QJsonArray& a) {
  std::vector<int64_t> v;
  for (const auto& x : a) v.push_back(int64_t(x.toDouble()));
  return v;
}

inline std::vector<std::string> strings(const QJsonArray& a) {
  std::vector<std::string> v;
  for (const auto& x : a) v.push_back(x.toString().toStdString());
  return v;
}

inline std::vector<bool> bools(const QJsonArray& a) {
  std::vector<bool> v;
  for (const auto& x : a) v.push_back(x.toBool());
  return v;
}

// A gzip file holding `data` (at most 65535 bytes) in one stored (uncompressed) block.
inline std::string gzip_stored(const std::string& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  crc = ~crc;
  const auto le32 = [](uint32_t v) {
    return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)};
  };
  const auto n = uint16_t(data.size());
  std::string out = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, '\xff'};
  out += {'\x01', char(n), char(n >> 8), char(~n), char(uint16_t(~n) >> 8)};
  return out + data + le32(crc) + le32(uint32_t(data.size()));
}

}  // namespace pbtest
