#include "engine/text/glide_tokenizer.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "engine/core/error.h"
#include "engine/text/bpe.h"
#include "engine/text/regex_splitter.h"
#include "engine/text/unicode.h"
#include "engine/text/vocab_files.h"

namespace pb::text {

namespace {

// GPT-2's pre-tokenizer. `\s` is spelled \p{White_Space}: ICU's \s lacks U+000B and U+0085,
// which Python's `regex` module (used by the reference) counts as white space.
constexpr std::string_view kPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+)"
    R"(|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+)";

// encoder.json is one flat object token -> id; a SAX pass avoids building a 50k-entry DOM.
class EncoderReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit EncoderReader(std::string path) : path_(std::move(path)) {}
  std::unordered_map<std::string, int64_t> map;

  bool start_object(std::size_t n) override {
    if (depth_++ != 0) return fail("nested objects");
    if (n != std::size_t(-1)) map.reserve(n);
    return true;
  }
  bool end_object() override { return --depth_ == 0 || fail("unbalanced object"); }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool number_integer(number_integer_t v) override { return add(v); }
  bool number_unsigned(number_unsigned_t v) override {
    return v <= 1'000'000 ? add(int64_t(v)) : add(-1);
  }
  bool null() override { return add(-1); }
  bool boolean(bool) override { return add(-1); }
  bool number_float(number_float_t, const string_t&) override { return add(-1); }
  bool string(string_t&) override { return add(-1); }
  bool binary(binary_t&) override { return add(-1); }
  bool start_array(std::size_t) override { return depth_ == 0 ? fail("an array") : add(-1); }
  bool end_array() override { return false; }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& e) override {
    throw Error(ErrorCode::bad_file, path_ + ": not valid JSON (" + e.what() + ")");
  }

 private:
  bool add(int64_t id) {
    if (depth_ != 1) return fail("not an object token -> id");
    if (id < 0 || id > 1'000'000)
      throw Error(ErrorCode::bad_file,
                  path_ + ": the id of token '" + key_ + "' is not a valid integer");
    map[key_] = id;
    return true;
  }
  bool fail(const char* what) {
    throw Error(ErrorCode::bad_file, path_ + ": expected a JSON object token -> id (" + what + ")");
  }
  std::string path_, key_;
  int depth_ = 0;
};

std::unordered_map<std::string, int64_t> read_encoder(const std::string& path) {
  const std::string text = read_gzip_text(path);
  EncoderReader reader(path);
  nlohmann::json::sax_parse(text, &reader);
  if (reader.map.empty()) throw Error(ErrorCode::bad_file, path + ": no tokens");
  return std::move(reader.map);
}

}  // namespace

struct GlideTokenizer::Impl {
  std::vector<std::string> tokens;  // id -> token string
  std::unique_ptr<Bpe> bpe;
  std::vector<int64_t> symbol_ids;  // Bpe symbol index -> vocabulary id (-1: none)
  RegexSplitter splitter{kPattern};
};

GlideTokenizer GlideTokenizer::load(const std::string& vocab_dir) {
  auto impl = std::make_shared<Impl>();
  const std::string encoder_path = join_path(vocab_dir, kEncoderFile);
  const std::string merges_path = join_path(vocab_dir, kMergesFile);

  std::unordered_map<std::string, int64_t> encoder = read_encoder(encoder_path);
  int64_t max_id = -1;
  for (const auto& [tok, id] : encoder) max_id = std::max(max_id, id);
  impl->tokens.assign(size_t(max_id + 1), std::string());
  for (const auto& [tok, id] : encoder) impl->tokens[size_t(id)] = tok;

  const std::string merges_text = read_gzip_text(merges_path);
  // Line 0 is "#version: 0.2" and the file ends with '\n', i.e. an empty last line.
  const auto merges = parse_merges(merges_text, merges_path, 1, -1);
  impl->bpe = std::make_unique<Bpe>(byte_symbols_in_vocab_order(), merges, "");

  // Every symbol BPE can output must have an id: the 256 bytes and every merge result.
  impl->symbol_ids.assign(impl->bpe->num_symbols(), -1);
  for (size_t i = 0; i < impl->bpe->num_symbols(); ++i) {
    const std::string& sym = impl->bpe->symbol(int32_t(i));
    if (auto it = encoder.find(sym); it != encoder.end())
      impl->symbol_ids[i] = it->second;
    else if (impl->bpe->is_output(int32_t(i)))
      throw Error(ErrorCode::bad_file, encoder_path + ": no id for the BPE symbol '" + sym +
                                           "' (does it belong with " + merges_path + "?)");
  }
  if (encoder.find("<|endoftext|>") == encoder.end() || encoder.at("<|endoftext|>") != kEndToken)
    throw Error(ErrorCode::bad_file,
                encoder_path + ": expected <|endoftext|> = " + std::to_string(kEndToken));
  return GlideTokenizer(std::move(impl));
}

GlideTokenizer::Trace GlideTokenizer::trace(std::string_view utf8) const {
  utf8_to_u32(utf8);  // throws on malformed UTF-8
  Trace t;
  t.lowercased = lower_full(utf8);
  t.chunks = impl_->splitter.find_all(t.lowercased);
  for (const auto& chunk : t.chunks) {
    for (int32_t s : impl_->bpe->encode_word(chunk)) {
      t.pieces.push_back(impl_->bpe->symbol(s));
      t.ids.push_back(impl_->symbol_ids[size_t(s)]);
    }
  }
  return t;
}

std::vector<int64_t> GlideTokenizer::encode(std::string_view utf8) const {
  utf8_to_u32(utf8);
  std::vector<int64_t> ids;
  for (const auto& chunk : impl_->splitter.find_all(lower_full(utf8)))
    for (int32_t s : impl_->bpe->encode_word(chunk)) ids.push_back(impl_->symbol_ids[size_t(s)]);
  return ids;
}

std::string GlideTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string symbols;
  for (int64_t id : ids) {
    if (id < 0 || id >= int64_t(impl_->tokens.size()))
      throw Error(ErrorCode::invalid_argument,
                  "token id " + std::to_string(id) + " is outside the GLIDE vocabulary");
    symbols += impl_->tokens[size_t(id)];
  }
  return utf8_replace_invalid(symbols_to_bytes(symbols));
}

GlideTokenizer::Padded GlideTokenizer::padded_tokens_and_mask(const std::vector<int64_t>& ids,
                                                              int context) const {
  if (context < 1)
    throw Error(ErrorCode::invalid_argument,
                "text context must be at least 1, got " + std::to_string(context));
  Padded p;
  const size_t n = std::min(ids.size(), size_t(context));
  p.tokens.assign(ids.begin(), ids.begin() + long(n));
  p.tokens.resize(size_t(context), kEndToken);
  p.mask.assign(size_t(context), false);
  std::fill(p.mask.begin(), p.mask.begin() + long(n), true);
  return p;
}

int64_t GlideTokenizer::vocab_size() const { return int64_t(impl_->tokens.size()); }

}  // namespace pb::text
