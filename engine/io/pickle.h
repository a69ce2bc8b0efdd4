#pragma once
// A restricted unpickler for what torch.save / torch.jit.save write (protocols 2-5).
//
// It never calls anything: GLOBAL only names a callable. The few callables torch
// needs are interpreted here (collections.OrderedDict, torch._utils._rebuild_tensor*,
// _rebuild_parameter*, torch._tensor._rebuild_from_type_v2, torch.*Storage,
// builtins.set/frozenset, _codecs.encode, torch.Size); any other class becomes an
// opaque Object value that keeps its constructor arguments, BUILD state and items, so
// tensors inside it (e.g. a TorchScript module's attributes) are still found.
// Globals that can only mean code execution (os.system, subprocess.*, builtins.eval,
// torch.storage._load_from_bytes, ...) are rejected with an error: a checkpoint has no
// reason to name them, so the file is hostile or not a checkpoint.
//
// All reads are bounds-checked; nesting is bounded (256), containers cannot contain
// themselves, and the memory the objects take is bounded (kMaxObjectBytes, whatever the
// pickle's size); errors are pb::Error(bad_file / unsupported) whose message starts with
// the `where` string given (e.g. "model.ckpt: data.pkl").
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/io/mmap_file.h"

namespace pb::io::pickle {

// What a pickle's objects may take in memory, values, strings, memo and stack together:
// real checkpoints need a few MiB; a hostile pickle cannot make a small file take gigabytes.
constexpr std::size_t kMaxObjectBytes = std::size_t{256} << 20;

struct Value;
using ValuePtr = std::shared_ptr<Value>;

enum class Kind {
  none,
  boolean,
  integer,
  floating,  // also Python ints wider than 64 bits (approximated)
  string,
  bytes,
  tuple,
  list,
  dict,  // dict and OrderedDict, insertion order kept
  set,
  global,   // a named callable or class that was not called (text = "module.name")
  object,   // an instance of a class we do not interpret (text = "module.Class")
  storage,  // a persistent storage reference
  tensor,
};

// One storage of the container: a flat tensor over its bytes. `data` may be filled
// after unpickling (legacy files store the bytes after the pickle).
struct Storage {
  std::string key;
  torch::ScalarType dtype = torch::kFloat;
  std::int64_t numel = 0;
  torch::Tensor data;
};

struct Value {
  Kind kind = Kind::none;
  bool boolean = false;
  std::int64_t integer = 0;
  double floating = 0;
  std::string text;                                    // string, bytes, global/object name
  std::vector<ValuePtr> items;                         // tuple, list, set; object list items
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // dict; object dict items
  ValuePtr args;                                       // object: constructor arguments
  ValuePtr state;                                      // object, dict: BUILD state
  std::shared_ptr<Storage> storage;                    // storage, tensor
  // tensor: a strided view of `storage`, created by materialize_tensors().
  std::int64_t storage_offset = 0;
  std::vector<std::int64_t> sizes, strides;
  torch::Tensor tensor;
  int depth = 0;  // nesting depth (bounded, so that destruction cannot overflow the stack)
  // Set once the value is inside another; such a container can no longer change, so its
  // depth and has_tensor are final, and no container can come to hold itself (the value
  // graph is acyclic: a DAG, walked once per node by the readers).
  bool attached = false;
  bool has_tensor = false;  // a tensor somewhere below (or this is one)

  bool is_string() const { return kind == Kind::string; }
};

// Maps a persistent id (a tuple such as ('storage', torch.FloatStorage, '0', 'cpu', 16))
// to a Value, normally of kind storage. Throws pb::Error on a malformed id.
using PersistentLoad = std::function<ValuePtr(const Value& pid)>;

struct Result {
  ValuePtr root;
  std::vector<ValuePtr> tensors;  // every tensor value created, in pickle order
  std::size_t consumed = 0;       // bytes up to and including STOP
  std::size_t object_bytes = 0;   // what the objects were charged (see kMaxObjectBytes)
};

// Objects beyond `max_object_bytes` are refused (several pickles of one file share the
// limit by passing what is left).
Result unpickle(ByteSpan bytes, const std::string& where, const PersistentLoad& persistent_load,
                std::size_t max_object_bytes = kMaxObjectBytes);

// True when a pickle may not name module.name (it could run code or load other files);
// `why` then says which. The unpickler refuses such a file with that reason.
bool denied_global(const std::string& module, const std::string& name, std::string* why);

// dtype of a storage class named "torch.FloatStorage" etc.; nullopt if unknown.
std::optional<torch::ScalarType> storage_dtype(const std::string& global_name);

// Parses a ('storage', torch.XStorage, key, location, numel[, ...]) persistent id.
// Throws pb::Error(bad_file) naming `where`.
struct StorageId {
  std::string key;
  torch::ScalarType dtype = torch::kFloat;
  std::int64_t numel = 0;
  const Value* view_metadata = nullptr;  // legacy files: (view_key, offset, size) or None
};
StorageId parse_storage_id(const Value& pid, const std::string& where);

// Creates each tensor's view of its storage (which must have data by now); checks that
// the view stays inside the storage. Throws pb::Error(bad_file) naming `where`.
void materialize_tensors(const std::vector<ValuePtr>& tensors, const std::string& where);

// Short human-readable text for scalars, strings and small containers (metadata): about
// `limit` characters at most, longer strings and containers cut with "...".
std::string render(const Value& v, std::size_t limit = 200);

}  // namespace pb::io::pickle
