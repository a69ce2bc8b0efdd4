#pragma once
// Hand-made zip files for the hostile-input tests: entries stored or deflated (zlib,
// raw DEFLATE), and "alias" central-directory records that point at another entry's
// bytes, which no honest writer produces.
#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace pbtest {

class ZipBuilder {
 public:
  // Adds an entry; deflate compresses it (method 8).
  ZipBuilder& add(const std::string& name, const std::string& data, bool deflate = false) {
    Item item{name, data, deflate ? raw_deflate(data) : data, deflate, 0, -1};
    items_.push_back(std::move(item));
    return *this;
  }
  // A central record named `name` for the bytes of the entry added as number `target`.
  ZipBuilder& alias(const std::string& name, int target) {
    Item a = items_.at(static_cast<std::size_t>(target));
    a.name = name;
    a.alias_of = target;
    items_.push_back(std::move(a));
    return *this;
  }

  std::string bytes() {
    std::string out, cd;
    for (auto& item : items_) {
      if (item.alias_of >= 0) {
        item.offset = items_[static_cast<std::size_t>(item.alias_of)].offset;
        continue;
      }
      item.offset = out.size();
      out += header(item, false);
      out += item.stored;
    }
    for (const auto& item : items_) cd += header(item, true);
    std::string end;
    put(end, 0x06054b50, 4);
    put(end, 0, 4);
    put(end, items_.size(), 2);
    put(end, items_.size(), 2);
    put(end, cd.size(), 4);
    put(end, out.size(), 4);
    put(end, 0, 2);
    return out + cd + end;
  }
  void write(const std::string& path) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    const std::string b = bytes();
    f.write(b.data(), static_cast<std::streamsize>(b.size()));
  }

  static std::string raw_deflate(const std::string& data) {
    z_stream zs{};
    deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, data.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
  }

 private:
  struct Item {
    std::string name, data, stored;
    bool deflate;
    std::uint64_t offset;
    int alias_of;
  };
  static void put(std::string& s, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  static std::string header(const Item& item, bool central) {
    std::string h;
    const auto crc = crc32(0, reinterpret_cast<const Bytef*>(item.data.data()),
                           static_cast<uInt>(item.data.size()));
    put(h, central ? 0x02014b50 : 0x04034b50, 4);
    if (central) put(h, 20, 2);
    put(h, 20, 2);
    put(h, 0, 2);
    put(h, item.deflate ? 8 : 0, 2);
    put(h, 0, 2);
    put(h, 0x21, 2);
    put(h, crc, 4);
    put(h, item.stored.size(), 4);
    put(h, item.data.size(), 4);
    put(h, item.name.size(), 2);
    put(h, 0, 2);
    if (central) {
      put(h, 0, 2);
      put(h, 0, 2);
      put(h, 0, 2);
      put(h, 0, 4);
      put(h, item.offset, 4);
    }
    return h + item.name;
  }
  std::vector<Item> items_;
};

}  // namespace pbtest
