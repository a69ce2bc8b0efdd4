// safetensors: u64 header length, JSON header, raw little-endian data. The header is
// parsed by events (nlohmann's SAX interface) into exactly what the format allows, a flat
// object of tensor entries and string metadata: no tree is built, so nesting cannot
// overflow the stack and 10^5 keys take linear time (an ordered_json looks keys up
// linearly).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <unordered_set>

#include "engine/core/error.h"
#include "engine/io/readers.h"

namespace pb::io::detail {
namespace {

constexpr std::uint64_t kMaxHeader = 100ull << 20;  // the reference implementation's limit
constexpr std::size_t kMaxDims = 64;

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

struct Entry {
  std::string name;
  std::optional<std::string> dtype;
  std::vector<std::uint64_t> shape, offsets;
  bool has_shape = false, has_offsets = false;
};

// Depth 1: the header object; 2: a tensor entry or __metadata__; 3: shape / data_offsets.
class HeaderReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit HeaderReader(const std::string& path) : path_(path) {}

  std::vector<Entry> entries;
  std::vector<std::pair<std::string, std::string>> metadata;

  bool null() override { return scalar(nullptr, "null"); }
  bool boolean(bool) override { return scalar(nullptr, "a boolean"); }
  bool number_integer(number_integer_t) override { return scalar(nullptr, "a negative number"); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(&v, "a number"); }
  bool number_float(number_float_t, const string_t&) override {
    return scalar(nullptr, "a fraction or huge number");
  }
  bool binary(binary_t&) override { return scalar(nullptr, "binary"); }
  bool string(string_t& v) override {
    if (depth_ == 2 && in_metadata_) {
      metadata.emplace_back(field_, std::move(v));
      return true;
    }
    if (depth_ == 2 && field_ == "dtype") {
      entries.back().dtype = std::move(v);
      return true;
    }
    return scalar(nullptr, "a string");
  }
  bool start_object(std::size_t) override {
    if (depth_ >= 2) fail("objects nested inside " + where());
    if (depth_ == 1) {
      in_metadata_ = top_key_ == "__metadata__";
      if (!in_metadata_) entries.push_back({top_key_, {}, {}, {}, false, false});
    }
    ++depth_;
    return true;
  }
  bool end_object() override {
    if (depth_-- == 2 && !in_metadata_) {
      const Entry& e = entries.back();
      if (!e.dtype || !e.has_shape || !e.has_offsets)
        fail("tensor '" + e.name + "' lacks dtype, shape or data_offsets");
    }
    in_metadata_ = in_metadata_ && depth_ > 1;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ != 2 || in_metadata_ || (field_ != "shape" && field_ != "data_offsets"))
      fail("unexpected list in " + where());
    Entry& e = entries.back();
    bool& seen = field_ == "shape" ? e.has_shape : e.has_offsets;
    if (seen) fail("tensor '" + e.name + "' has two " + field_ + " fields");
    seen = true;
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) {
      if (!names_.insert(k).second) fail("'" + k + "' appears twice in the header");
      top_key_ = std::move(k);
    } else {
      if (in_metadata_ && !metadata_keys_.insert(k).second)
        fail("metadata key '" + k + "' appears twice");
      field_ = std::move(k);
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    fail("header is not valid JSON (byte " + std::to_string(position) + ": " + e.what() + ")");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::bad_file, path_ + ": bad safetensors file: " + what);
  }
  std::string where() const {
    if (depth_ <= 1) return "the header";
    return in_metadata_ ? std::string("__metadata__") : "tensor '" + entries.back().name + "'";
  }
  // A number or other scalar: only shape and data_offsets elements are read; unknown
  // scalar fields of a tensor entry are ignored, as the reference does.
  bool scalar(const number_unsigned_t* v, const char* what) {
    if (depth_ == 3 && v) {
      auto& list = field_ == "shape" ? entries.back().shape : entries.back().offsets;
      if (list.size() >= kMaxDims) fail(where() + " has too many " + field_ + " values");
      list.push_back(*v);
      return true;
    }
    const bool known = field_ == "dtype" || field_ == "shape" || field_ == "data_offsets";
    if (depth_ == 2 && !in_metadata_ && !known) return true;
    if (depth_ == 2 && in_metadata_)
      fail("__metadata__ value of '" + field_ + "' is " + what + ", not a string");
    fail(where() + (depth_ == 3 ? " has " + std::string(what) + " in " + field_
                                : (depth_ == 2 ? " has " + std::string(what) + " for " + field_
                                               : " is " + std::string(what) + ", not an object")));
  }

  const std::string& path_;
  int depth_ = 0;
  bool in_metadata_ = false;
  std::string top_key_, field_;
  std::unordered_set<std::string> names_, metadata_keys_;
};

}  // namespace

Checkpoint read_safetensors(const std::shared_ptr<MappedFile>& file, ReadMode mode) {
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
  HeaderReader header(path);
  if (n == 0 || text[0] != '{') throw bad("header is not a JSON object");
  nlohmann::json::sax_parse(text, text + n, &header);
  const std::uint64_t data_start = 8 + n;
  const std::uint64_t data_size = file->size() - data_start;

  Checkpoint ck;
  ck.path = path;
  ck.format = ContainerFormat::safetensors;
  for (auto& [k, v] : header.metadata) ck.metadata["safetensors." + k] = std::move(v);
  struct Item {
    std::string name;
    std::uint64_t begin, end;
    std::vector<std::int64_t> shape;
    torch::ScalarType dtype;
  };
  std::vector<Item> items;
  for (auto& e : header.entries) {
    const std::string& name = e.name;
    auto dtype = parse_dtype(*e.dtype);
    if (!dtype)
      throw Error(ErrorCode::unsupported,
                  path + ": tensor '" + name + "' has unsupported dtype " + *e.dtype);
    std::vector<std::int64_t> shape;
    std::int64_t numel = 1;
    for (std::uint64_t v : e.shape) {
      if (v > static_cast<std::uint64_t>(file->size()) ||
          __builtin_mul_overflow(numel, static_cast<std::int64_t>(v), &numel) ||
          static_cast<std::uint64_t>(numel) > file->size())
        throw bad("tensor '" + name + "' is larger than the file");
      shape.push_back(static_cast<std::int64_t>(v));
    }
    if (e.offsets.size() != 2) throw bad("tensor '" + name + "': data_offsets");
    const std::uint64_t begin = e.offsets[0], end = e.offsets[1];
    const std::uint64_t nbytes = static_cast<std::uint64_t>(numel) * c10::elementSize(*dtype);
    if (end < begin || end - begin != nbytes)
      throw bad("tensor '" + name + "' has data_offsets [" + std::to_string(begin) + ", " +
                std::to_string(end) + "] for " + std::to_string(nbytes) + " bytes of data");
    if (end > data_size)
      throw bad("tensor '" + name + "' ends at byte " + std::to_string(end) +
                " but the data section holds " + std::to_string(data_size) + " (truncated?)");
    items.push_back({name, begin, end, std::move(shape), *dtype});
  }
  // File order is data order; the JSON order is kept among equal offsets. Overlapping
  // ranges are refused, as the reference implementation does: each byte of data belongs
  // to one tensor, so a small file cannot read as many large tensors.
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.begin < b.begin; });
  for (std::size_t i = 1; i < items.size(); ++i)
    if (items[i].begin < items[i - 1].end)
      throw bad("tensors '" + items[i - 1].name + "' and '" + items[i].name + "' overlap");
  for (auto& i : items) {
    if (mode == ReadMode::metadata) {
      ck.tensors.emplace_back(
          std::move(i.name),
          torch::empty(i.shape, torch::TensorOptions().dtype(i.dtype).device(torch::kMeta)));
      continue;
    }
    torch::Tensor t = torch::empty(i.shape, torch::TensorOptions().dtype(i.dtype));
    const std::size_t nbytes = static_cast<std::size_t>(i.end - i.begin);
    if (nbytes) file->read_at(data_start + i.begin, t.data_ptr(), nbytes);
    ck.tensors.emplace_back(std::move(i.name), std::move(t));
  }
  return ck;
}

}  // namespace pb::io::detail
