#include "engine/io/pickle.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "engine/core/error.h"

namespace pb::io::pickle {
namespace {

constexpr int kMaxDepth = 256;                    // nesting of containers/objects
constexpr std::size_t kMaxLine = 4096;            // text opcodes (GLOBAL names, INT ...)
constexpr std::uint64_t kMaxString = 1ull << 31;  // one string/bytes value
constexpr std::size_t kMaxTensorDims = 64;

class Unpickler {
 public:
  Unpickler(ByteSpan bytes, const std::string& where, const PersistentLoad& pl,
            std::size_t max_object_bytes)
      : b_(bytes), where_(where), persistent_load_(pl), max_object_bytes_(max_object_bytes) {}

  Result run() {
    while (true) {
      std::size_t at = pos_;
      std::uint8_t op = u8();
      if (op == '.') {  // STOP
        Result r;
        r.root = pop();
        r.tensors = std::move(tensors_);
        r.consumed = pos_;
        r.object_bytes = charged_;
        return r;
      }
      op_at_ = at;
      dispatch(op);
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what, ErrorCode code = ErrorCode::bad_file) const {
    throw Error(code, where_ + ": " + what + " (pickle byte " + std::to_string(op_at_) + ")");
  }

  // ---- reading -----------------------------------------------------------------
  const std::uint8_t* take(std::uint64_t n) {
    if (!b_.contains(pos_, n)) fail("truncated pickle");
    const std::uint8_t* p = b_.data + pos_;
    pos_ += n;
    return p;
  }
  std::uint8_t u8() { return *take(1); }
  std::uint64_t uint_le(int n) {
    const std::uint8_t* p = take(n);
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }
  std::string bytes_n(std::uint64_t n) {
    if (n > kMaxString) fail("string of " + std::to_string(n) + " bytes is too long");
    const std::uint8_t* p = take(n);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  std::string line() {
    std::size_t start = pos_;
    while (true) {
      if (pos_ >= b_.size) fail("truncated pickle");
      if (pos_ - start > kMaxLine) fail("text line too long");
      if (b_.data[pos_++] == '\n') break;
    }
    std::string s(reinterpret_cast<const char*>(b_.data + start), pos_ - start - 1);
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  }
  std::int64_t parse_int(const std::string& s) {
    std::int64_t v = 0;
    std::string t = s;
    if (!t.empty() && t.back() == 'L') t.pop_back();
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size()) fail("malformed integer '" + s + "'");
    return v;
  }

  // ---- memory ------------------------------------------------------------------
  // Every value, string, reference, memo entry and mark is charged (never refunded): a
  // bound on memory and on work, since each opcode can allocate.
  void charge(std::size_t bytes) {
    charged_ += bytes;
    if (charged_ > max_object_bytes_)
      fail("the pickle's objects need more than " + std::to_string(kMaxObjectBytes >> 20) +
           " MiB (the limit for a checkpoint's object tree; corrupt or hostile file?)");
  }
  ValuePtr make(Kind kind) {
    charge(sizeof(Value) + 32);  // the value and its shared_ptr control block
    auto v = std::make_shared<Value>();
    v->kind = kind;
    return v;
  }

  // ---- stack -------------------------------------------------------------------
  void push(ValuePtr v) {
    charge(sizeof(ValuePtr));
    stack_.push_back(std::move(v));
  }
  ValuePtr pop() {
    if (stack_.size() <= floor()) fail("stack underflow");
    ValuePtr v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  ValuePtr& top() {
    if (stack_.size() <= floor()) fail("stack underflow");
    return stack_.back();
  }
  std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<ValuePtr> pop_mark() {
    if (marks_.empty()) fail("MARK expected");
    std::size_t m = marks_.back();
    marks_.pop_back();
    std::vector<ValuePtr> items(std::make_move_iterator(stack_.begin() + m),
                                std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return items;
  }
  // `child` becomes part of `parent` (an item, key, value, argument or state).
  void attach(Value& parent, Value& child) {
    if (&parent == &child) fail("a container that contains itself (recursive pickle)");
    charge(2 * sizeof(ValuePtr));
    child.attached = true;
    if (child.depth + 1 > parent.depth) parent.depth = child.depth + 1;
    if (parent.depth > kMaxDepth) fail("containers nested too deeply");
    parent.has_tensor |= child.has_tensor;
  }
  // Only a container not yet inside another may change: what checkpoints write, and what
  // keeps depths final and the graph free of cycles.
  void require_unattached(const Value& target, const char* op) {
    if (target.attached)
      fail(std::string(op) +
           " on a container already inside another (a recursive or reordered pickle)");
  }
  ValuePtr container(Kind kind, std::vector<ValuePtr> items) {
    auto v = make(kind);
    for (auto& i : items) attach(*v, *i);
    v->items = std::move(items);
    return v;
  }
  ValuePtr scalar_int(std::int64_t i) {
    auto v = make(Kind::integer);
    v->integer = i;
    return v;
  }
  ValuePtr string_value(std::string s, Kind kind = Kind::string) {
    charge(s.size());
    auto v = make(kind);
    v->text = std::move(s);
    return v;
  }

  // ---- memo --------------------------------------------------------------------
  void put(std::uint64_t index) {
    charge(64);  // a hash-map node
    memo_[index] = top();
  }
  void get(std::uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo key " + std::to_string(index) + " not found");
    push(it->second);
  }

  // ---- containers --------------------------------------------------------------
  void set_items(Value& target, std::vector<ValuePtr>& kv) {
    if (kv.size() % 2) fail("odd number of items for SETITEMS");
    if (target.kind != Kind::dict && target.kind != Kind::object)
      fail("SETITEM on a value that is not a dict");
    require_unattached(target, "SETITEMS");
    for (std::size_t i = 0; i < kv.size(); i += 2) {
      attach(target, *kv[i]);
      attach(target, *kv[i + 1]);
      target.entries.emplace_back(std::move(kv[i]), std::move(kv[i + 1]));
    }
  }
  void append_items(Value& target, std::vector<ValuePtr>& items, Kind expected) {
    bool ok = target.kind == expected || (expected == Kind::list && target.kind == Kind::object);
    if (!ok)
      fail(expected == Kind::set ? "ADDITEMS on a value that is not a set"
                                 : "APPEND on a value that is not a list");
    require_unattached(target, expected == Kind::set ? "ADDITEMS" : "APPENDS");
    for (auto& i : items) {
      attach(target, *i);
      target.items.push_back(std::move(i));
    }
  }

  // ---- globals and calls -------------------------------------------------------
  ValuePtr global(const std::string& module, const std::string& name) {
    std::string why;
    if (denied_global(module, name, &why))
      fail("refusing global '" + module + "." + name + "': " + why +
               "; this is not a plain checkpoint (possibly a malicious file)",
           ErrorCode::unsupported);
    return string_value(module + "." + name, Kind::global);
  }

  std::vector<std::int64_t> int_tuple(const ValuePtr& v, const char* what) {
    if (v->kind != Kind::tuple && v->kind != Kind::list)
      fail(std::string(what) + " is not a tuple");
    if (v->items.size() > kMaxTensorDims) fail(std::string(what) + " has too many dimensions");
    std::vector<std::int64_t> out;
    for (const auto& i : v->items) {
      if (i->kind != Kind::integer || i->integer < 0)
        fail(std::string(what) + " holds a value that is not a non-negative integer");
      out.push_back(i->integer);
    }
    return out;
  }

  ValuePtr rebuild_tensor(const std::vector<ValuePtr>& a) {
    if (a.size() < 4) fail("_rebuild_tensor: too few arguments");
    if (a[0]->kind != Kind::storage || !a[0]->storage) fail("_rebuild_tensor: no storage");
    if (a[1]->kind != Kind::integer || a[1]->integer < 0) fail("_rebuild_tensor: bad offset");
    auto t = make(Kind::tensor);
    t->storage = a[0]->storage;
    t->storage_offset = a[1]->integer;
    t->sizes = int_tuple(a[2], "tensor size");
    t->strides = int_tuple(a[3], "tensor stride");
    if (t->sizes.size() != t->strides.size()) fail("tensor size and stride differ in length");
    // The last element the view touches must lie inside the storage.
    std::int64_t last = t->storage_offset;
    bool empty = false, overflow = false;
    for (std::size_t d = 0; d < t->sizes.size(); ++d) {
      std::int64_t span = 0;
      if (t->sizes[d] == 0)
        empty = true;
      else
        overflow |= __builtin_mul_overflow(t->sizes[d] - 1, t->strides[d], &span) ||
                    __builtin_add_overflow(last, span, &last);
    }
    if (!empty && (overflow || last >= t->storage->numel))
      fail("tensor view reaches beyond the " + std::to_string(t->storage->numel) +
           " elements of storage '" + t->storage->key + "'");
    t->has_tensor = true;
    charge(sizeof(ValuePtr) + 16 * t->sizes.size());
    tensors_.push_back(t);
    return t;
  }

  ValuePtr call(const ValuePtr& callable, const ValuePtr& args) {
    if (callable->kind != Kind::global && callable->kind != Kind::object)
      fail("call of a value that is not a class or function");
    if (args->kind != Kind::tuple) fail("call arguments are not a tuple");
    const std::string& f = callable->text;
    const auto& a = args->items;
    if (callable->kind == Kind::global) {
      if (f == "collections.OrderedDict") {
        auto d = make(Kind::dict);
        if (!a.empty() && (a[0]->kind == Kind::list || a[0]->kind == Kind::tuple)) {
          for (const auto& kv : a[0]->items)
            if (kv->kind == Kind::tuple && kv->items.size() == 2) {
              attach(*d, *kv->items[0]);
              attach(*d, *kv->items[1]);
              d->entries.emplace_back(kv->items[0], kv->items[1]);
            }
        }
        return d;
      }
      if (f == "torch._utils._rebuild_tensor_v2" || f == "torch._utils._rebuild_tensor")
        return rebuild_tensor(a);
      if (f == "torch._utils._rebuild_parameter" ||
          f == "torch._utils._rebuild_parameter_with_state") {
        if (a.empty() || a[0]->kind != Kind::tensor) fail("_rebuild_parameter without a tensor");
        return a[0];
      }
      if (f == "torch._tensor._rebuild_from_type_v2" || f == "torch._tensor._rebuild_from_type") {
        if (a.size() < 3) fail("_rebuild_from_type: too few arguments");
        return call(a[0], a[2]);
      }
      if (f == "builtins.set" || f == "builtins.frozenset" || f == "__builtin__.set") {
        auto s = make(Kind::set);
        if (!a.empty()) s->items = a[0]->items;
        for (const auto& i : s->items) attach(*s, *i);
        return s;
      }
      if (f.compare(0, 24, "torch.jit._pickle.build_") == 0 ||
          f == "torch.jit._pickle.restore_type_tag") {
        // TorchScript's typed lists: the list itself is the value.
        if (a.empty()) fail(f + " without arguments");
        return a[0];
      }
      if (f == "torch.Size") {
        if (a.empty()) return container(Kind::tuple, {});
        return a[0];
      }
      if (f == "_codecs.encode" && !a.empty() && a[0]->kind == Kind::string) {
        // Python 3 pickles bytes for protocol 2 as encode(latin-1 text): undo the UTF-8.
        std::string out;
        const std::string& s = a[0]->text;
        charge(s.size());
        for (std::size_t i = 0; i < s.size(); ++i) {
          auto c = static_cast<unsigned char>(s[i]);
          if (c >= 0xC0 && i + 1 < s.size()) {
            out.push_back(static_cast<char>(((c & 0x1F) << 6) | (s[++i] & 0x3F)));
          } else {
            out.push_back(static_cast<char>(c));
          }
        }
        return string_value(std::move(out), Kind::bytes);
      }
    }
    auto o = make(Kind::object);
    o->text = f;
    o->args = args;
    attach(*o, *args);
    return o;
  }

  void build(Value& target, const ValuePtr& state) {
    if (target.kind == Kind::object || target.kind == Kind::dict) {
      require_unattached(target, "BUILD");
      attach(target, *state);
      target.state = state;
    }
    // Tensors (Python attributes of a Parameter) and other values: nothing to keep.
  }

  // ---- opcodes -----------------------------------------------------------------
  void dispatch(std::uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        std::uint8_t proto = u8();
        if (proto > 5)
          fail("pickle protocol " + std::to_string(proto) + " is not supported",
               ErrorCode::unsupported);
        break;
      }
      case 0x95:
        uint_le(8);
        break;  // FRAME: frames are only a read-ahead hint
      case '(':
        charge(sizeof(std::size_t));
        marks_.push_back(stack_.size());
        break;
      case '0':
        pop();
        break;
      case '1':
        pop_mark();
        break;
      case '2':
        push(top());
        break;
      case 'N':
        push(make(Kind::none));
        break;
      case 0x88:
      case 0x89: {
        auto v = make(Kind::boolean);
        v->boolean = op == 0x88;
        push(v);
        break;
      }
      case 'J':
        push(scalar_int(static_cast<std::int32_t>(uint_le(4))));
        break;
      case 'K':
        push(scalar_int(uint_le(1)));
        break;
      case 'M':
        push(scalar_int(uint_le(2)));
        break;
      case 0x8a:
        push(long_value(uint_le(1)));
        break;  // LONG1
      case 0x8b:
        push(long_value(uint_le(4)));
        break;  // LONG4
      case 'I': {
        std::string s = line();
        if (s == "00" || s == "01") {
          auto v = make(Kind::boolean);
          v->boolean = s == "01";
          push(v);
        } else {
          push(scalar_int(parse_int(s)));
        }
        break;
      }
      case 'L':
        push(scalar_int(parse_int(line())));
        break;
      case 'G': {
        std::uint64_t bits = 0;
        const std::uint8_t* p = take(8);
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
        double d;
        std::memcpy(&d, &bits, 8);
        auto v = make(Kind::floating);
        v->floating = d;
        push(v);
        break;
      }
      case 'F': {
        std::string s = line();
        auto v = make(Kind::floating);
        char* end = nullptr;
        v->floating = std::strtod(s.c_str(), &end);
        if (end == s.c_str()) fail("malformed float");
        push(v);
        break;
      }
      case 'X':
        push(string_value(bytes_n(uint_le(4))));
        break;  // BINUNICODE
      case 0x8c:
        push(string_value(bytes_n(uint_le(1))));
        break;  // SHORT_BINUNICODE
      case 0x8d:
        push(string_value(bytes_n(uint_le(8))));
        break;  // BINUNICODE8
      case 'T':
        push(string_value(bytes_n(uint_le(4))));
        break;  // BINSTRING
      case 'U':
        push(string_value(bytes_n(uint_le(1))));
        break;  // SHORT_BINSTRING
      case 'V':
        push(string_value(line()));
        break;     // UNICODE (raw)
      case 'S': {  // STRING (quoted repr)
        std::string s = line();
        if (s.size() >= 2 && (s[0] == '\'' || s[0] == '"') && s.back() == s[0])
          s = s.substr(1, s.size() - 2);
        push(string_value(std::move(s)));
        break;
      }
      case 'B':
        push(string_value(bytes_n(uint_le(4)), Kind::bytes));
        break;
      case 'C':
        push(string_value(bytes_n(uint_le(1)), Kind::bytes));
        break;
      case 0x8e:
        push(string_value(bytes_n(uint_le(8)), Kind::bytes));
        break;
      case 0x96:
        push(string_value(bytes_n(uint_le(8)), Kind::bytes));
        break;  // BYTEARRAY8
      case ')':
        push(make(Kind::tuple));
        break;
      case 't':
        push(container(Kind::tuple, pop_mark()));
        break;
      case 0x85:
      case 0x86:
      case 0x87: {
        std::size_t n = op - 0x84;
        std::vector<ValuePtr> items(n);
        for (std::size_t i = n; i-- > 0;) items[i] = pop();
        push(container(Kind::tuple, std::move(items)));
        break;
      }
      case ']':
        push(make(Kind::list));
        break;
      case 'l':
        push(container(Kind::list, pop_mark()));
        break;
      case 'a': {
        std::vector<ValuePtr> items{pop()};
        append_items(*top(), items, Kind::list);
        break;
      }
      case 'e': {
        auto items = pop_mark();
        append_items(*top(), items, Kind::list);
        break;
      }
      case '}':
        push(make(Kind::dict));
        break;
      case 'd': {
        auto kv = pop_mark();
        auto d = make(Kind::dict);
        set_items(*d, kv);
        push(d);
        break;
      }
      case 's': {
        ValuePtr v = pop();
        ValuePtr k = pop();
        std::vector<ValuePtr> kv{k, v};
        set_items(*top(), kv);
        break;
      }
      case 'u': {
        auto kv = pop_mark();
        set_items(*top(), kv);
        break;
      }
      case 0x8f:
        push(make(Kind::set));
        break;
      case 0x90: {
        auto items = pop_mark();
        append_items(*top(), items, Kind::set);
        break;
      }
      case 0x91:
        push(container(Kind::set, pop_mark()));
        break;
      case 'c': {
        std::string module = line();
        std::string name = line();
        push(global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        ValuePtr name = pop();
        ValuePtr module = pop();
        if (!module->is_string() || !name->is_string()) fail("STACK_GLOBAL needs two strings");
        push(global(module->text, name->text));
        break;
      }
      case 'R': {
        ValuePtr args = pop();
        ValuePtr callable = pop();
        push(call(callable, args));
        break;
      }
      case 0x81: {  // NEWOBJ
        ValuePtr args = pop();
        ValuePtr cls = pop();
        push(call(cls, args));
        break;
      }
      case 0x92: {  // NEWOBJ_EX: keyword arguments are kept in the object's state
        ValuePtr kwargs = pop();
        ValuePtr args = pop();
        ValuePtr cls = pop();
        ValuePtr o = call(cls, args);
        if (o->kind == Kind::object && !o->state) build(*o, kwargs);
        push(o);
        break;
      }
      case 'b': {
        ValuePtr state = pop();
        build(*top(), state);
        break;
      }
      case 'q':
        put(uint_le(1));
        break;
      case 'r':
        put(uint_le(4));
        break;
      case 'p':
        put(static_cast<std::uint64_t>(parse_int(line())));
        break;
      case 0x94:
        put(memo_.size());
        break;
      case 'h':
        get(uint_le(1));
        break;
      case 'j':
        get(uint_le(4));
        break;
      case 'g':
        get(static_cast<std::uint64_t>(parse_int(line())));
        break;
      case 'Q': {
        ValuePtr pid = pop();
        if (!persistent_load_) fail("persistent id in a pickle that should have none");
        charge(sizeof(Value) + 32);
        push(persistent_load_(*pid));
        break;
      }
      case 'P': {
        if (!persistent_load_) fail("persistent id in a pickle that should have none");
        charge(sizeof(Value) + 32);
        push(persistent_load_(*string_value(line())));
        break;
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("unsupported or invalid pickle opcode ") + hex +
             " (not a torch.save pickle, or corrupt)");
      }
    }
  }

  ValuePtr long_value(std::uint64_t n) {
    if (n > kMaxString) fail("integer too long");
    const std::uint8_t* p = take(n);
    if (n == 0) return scalar_int(0);
    if (n <= 8) {
      std::uint64_t v = 0;
      for (std::uint64_t i = n; i-- > 0;) v = (v << 8) | p[i];
      if (n < 8 && (p[n - 1] & 0x80)) v |= ~0ull << (8 * n);  // sign-extend
      return scalar_int(static_cast<std::int64_t>(v));
    }
    double d = 0;
    for (std::uint64_t i = n; i-- > 0;) d = d * 256 + p[i];
    if (p[n - 1] & 0x80)
      d -= std::ldexp(1.0, static_cast<int>(8 * std::min<std::uint64_t>(n, 128)));
    auto v = make(Kind::floating);
    v->floating = d;
    return v;
  }

  ByteSpan b_;
  std::size_t pos_ = 0;
  std::size_t op_at_ = 0;
  const std::string& where_;
  const PersistentLoad& persistent_load_;
  std::vector<ValuePtr> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, ValuePtr> memo_;
  std::vector<ValuePtr> tensors_;
  std::size_t charged_ = 0;
  std::size_t max_object_bytes_;
};

}  // namespace

Result unpickle(ByteSpan bytes, const std::string& where, const PersistentLoad& persistent_load,
                std::size_t max_object_bytes) {
  return Unpickler(bytes, where, persistent_load, max_object_bytes).run();
}

}  // namespace pb::io::pickle
