#include "engine/text/clip_tokenizer.h"

#include <unordered_map>

#include "engine/core/error.h"
#include "engine/text/bpe.h"
#include "engine/text/regex_splitter.h"
#include "engine/text/text_clean.h"
#include "engine/text/unicode.h"
#include "engine/text/vocab_files.h"

namespace pb::text {

namespace {

constexpr size_t kNumMerges = 49152 - 256 - 2;
const std::string kStartString = "<|startoftext|>";
const std::string kEndString = "<|endoftext|>";

// CLIP's pre-tokenizer. The reference compiles it with re.IGNORECASE and runs it on
// lower-cased text; on such text that flag only lets 's' also match U+017F (long s), and
// makes U+0345 (whose case variants are letters) match neither class, so it is dropped, as
// the `regex` module does. Written here without the flag so ICU cannot case-close the sets.
// `\s` is spelled \p{White_Space} (ICU's \s lacks U+000B and U+0085).
constexpr std::string_view kPattern =
    R"(<\|[s\u017F]tartoftext\|>|<\|endoftext\|>|'[s\u017F]|'t|'re|'ve|'m|'ll|'d)"
    R"(|\p{L}+|\p{N}|[^\p{White_Space}\p{L}\p{N}\u0345]+)";

}  // namespace

struct ClipTokenizer::Impl {
  ClipTokenizer::Options options;
  std::vector<std::string> tokens;  // id -> vocabulary string
  std::unique_ptr<Bpe> bpe;
  std::vector<int64_t> symbol_ids;  // Bpe symbol index -> vocabulary id (-1: not an output)
  RegexSplitter splitter{kPattern};
};

ClipTokenizer ClipTokenizer::load(const std::string& vocab_dir, Options options) {
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  const std::string path = join_path(vocab_dir, kMergesFile);
  const std::string text = read_gzip_text(path);
  // Line 0 is a version header; the next 48894 lines are the merges.
  const auto merges = parse_merges(text, path, 1, long(kNumMerges));

  // Vocabulary order: byte symbols, the same with "</w>", merge results, the two specials.
  const std::vector<std::string> bytes = byte_symbols_in_vocab_order();
  std::vector<std::string>& vocab = impl->tokens;
  vocab = bytes;
  for (const auto& b : bytes) vocab.push_back(b + "</w>");
  const std::vector<std::string> alphabet = vocab;
  for (const auto& [l, r] : merges) vocab.push_back(l + r);
  vocab.push_back(kStartString);
  vocab.push_back(kEndString);

  // A dict built from the list: a repeated string keeps its last id.
  std::unordered_map<std::string, int64_t> encoder;
  encoder.reserve(vocab.size());
  for (size_t i = 0; i < vocab.size(); ++i) encoder[vocab[i]] = int64_t(i);

  impl->bpe = std::make_unique<Bpe>(alphabet, merges, "</w>");
  impl->symbol_ids.assign(impl->bpe->num_symbols(), -1);
  for (size_t i = 0; i < impl->bpe->num_symbols(); ++i) {
    auto it = encoder.find(impl->bpe->symbol(int32_t(i)));
    if (it != encoder.end()) impl->symbol_ids[i] = it->second;
  }
  return ClipTokenizer(std::move(impl));
}

ClipTokenizer::Trace ClipTokenizer::trace(std::string_view utf8) const {
  utf8_to_u32(utf8);  // throws on malformed UTF-8
  Trace t;
  // basic_clean: ftfy, HTML unescaped twice, strip; then whitespace_clean; then lower().
  std::string s = impl_->options.fix_text ? fix_text(utf8) : std::string(utf8);
  s = python_strip(html_unescape(html_unescape(s)));
  t.cleaned = lower_full(whitespace_clean(s));
  t.chunks = impl_->splitter.find_all(t.cleaned);
  for (const auto& chunk : t.chunks) {
    if (chunk == kStartString || chunk == kEndString) {
      t.pieces.push_back(chunk);
      t.ids.push_back(chunk == kStartString ? kStartToken : kEndToken);
      continue;
    }
    // Every symbol BPE outputs (a byte symbol or a merge result) is in the vocabulary by
    // construction.
    for (int32_t sym : impl_->bpe->encode_word(chunk)) {
      t.pieces.push_back(impl_->bpe->symbol(sym));
      t.ids.push_back(impl_->symbol_ids[size_t(sym)]);
    }
  }
  return t;
}

std::vector<int64_t> ClipTokenizer::encode(std::string_view utf8) const { return trace(utf8).ids; }

std::string ClipTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string symbols;
  for (int64_t id : ids) {
    if (id < 0 || id >= int64_t(impl_->tokens.size()))
      throw Error(ErrorCode::invalid_argument,
                  "token id " + std::to_string(id) + " is outside the CLIP vocabulary");
    symbols += impl_->tokens[size_t(id)];
  }
  std::string spaced;
  for (size_t pos = 0; pos < symbols.size();) {
    if (symbols.compare(pos, 4, "</w>") == 0) {
      spaced += ' ';
      pos += 4;
    } else {
      spaced += symbols[pos++];
    }
  }
  return utf8_replace_invalid(symbols_to_bytes(spaced));
}

ClipTokenizer::Padded ClipTokenizer::padded_tokens_and_mask(const std::vector<int64_t>& ids,
                                                            int context) const {
  if (context < 2)
    throw Error(ErrorCode::invalid_argument,
                "CLIP context must be at least 2, got " + std::to_string(context));
  Padded p;
  p.tokens.reserve(size_t(context));
  p.tokens.push_back(kStartToken);
  p.tokens.insert(p.tokens.end(), ids.begin(), ids.end());
  p.tokens.push_back(kEndToken);
  const size_t n = std::min(p.tokens.size(), size_t(context));
  if (p.tokens.size() > size_t(context)) {
    p.tokens.resize(size_t(context));
    p.tokens.back() = kEndToken;
  }
  p.tokens.resize(size_t(context), 0);
  p.mask.assign(size_t(context), false);
  std::fill(p.mask.begin(), p.mask.begin() + long(n), true);
  return p;
}

}  // namespace pb::text
