// Naming the tensors of an unpickled container (torch.save zip and legacy files).
#include <algorithm>
#include <unordered_set>

#include "engine/core/error.h"
#include "engine/io/readers.h"

namespace pb::io::detail {
namespace {

using pickle::Kind;
using pickle::Value;

// Names are paths of keys: a long key reused at every level would multiply them.
constexpr std::size_t kMaxName = 1024;
constexpr std::size_t kMaxNameBytes = std::size_t{64} << 20;     // all tensor names
constexpr std::size_t kMaxMetadataBytes = std::size_t{4} << 20;  // all metadata text
constexpr std::size_t kMaxMetadataValue = 1024;                  // one rendered value

// Names longer than kMaxName are cut to kMaxName + 1 bytes (then refused for a tensor,
// left out of the metadata), so that no name, however nested, costs more than that.
std::string join(const std::string& prefix, const std::string& key) {
  if (prefix.size() > kMaxName) return prefix;
  std::string out = prefix;
  if (!out.empty()) out += '.';
  out.append(key, 0, kMaxName + 1 - std::min(out.size(), kMaxName + 1));
  return out;
}

std::string key_text(const Value& k) {
  if (k.kind == Kind::string) return k.text.substr(0, kMaxName + 1);
  return pickle::render(k);
}

class Collector {
 public:
  explicit Collector(Checkpoint& out) : out_(out) {}

  // Recursion is bounded by the unpickler's nesting limit (depths are final, see pickle.h).
  void walk(const Value& v, const std::string& name, bool top) {
    const bool container = v.kind == Kind::dict || v.kind == Kind::tuple || v.kind == Kind::list ||
                           v.kind == Kind::set || v.kind == Kind::object;
    if (container && !seen_.insert(&v).second) return;  // shared or cyclic
    switch (v.kind) {
      case Kind::tensor:
        if (name.size() > kMaxName)
          throw Error(ErrorCode::bad_file, out_.path + ": a tensor name is longer than " +
                                               std::to_string(kMaxName) + " bytes");
        name_bytes_ += name.size();
        if (name_bytes_ > kMaxNameBytes)
          throw Error(ErrorCode::bad_file, out_.path + ": the tensor names take more than " +
                                               std::to_string(kMaxNameBytes >> 20) + " MiB");
        if (names_.insert(name).second) out_.tensors.emplace_back(name, v.tensor);
        return;
      case Kind::dict:
        // A dict's BUILD state (an OrderedDict's _metadata: per-module versions) is
        // bookkeeping of nn.Module, not content.
        for (const auto& [k, x] : v.entries) {
          std::string key = key_text(*k);
          // Lightning-style {'state_dict': {...}, 'epoch': ...}: the state_dict's tensors
          // keep their own names.
          bool is_state_dict = top && key == "state_dict" && x->kind == Kind::dict;
          walk(*x, is_state_dict ? std::string() : join(name, key), false);
        }
        return;
      case Kind::tuple:
      case Kind::list:
      case Kind::set:
        if (!v.has_tensor) return scalar(v, name);
        for (std::size_t i = 0; i < v.items.size(); ++i)
          walk(*v.items[i], join(name, std::to_string(i)), false);
        return;
      case Kind::object:
        // Unknown class: keep a note of it, and look inside for tensors and settings.
        scalar(v, name);
        if (v.args && !v.args->items.empty() && v.args->has_tensor) walk(*v.args, name, false);
        for (const auto& [k, x] : v.entries) walk(*x, join(name, key_text(*k)), false);
        for (std::size_t i = 0; i < v.items.size(); ++i)
          walk(*v.items[i], join(name, std::to_string(i)), false);
        if (v.state) {
          const Value* s = v.state.get();
          // (dict, slots) state tuples: the dict is what holds the attributes.
          if (s->kind == Kind::tuple && s->items.size() == 2 && s->items[0]->kind == Kind::dict)
            s = s->items[0].get();
          walk(*s, name, false);
        }
        return;
      default:
        scalar(v, name);
    }
  }

 private:
  // Metadata is for a person reading `inspect`: what does not fit is left out.
  void scalar(const Value& v, const std::string& name) {
    if (name.empty() || name.size() > kMaxName || metadata_bytes_ > kMaxMetadataBytes) return;
    std::string text = pickle::render(v, kMaxMetadataValue);
    metadata_bytes_ += name.size() + text.size();
    out_.metadata[name] = std::move(text);
  }

  Checkpoint& out_;
  std::unordered_set<const Value*> seen_;
  std::unordered_set<std::string> names_;
  std::size_t name_bytes_ = 0, metadata_bytes_ = 0;
};

}  // namespace

void collect_tensors(const pickle::ValuePtr& root, Checkpoint& out) {
  Collector c(out);
  const bool bare_tensor = root->kind == Kind::tensor;
  c.walk(*root, bare_tensor ? "tensor" : std::string(), true);
}

}  // namespace pb::io::detail
