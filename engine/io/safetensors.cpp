// safetensors: u64 header length, JSON header, raw little-endian data. Read through
// the memory map: tensors adopt their bytes without copying.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

#include "engine/core/error.h"
#include "engine/io/readers.h"

namespace pb::io::detail {
namespace {

constexpr std::uint64_t kMaxHeader = 100ull << 20;  // the reference implementation's limit

std::optional<torch::ScalarType> parse_dtype(const std::string& s) {
  static const std::pair<const char*, torch::ScalarType> kTypes[] = {
      {"F64", torch::kDouble},    {"F32", torch::kFloat}, {"F16", torch::kHalf},
      {"BF16", torch::kBFloat16}, {"I64", torch::kLong},  {"I32", torch::kInt},
      {"I16", torch::kShort},     {"I8", torch::kChar},   {"U8", torch::kByte},
      {"BOOL", torch::kBool}};
  for (const auto& [n, t] : kTypes)
    if (s == n) return t;
  return std::nullopt;
}

}  // namespace

Checkpoint read_safetensors(const std::shared_ptr<MappedFile>& file) {
  const std::string& path = file->path();
  auto bad = [&](const std::string& what) {
    return Error(ErrorCode::bad_file, path + ": bad safetensors file: " + what);
  };
  if (file->size() < 8) throw bad("shorter than its 8-byte header length");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | file->data()[i];
  if (n > kMaxHeader) throw bad("header length " + std::to_string(n) + " is implausibly large");
  if (n > file->size() - 8)
    throw bad("header claims " + std::to_string(n) + " bytes but the file holds only " +
              std::to_string(file->size() - 8) + " after the length (truncated?)");
  const char* text = reinterpret_cast<const char*>(file->data() + 8);
  nlohmann::ordered_json header;
  try {
    header = nlohmann::ordered_json::parse(text, text + n);
  } catch (const std::exception& e) {
    throw bad(std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) throw bad("header is not a JSON object");
  const std::uint64_t data_start = 8 + n;
  const std::uint64_t data_size = file->size() - data_start;

  Checkpoint ck;
  ck.path = path;
  ck.format = ContainerFormat::safetensors;
  struct Item {
    std::string name;
    std::uint64_t begin;
    torch::Tensor tensor;
  };
  std::vector<Item> items;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) throw bad("__metadata__ is not an object");
      for (const auto& [k, v] : info.items())
        ck.metadata["safetensors." + k] = v.is_string() ? v.get<std::string>() : v.dump();
      continue;
    }
    try {
      const std::string dtype_name = info.at("dtype").get<std::string>();
      auto dtype = parse_dtype(dtype_name);
      if (!dtype)
        throw Error(ErrorCode::unsupported,
                    path + ": tensor '" + name + "' has unsupported dtype " + dtype_name);
      std::vector<std::int64_t> shape;
      std::int64_t numel = 1;
      for (const auto& d : info.at("shape")) {
        auto v = d.get<std::int64_t>();
        if (v < 0) throw bad("tensor '" + name + "' has a negative dimension");
        shape.push_back(v);
        if (__builtin_mul_overflow(numel, v, &numel) ||
            static_cast<std::uint64_t>(numel) > file->size())
          throw bad("tensor '" + name + "' is larger than the file");
      }
      const auto& off = info.at("data_offsets");
      if (!off.is_array() || off.size() != 2) throw bad("tensor '" + name + "': data_offsets");
      auto begin = off[0].get<std::uint64_t>(), end = off[1].get<std::uint64_t>();
      const std::uint64_t nbytes = static_cast<std::uint64_t>(numel) * c10::elementSize(*dtype);
      if (end < begin || end - begin != nbytes)
        throw bad("tensor '" + name + "' has data_offsets [" + std::to_string(begin) + ", " +
                  std::to_string(end) + "] for " + std::to_string(nbytes) + " bytes of data");
      if (end > data_size)
        throw bad("tensor '" + name + "' ends at byte " + std::to_string(end) +
                  " but the data section holds " + std::to_string(data_size) + " (truncated?)");
      torch::Tensor flat =
          storage_tensor(file, data_start + begin, *dtype, static_cast<std::int64_t>(numel),
                         "tensor '" + name + "'");
      items.push_back({name, begin, flat.view(shape)});
    } catch (const nlohmann::json::exception& e) {
      throw bad("tensor '" + name + "' has a malformed entry (" + e.what() + ")");
    }
  }
  // File order is data order; the JSON order is kept among equal offsets.
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.begin < b.begin; });
  for (auto& i : items) ck.tensors.emplace_back(std::move(i.name), std::move(i.tensor));
  return ck;
}

}  // namespace pb::io::detail
