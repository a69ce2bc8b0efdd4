#include "engine/io/checkpoint_writer.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "engine/core/error.h"

namespace pb::io {
namespace {

const char* storage_class(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat:
      return "FloatStorage";
    case torch::kDouble:
      return "DoubleStorage";
    case torch::kHalf:
      return "HalfStorage";
    case torch::kBFloat16:
      return "BFloat16Storage";
    case torch::kLong:
      return "LongStorage";
    case torch::kInt:
      return "IntStorage";
    case torch::kShort:
      return "ShortStorage";
    case torch::kChar:
      return "CharStorage";
    case torch::kByte:
      return "ByteStorage";
    case torch::kBool:
      return "BoolStorage";
    default:
      throw Error(ErrorCode::unsupported,
                  std::string("cannot write tensors of type ") + c10::toString(t));
  }
}

void put_le(std::string& s, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint32_t crc32(std::uint32_t crc, const std::uint8_t* p, std::size_t n) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

class OutFile {
 public:
  explicit OutFile(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "wb")) {
    if (!f_) fail();
  }
  ~OutFile() {
    if (f_) std::fclose(f_);
  }
  void write(const void* p, std::size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n) fail();
    pos_ += n;
  }
  void write(const std::string& s) { write(s.data(), s.size()); }
  void close() {
    if (std::fclose(f_) != 0) {
      f_ = nullptr;
      fail();
    }
    f_ = nullptr;
  }
  std::uint64_t pos() const { return pos_; }

 private:
  [[noreturn]] void fail() {
    throw Error(ErrorCode::io_error, path_ + ": cannot write: " + std::strerror(errno));
  }
  std::string path_;
  std::FILE* f_;
  std::uint64_t pos_ = 0;
};

struct Blob {
  const std::uint8_t* data;
  std::size_t size;
};

Blob bytes_of(const torch::Tensor& flat) {
  return {static_cast<const std::uint8_t*>(flat.data_ptr()),
          static_cast<std::size_t>(flat.numel() * flat.element_size())};
}

}  // namespace

TorchPickler::TorchPickler(bool legacy) : legacy_(legacy) { out_ = "\x80\x02"; }

TorchPickler& TorchPickler::mark() { return raw("("); }
TorchPickler& TorchPickler::none() { return raw("N"); }
TorchPickler& TorchPickler::boolean(bool b) { return raw(b ? "\x88" : "\x89"); }
TorchPickler& TorchPickler::integer(std::int64_t i) {
  if (i >= INT32_MIN && i <= INT32_MAX) {
    out_ += 'J';
    put_le(out_, static_cast<std::uint32_t>(i), 4);
  } else {
    out_ += "\x8a\x08";
    put_le(out_, static_cast<std::uint64_t>(i), 8);
  }
  return *this;
}
TorchPickler& TorchPickler::floating(double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, 8);
  out_ += 'G';
  for (int i = 7; i >= 0; --i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  return *this;
}
TorchPickler& TorchPickler::string(const std::string& s) {
  out_ += 'X';
  put_le(out_, s.size(), 4);
  out_ += s;
  return *this;
}
TorchPickler& TorchPickler::global(const std::string& module, const std::string& name) {
  return raw("c" + module + "\n" + name + "\n");
}
TorchPickler& TorchPickler::empty_dict() { return raw("}"); }
TorchPickler& TorchPickler::empty_list() { return raw("]"); }
TorchPickler& TorchPickler::empty_tuple() { return raw(")"); }
TorchPickler& TorchPickler::tuple() { return raw("t"); }
TorchPickler& TorchPickler::setitems() { return raw("u"); }
TorchPickler& TorchPickler::appends() { return raw("e"); }
TorchPickler& TorchPickler::reduce() { return raw("R"); }
TorchPickler& TorchPickler::newobj() { return raw("\x81"); }
TorchPickler& TorchPickler::build() { return raw("b"); }
TorchPickler& TorchPickler::raw(const std::string& bytes) {
  out_ += bytes;
  return *this;
}

TorchPickler& TorchPickler::tensor(const torch::Tensor& t_in) {
  torch::Tensor t = t_in.cpu();
  const c10::Storage& storage = t.storage();
  const void* id = storage.unsafeGetStorageImpl();
  auto it = keys_.find(id);
  if (it == keys_.end()) {
    std::string key = std::to_string(storages_.size());
    const auto item = static_cast<std::int64_t>(t.element_size());
    torch::Tensor flat = torch::from_blob(
        storage.data(), {static_cast<std::int64_t>(storage.nbytes()) / item}, [storage](void*) {},
        t.options().dtype(t.scalar_type()));
    it = keys_.emplace(id, storages_.size()).first;
    storages_.push_back({key, flat});
  }
  const StorageBlob& blob = storages_[it->second];
  global("torch._utils", "_rebuild_tensor_v2");
  mark();
  mark().string("storage").global("torch", storage_class(t.scalar_type()));
  string(blob.key).string("cpu").integer(blob.storage.numel());
  if (legacy_) none();
  tuple().raw("Q");  // BINPERSID
  integer(t.storage_offset());
  mark();
  for (auto s : t.sizes()) integer(s);
  tuple();
  mark();
  for (auto s : t.strides()) integer(s);
  tuple();
  boolean(false).global("collections", "OrderedDict").empty_tuple().reduce();
  return tuple().reduce();
}

TorchPickler& TorchPickler::state_dict(const TensorList& tensors) {
  global("collections", "OrderedDict").empty_tuple().reduce();
  mark();
  for (const auto& [name, t] : tensors) string(name).tensor(t);
  return setitems();
}

std::string TorchPickler::finish() { return out_ + "."; }

void write_torch_zip(const std::string& path, TorchPickler& pickler, const std::string& root) {
  const std::string pkl = pickler.finish();
  struct Item {
    std::string name;
    Blob blob;
    std::uint64_t offset = 0;
    std::uint32_t crc = 0;
  };
  std::vector<Item> items;
  items.push_back(
      {root + "/data.pkl", {reinterpret_cast<const std::uint8_t*>(pkl.data()), pkl.size()}});
  for (const auto& s : pickler.storages())
    items.push_back({root + "/data/" + s.key, bytes_of(s.storage)});
  static const char kVersion[] = "3\n";
  items.push_back({root + "/version", {reinterpret_cast<const std::uint8_t*>(kVersion), 2}});

  OutFile f(path);
  for (auto& item : items) {
    item.crc = crc32(0, item.blob.data, item.blob.size);
    item.offset = f.pos();
    if (item.offset > 0xFFFFFFFFull || item.blob.size > 0xFFFFFFFFull)
      throw Error(ErrorCode::unsupported, path + ": zip writer supports files under 4 GiB");
    std::string h;
    put_le(h, 0x04034b50, 4);
    put_le(h, 20, 2);    // version needed
    put_le(h, 0, 2);     // flags
    put_le(h, 0, 2);     // stored
    put_le(h, 0, 2);     // time
    put_le(h, 0x21, 2);  // date 1980-01-01
    put_le(h, item.crc, 4);
    put_le(h, item.blob.size, 4);
    put_le(h, item.blob.size, 4);
    put_le(h, item.name.size(), 2);
    // Pad with an extra field so the data starts on a 64-byte boundary, like PyTorch.
    std::uint64_t start = item.offset + 30 + item.name.size() + 4;
    std::uint64_t pad = (64 - start % 64) % 64;
    put_le(h, 4 + pad, 2);
    h += item.name;
    put_le(h, 0x4246, 2);  // "FB", PyTorch's padding field id
    put_le(h, pad, 2);
    h.append(pad, 'Z');
    f.write(h);
    f.write(item.blob.data, item.blob.size);
  }
  std::uint64_t cd_start = f.pos();
  std::string cd;
  for (const auto& item : items) {
    put_le(cd, 0x02014b50, 4);
    put_le(cd, 20, 2);
    put_le(cd, 20, 2);
    put_le(cd, 0, 2);
    put_le(cd, 0, 2);
    put_le(cd, 0, 2);
    put_le(cd, 0x21, 2);
    put_le(cd, item.crc, 4);
    put_le(cd, item.blob.size, 4);
    put_le(cd, item.blob.size, 4);
    put_le(cd, item.name.size(), 2);
    put_le(cd, 0, 2);  // extra
    put_le(cd, 0, 2);  // comment
    put_le(cd, 0, 2);  // disk
    put_le(cd, 0, 2);  // internal attributes
    put_le(cd, 0, 4);  // external attributes
    put_le(cd, item.offset, 4);
    cd += item.name;
  }
  const std::uint64_t cd_size = cd.size();
  put_le(cd, 0x06054b50, 4);
  put_le(cd, 0, 2);
  put_le(cd, 0, 2);
  put_le(cd, items.size(), 2);
  put_le(cd, items.size(), 2);
  put_le(cd, cd_size, 4);
  put_le(cd, cd_start, 4);
  put_le(cd, 0, 2);
  f.write(cd);
  f.close();
}

void write_torch_legacy(const std::string& path, TorchPickler& pickler) {
  const std::string object = pickler.finish();
  std::vector<const TorchPickler::StorageBlob*> sorted;
  for (const auto& s : pickler.storages()) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->key < b->key; });

  TorchPickler magic, version, sys_info, keys;
  magic.raw("\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19");
  version.integer(1001);
  sys_info.empty_dict().mark().string("protocol_version").integer(1001);
  sys_info.string("little_endian").boolean(true).string("type_sizes").empty_dict().mark();
  sys_info.string("short").integer(2).string("int").integer(4).string("long").integer(4);
  sys_info.setitems().setitems();
  keys.empty_list().mark();
  for (auto* s : sorted) keys.string(s->key);
  keys.appends();

  OutFile f(path);
  f.write(magic.finish());
  f.write(version.finish());
  f.write(sys_info.finish());
  f.write(object);
  f.write(keys.finish());
  for (auto* s : sorted) {
    std::int64_t numel = s->storage.numel();
    f.write(&numel, 8);
    Blob b = bytes_of(s->storage);
    f.write(b.data, b.size);
  }
  f.close();
}

void save_torch_zip(const std::string& path, const TensorList& tensors) {
  TorchPickler p;
  p.state_dict(tensors);
  std::string root = path.substr(path.find_last_of('/') + 1);
  root = root.substr(0, root.find('.'));
  write_torch_zip(path, p, root.empty() ? "archive" : root);
}

void save_torch_legacy(const std::string& path, const TensorList& tensors) {
  TorchPickler p(/*legacy=*/true);
  p.state_dict(tensors);
  write_torch_legacy(path, p);
}

}  // namespace pb::io
