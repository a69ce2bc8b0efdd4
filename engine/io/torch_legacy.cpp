// Legacy (pre-1.6, _use_new_zipfile_serialization=False) torch.save files: five
// pickles (magic number, protocol version, sys info, the object, the storage keys),
// then each storage as an int64 element count followed by its raw bytes.
#include <cstring>
#include <map>

#include "engine/core/error.h"
#include "engine/io/readers.h"

namespace pb::io::detail {
namespace {

// pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)
constexpr std::uint8_t kMagicPickle[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                         0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};

const pickle::Value* dict_get(const pickle::Value& d, const std::string& key) {
  if (d.kind != pickle::Kind::dict) return nullptr;
  for (const auto& [k, v] : d.entries)
    if (k->is_string() && k->text == key) return v.get();
  return nullptr;
}

}  // namespace

bool looks_like_torch_legacy(ByteSpan bytes) {
  return bytes.size >= sizeof kMagicPickle &&
         std::memcmp(bytes.data, kMagicPickle, sizeof kMagicPickle) == 0;
}

Checkpoint read_torch_legacy(const std::shared_ptr<MappedFile>& file, ReadMode mode) {
  const std::string& path = file->path();
  ByteSpan all{file->data(), file->size()};
  if (!looks_like_torch_legacy(all))
    throw Error(ErrorCode::bad_file, path + ": not a legacy torch.save file (no magic number)");
  std::size_t pos = sizeof kMagicPickle;
  std::size_t object_budget = pickle::kMaxObjectBytes;  // shared by the file's four pickles
  auto next = [&](const char* what, const pickle::PersistentLoad& load) {
    ByteSpan rest{all.data + pos, all.size - pos};
    pickle::Result r = pickle::unpickle(rest, path + ": " + what, load, object_budget);
    pos += r.consumed;
    object_budget -= r.object_bytes;
    return r;
  };
  pickle::Result version = next("protocol version", nullptr);
  if (version.root->kind != pickle::Kind::integer || version.root->integer != 1001)
    throw Error(ErrorCode::unsupported, path + ": legacy torch.save protocol " +
                                            pickle::render(*version.root) +
                                            " is not supported (expected 1001)");
  pickle::Result sys_info = next("sys info", nullptr);
  if (const auto* le = dict_get(*sys_info.root, "little_endian");
      le && le->kind == pickle::Kind::boolean && !le->boolean)
    throw Error(ErrorCode::unsupported, path + ": big-endian checkpoint");

  const std::string where = path + ": object pickle";
  std::map<std::string, std::shared_ptr<pickle::Storage>> storages;
  struct View {
    std::shared_ptr<pickle::Storage> view, base;
    std::int64_t offset;
  };
  std::vector<View> views;
  auto make_storage = [&](const std::string& key, torch::ScalarType dtype, std::int64_t numel) {
    auto& s = storages[key];
    if (!s) {
      s = std::make_shared<pickle::Storage>();
      s->key = key;
      s->dtype = dtype;
      s->numel = numel;
    } else if (s->dtype != dtype || s->numel != numel) {
      throw Error(ErrorCode::bad_file, where + ": storage '" + key + "' referenced inconsistently");
    }
    return s;
  };
  pickle::PersistentLoad load = [&](const pickle::Value& pid) -> pickle::ValuePtr {
    pickle::StorageId id = pickle::parse_storage_id(pid, where);
    auto v = std::make_shared<pickle::Value>();
    v->kind = pickle::Kind::storage;
    v->storage = make_storage(id.key, id.dtype, id.numel);
    const pickle::Value* vm = id.view_metadata;
    if (vm && vm->kind == pickle::Kind::tuple) {
      // Very old files: (view_key, offset, size) names a slice of the storage.
      std::int64_t view_end = 0;
      if (vm->items.size() != 3 || !vm->items[0]->is_string() ||
          vm->items[1]->kind != pickle::Kind::integer ||
          vm->items[2]->kind != pickle::Kind::integer || vm->items[1]->integer < 0 ||
          vm->items[2]->integer < 0 ||
          __builtin_add_overflow(vm->items[1]->integer, vm->items[2]->integer, &view_end) ||
          view_end > id.numel)
        throw Error(ErrorCode::bad_file, where + ": malformed storage view of '" + id.key + "'");
      auto view = make_storage(vm->items[0]->text, id.dtype, vm->items[2]->integer);
      views.push_back({view, v->storage, vm->items[1]->integer});
      v->storage = view;
    }
    return v;
  };
  pickle::Result object = next("object pickle", load);
  pickle::Result keys = next("storage keys", nullptr);
  if (keys.root->kind != pickle::Kind::list)
    throw Error(ErrorCode::bad_file, path + ": storage key list is not a list");

  for (const auto& k : keys.root->items) {
    if (!k->is_string()) throw Error(ErrorCode::bad_file, path + ": storage key is not a string");
    auto it = storages.find(k->text);
    if (it == storages.end())
      throw Error(ErrorCode::bad_file, path + ": unreferenced storage '" + k->text + "'");
    pickle::Storage& s = *it->second;
    if (!all.contains(pos, 8))
      throw Error(ErrorCode::bad_file, path + ": truncated before storage '" + s.key + "'");
    std::int64_t count;
    std::memcpy(&count, all.data + pos, 8);
    if (count != s.numel)
      throw Error(ErrorCode::bad_file, path + ": storage '" + s.key + "' holds " +
                                           std::to_string(count) + " elements, expected " +
                                           std::to_string(s.numel));
    pos += 8;
    s.data = storage_tensor(file, pos, s.dtype, s.numel, "storage '" + s.key + "'", mode);
    pos += static_cast<std::size_t>(s.numel) * c10::elementSize(s.dtype);
  }
  for (const auto& v : views) {
    if (!v.base->data.defined())
      throw Error(ErrorCode::bad_file, path + ": storage '" + v.base->key + "' has no data");
    v.view->data = v.base->data.narrow(0, v.offset, v.view->numel);
  }
  pickle::materialize_tensors(object.tensors, path);

  Checkpoint ck;
  ck.path = path;
  ck.format = ContainerFormat::torch_legacy;
  collect_tensors(object.root, ck);
  return ck;
}

}  // namespace pb::io::detail
