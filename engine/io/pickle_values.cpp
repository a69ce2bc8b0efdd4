// What the readers do with an unpickled tree: storage types, storage references,
// tensors as views of loaded storages, and printable values for metadata and errors.
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "engine/core/error.h"
#include "engine/io/pickle.h"

namespace pb::io::pickle {

std::optional<torch::ScalarType> storage_dtype(const std::string& name) {
  static const std::pair<const char*, torch::ScalarType> kTypes[] = {
      {"torch.FloatStorage", torch::kFloat},
      {"torch.DoubleStorage", torch::kDouble},
      {"torch.HalfStorage", torch::kHalf},
      {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kLong},
      {"torch.IntStorage", torch::kInt},
      {"torch.ShortStorage", torch::kShort},
      {"torch.CharStorage", torch::kChar},
      {"torch.ByteStorage", torch::kByte},
      {"torch.BoolStorage", torch::kBool},
      {"torch.ComplexFloatStorage", torch::kComplexFloat},
      {"torch.ComplexDoubleStorage", torch::kComplexDouble},
      {"torch.UntypedStorage", torch::kByte}};
  for (const auto& [n, t] : kTypes)
    if (name == n) return t;
  return std::nullopt;
}

StorageId parse_storage_id(const Value& pid, const std::string& where) {
  auto bad = [&](const std::string& what) -> StorageId {
    throw Error(ErrorCode::bad_file, where + ": malformed storage reference: " + what);
  };
  if (pid.kind != Kind::tuple || pid.items.size() < 5) return bad("not a 5-tuple");
  const auto& it = pid.items;
  if (!it[0]->is_string() || it[0]->text != "storage") return bad("first item is not 'storage'");
  if (it[1]->kind != Kind::global) return bad("no storage type");
  auto dtype = storage_dtype(it[1]->text);
  if (!dtype)
    throw Error(ErrorCode::unsupported, where + ": unsupported storage type " + it[1]->text);
  if (!it[2]->is_string()) return bad("key is not a string");
  if (it[4]->kind != Kind::integer || it[4]->integer < 0) return bad("element count");
  StorageId id;
  id.key = it[2]->text;
  id.dtype = *dtype;
  id.numel = it[4]->integer;
  if (it.size() > 5) id.view_metadata = it[5].get();
  return id;
}

void materialize_tensors(const std::vector<ValuePtr>& tensors, const std::string& where) {
  for (const auto& t : tensors) {
    const Storage& s = *t->storage;
    if (!s.data.defined() || s.data.numel() != s.numel)
      throw Error(ErrorCode::bad_file, where + ": storage '" + s.key + "' has no data");
    t->tensor = s.data.as_strided(t->sizes, t->strides, t->storage_offset);
  }
}

std::string render(const Value& v) {
  switch (v.kind) {
    case Kind::none:
      return "None";
    case Kind::boolean:
      return v.boolean ? "True" : "False";
    case Kind::integer:
      return std::to_string(v.integer);
    case Kind::floating: {
      // Like Python's repr: shortest round-trip digits, fixed notation for exponents
      // in [-4, 16), "3.0" for integral values.
      const double d = v.floating;
      if (std::isnan(d)) return "nan";
      if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
      char buf[400];
      auto sci = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
      std::string s(buf, sci.ptr);
      int exp = std::atoi(s.c_str() + s.find('e') + 1);
      if (exp < -4 || exp >= 16) return s;
      auto fix = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
      s.assign(buf, fix.ptr);
      if (s.find('.') == std::string::npos) s += ".0";
      return s;
    }
    case Kind::string:
      return v.text;
    case Kind::bytes: {
      std::string s = "<";  // appended piecewise: GCC 12 misreads a prepend as an overflow
      s += std::to_string(v.text.size());
      return s += " bytes>";
    }
    case Kind::global:
      return v.text;
    case Kind::object:
      return "<opaque " + v.text + ">";
    case Kind::storage:
      return "<storage " + (v.storage ? v.storage->key : "") + ">";
    case Kind::tensor:
      return "<tensor>";
    case Kind::dict:
      return "<dict of " + std::to_string(v.entries.size()) + ">";
    case Kind::tuple:
    case Kind::list:
    case Kind::set: {
      const char* open = v.kind == Kind::tuple ? "(" : v.kind == Kind::list ? "[" : "{";
      const char* close = v.kind == Kind::tuple ? ")" : v.kind == Kind::list ? "]" : "}";
      std::string s = open;
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        if (i) s += ", ";
        if (s.size() > 200) return s + "...";
        const Value& c = *v.items[i];
        s += c.kind == Kind::string ? "'" + c.text + "'" : render(c);
      }
      return s + close;
    }
  }
  return "?";
}

}  // namespace pb::io::pickle
