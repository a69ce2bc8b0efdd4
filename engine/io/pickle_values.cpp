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

namespace {

std::string render_float(double d) {
  // Like Python's repr: shortest round-trip digits, fixed notation for exponents in
  // [-4, 16), "3.0" for integral values.
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

// Appends at most about `limit` characters: the budget passed down keeps the work
// bounded for containers shared many times over (a DAG renders in linear time).
void render_to(std::string& out, const Value& v, std::size_t limit) {
  const std::size_t start = out.size();
  auto room = [&] { return out.size() - start < limit ? limit - (out.size() - start) : 0; };
  switch (v.kind) {
    case Kind::none:
      out += "None";
      return;
    case Kind::boolean:
      out += v.boolean ? "True" : "False";
      return;
    case Kind::integer:
      out += std::to_string(v.integer);
      return;
    case Kind::floating:
      out += render_float(v.floating);
      return;
    case Kind::string:
      if (v.text.size() <= limit) {
        out += v.text;
      } else {
        out.append(v.text, 0, limit);
        out += "... (" + std::to_string(v.text.size()) + " bytes)";
      }
      return;
    case Kind::bytes:
      // Appended piecewise: GCC 12 misreads "<" + std::string as an overflow.
      out += '<';
      out += std::to_string(v.text.size());
      out += " bytes>";
      return;
    case Kind::global:
      out.append(v.text, 0, limit);
      return;
    case Kind::object:
      out += "<opaque ";
      out.append(v.text, 0, limit);
      out += ">";
      return;
    case Kind::storage:
      out += "<storage ";
      if (v.storage) out.append(v.storage->key, 0, limit);
      out += ">";
      return;
    case Kind::tensor:
      out += "<tensor>";
      return;
    case Kind::dict:
      out += "<dict of " + std::to_string(v.entries.size()) + ">";
      return;
    case Kind::tuple:
    case Kind::list:
    case Kind::set: {
      out += v.kind == Kind::tuple ? "(" : v.kind == Kind::list ? "[" : "{";
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        if (room() == 0) {  // each open level then adds only "...)"
          out += "...";
          break;
        }
        if (i) out += ", ";
        const Value& c = *v.items[i];
        if (c.kind == Kind::string) out += "'";
        render_to(out, c, room());
        if (c.kind == Kind::string) out += "'";
      }
      out += v.kind == Kind::tuple ? ")" : v.kind == Kind::list ? "]" : "}";
      return;
    }
  }
  out += "?";
}

}  // namespace

std::string render(const Value& v, std::size_t limit) {
  std::string out;
  render_to(out, v, limit);
  return out;
}

}  // namespace pb::io::pickle
