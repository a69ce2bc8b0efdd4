// The restricted unpickler on raw bytes (no file), with a persistent_load that backs every
// storage id with zeros, then what the readers do next: materialize the tensor views,
// name the tensors of the container (collect_tensors) and render the root.
// Corpus: corpus/pickle (data.pkl entries and whole legacy pickles).
#include <cstddef>
#include <cstdint>
#include <map>

#include "engine/core/error.h"
#include "engine/io/readers.h"

namespace {

// The harness's own bound: a 1 MiB input cannot back more (the zip reader checks numel
// against the entry's bytes the same way).
constexpr std::int64_t kMaxNumel = 1 << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pb::io;
  const std::string where = "fuzz.pkl";
  std::map<std::string, std::shared_ptr<pickle::Storage>> storages;
  pickle::PersistentLoad load = [&](const pickle::Value& pid) -> pickle::ValuePtr {
    pickle::StorageId id = pickle::parse_storage_id(pid, where);
    auto& storage = storages[id.key];
    if (!storage) {
      if (id.numel < 0 || id.numel > kMaxNumel)
        throw pb::Error(pb::ErrorCode::bad_file, where + ": storage too large for the harness");
      storage = std::make_shared<pickle::Storage>();
      storage->key = id.key;
      storage->dtype = id.dtype;
      storage->numel = id.numel;
      storage->data = torch::zeros({id.numel}, torch::TensorOptions().dtype(id.dtype));
    } else if (storage->dtype != id.dtype) {
      throw pb::Error(pb::ErrorCode::bad_file, where + ": storage type changed");
    }
    auto v = std::make_shared<pickle::Value>();
    v->kind = pickle::Kind::storage;
    v->storage = storage;
    return v;
  };
  try {
    pickle::Result r = pickle::unpickle(ByteSpan{data, size}, where, load);
    pickle::materialize_tensors(r.tensors, where);
    Checkpoint ck;
    ck.path = where;
    pb::io::detail::collect_tensors(r.root, ck);
    volatile std::size_t n = pickle::render(*r.root).size();
    (void)n;
  } catch (const pb::Error&) {
  }
  return 0;
}
