// Naming the tensors of an unpickled container (torch.save zip and legacy files).
#include <unordered_set>

#include "engine/io/readers.h"

namespace pb::io::detail {
namespace {

using pickle::Kind;
using pickle::Value;

constexpr int kMaxWalkDepth = 128;

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::string key_text(const Value& k) {
  if (k.kind == Kind::string) return k.text;
  return pickle::render(k);
}

bool contains_tensor(const Value& v, int depth) {
  if (depth > kMaxWalkDepth) return false;
  if (v.kind == Kind::tensor) return true;
  for (const auto& i : v.items)
    if (contains_tensor(*i, depth + 1)) return true;
  for (const auto& [k, x] : v.entries)
    if (contains_tensor(*x, depth + 1)) return true;
  if (v.args && contains_tensor(*v.args, depth + 1)) return true;
  if (v.state && contains_tensor(*v.state, depth + 1)) return true;
  return false;
}

class Collector {
 public:
  explicit Collector(Checkpoint& out) : out_(out) {}

  void walk(const Value& v, const std::string& name, int depth, bool top) {
    if (depth > kMaxWalkDepth) return;
    const bool container = v.kind == Kind::dict || v.kind == Kind::tuple || v.kind == Kind::list ||
                           v.kind == Kind::set || v.kind == Kind::object;
    if (container && !seen_.insert(&v).second) return;  // shared or cyclic
    switch (v.kind) {
      case Kind::tensor:
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
          walk(*x, is_state_dict ? std::string() : join(name, key), depth + 1, false);
        }
        return;
      case Kind::tuple:
      case Kind::list:
      case Kind::set:
        if (!contains_tensor(v, depth)) return scalar(v, name);
        for (std::size_t i = 0; i < v.items.size(); ++i)
          walk(*v.items[i], join(name, std::to_string(i)), depth + 1, false);
        return;
      case Kind::object:
        // Unknown class: keep a note of it, and look inside for tensors and settings.
        scalar(v, name);
        if (v.args && !v.args->items.empty() && contains_tensor(*v.args, depth))
          walk(*v.args, name, depth + 1, false);
        for (const auto& [k, x] : v.entries) walk(*x, join(name, key_text(*k)), depth + 1, false);
        for (std::size_t i = 0; i < v.items.size(); ++i)
          walk(*v.items[i], join(name, std::to_string(i)), depth + 1, false);
        if (v.state) {
          const Value* s = v.state.get();
          // (dict, slots) state tuples: the dict is what holds the attributes.
          if (s->kind == Kind::tuple && s->items.size() == 2 && s->items[0]->kind == Kind::dict)
            s = s->items[0].get();
          walk(*s, name, depth + 1, false);
        }
        return;
      default:
        scalar(v, name);
    }
  }

 private:
  void scalar(const Value& v, const std::string& name) {
    if (!name.empty()) out_.metadata[name] = pickle::render(v);
  }

  Checkpoint& out_;
  std::unordered_set<const Value*> seen_;
  std::unordered_set<std::string> names_;
};

}  // namespace

void collect_tensors(const pickle::ValuePtr& root, Checkpoint& out) {
  Collector c(out);
  const bool bare_tensor = root->kind == Kind::tensor;
  c.walk(*root, bare_tensor ? "tensor" : std::string(), 0, true);
}

}  // namespace pb::io::detail
