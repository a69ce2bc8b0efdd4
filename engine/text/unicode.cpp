#include "engine/text/unicode.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "engine/core/error.h"

namespace pb::text {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one code point at `pos`. Returns its length, or 0 if the bytes there are not a
// well-formed sequence; `bad_len` is then the length of the maximal ill-formed subpart
// (Unicode's "substitution of maximal subparts", which Python's errors="replace" follows).
size_t decode_one(std::string_view s, size_t pos, char32_t& cp, size_t& bad_len) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  bad_len = 1;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // no overlongs
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  for (size_t i = 1; i < len; ++i) {
    if (pos + i >= s.size()) return 0;
    const auto b = static_cast<unsigned char>(s[pos + i]);
    const unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
    if (b < l || b > h) return 0;
    cp = (cp << 6) | (b & 0x3F);
    bad_len = i + 1;
  }
  return len;
}

std::string to_utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

icu::UnicodeString from_utf8(std::string_view utf8) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), int32_t(utf8.size())));
}

std::string normalize(const icu::Normalizer2* norm, UErrorCode status, std::string_view utf8) {
  if (U_FAILURE(status)) throw Error(ErrorCode::internal, "ICU normalizer unavailable");
  const icu::UnicodeString out = norm->normalize(from_utf8(utf8), status);
  if (U_FAILURE(status)) throw Error(ErrorCode::internal, "ICU normalization failed");
  return to_utf8(out);
}

}  // namespace

std::u32string utf8_to_u32(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  for (size_t pos = 0; pos < utf8.size();) {
    char32_t cp;
    size_t bad;
    const size_t n = decode_one(utf8, pos, cp, bad);
    if (n == 0)
      throw Error(ErrorCode::invalid_argument,
                  "text is not valid UTF-8 (bad byte at offset " + std::to_string(pos) + ")");
    out.push_back(cp);
    pos += n;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

std::string u32_to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) append_utf8(out, cp);
  return out;
}

bool is_valid_utf8(std::string_view bytes) {
  for (size_t pos = 0; pos < bytes.size();) {
    char32_t cp;
    size_t bad;
    const size_t n = decode_one(bytes, pos, cp, bad);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

std::string utf8_replace_invalid(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t pos = 0; pos < bytes.size();) {
    char32_t cp;
    size_t bad;
    const size_t n = decode_one(bytes, pos, cp, bad);
    if (n == 0) {
      append_utf8(out, kReplacement);
      pos += bad;
    } else {
      out.append(bytes.substr(pos, n));
      pos += n;
    }
  }
  return out;
}

std::string lower_full(std::string_view utf8) {
  // The root locale gives the language-independent mappings of SpecialCasing.txt (no
  // Turkish/Lithuanian rules) plus the Final_Sigma context, exactly what str.lower() does.
  icu::UnicodeString s = from_utf8(utf8);
  s.toLower(icu::Locale::getRoot());
  return to_utf8(s);
}

std::string upper_full(std::string_view utf8) {
  icu::UnicodeString s = from_utf8(utf8);
  s.toUpper(icu::Locale::getRoot());
  return to_utf8(s);
}

std::string nfc(std::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* norm = icu::Normalizer2::getNFCInstance(status);
  return normalize(norm, status, utf8);
}

std::string nfkc(std::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* norm = icu::Normalizer2::getNFKCInstance(status);
  return normalize(norm, status, utf8);
}

bool is_white_space(char32_t cp) {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_python_space(char32_t cp) { return is_white_space(cp) || (cp >= 0x1C && cp <= 0x1F); }

std::string python_strip(std::string_view utf8) {
  const std::u32string s = utf8_to_u32(utf8);
  size_t b = 0, e = s.size();
  while (b < e && is_python_space(s[b])) ++b;
  while (e > b && is_python_space(s[e - 1])) --e;
  return u32_to_utf8(std::u32string_view(s).substr(b, e - b));
}

namespace {

bool is_printable_byte(int b) {
  return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
}

struct ByteTables {
  std::array<std::string, 256> symbol;
  std::array<char32_t, 256> code_point;
  ByteTables() {
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      code_point[b] = is_printable_byte(b) ? char32_t(b) : next++;
      append_utf8(symbol[b], code_point[b]);
    }
  }
};

const ByteTables& byte_tables() {
  static const ByteTables tables;
  return tables;
}

}  // namespace

const std::array<std::string, 256>& byte_symbols() { return byte_tables().symbol; }

std::vector<std::string> byte_symbols_in_vocab_order() {
  std::vector<std::string> out;
  for (int b = 0; b < 256; ++b)
    if (is_printable_byte(b)) out.push_back(byte_symbols()[b]);
  for (int b = 0; b < 256; ++b)
    if (!is_printable_byte(b)) out.push_back(byte_symbols()[b]);
  return out;
}

std::string bytes_to_symbols(std::string_view bytes) {
  const auto& sym = byte_symbols();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += sym[static_cast<unsigned char>(c)];
  return out;
}

std::string symbols_to_bytes(std::string_view symbols) {
  const auto& cps = byte_tables().code_point;
  std::string out;
  out.reserve(symbols.size());
  for (size_t pos = 0; pos < symbols.size();) {
    char32_t cp;
    size_t bad;
    size_t n = decode_one(symbols, pos, cp, bad);
    if (n == 0) {
      out.append(symbols.substr(pos, bad));
      pos += bad;
      continue;
    }
    int byte = -1;
    if (cp < 0x100 && is_printable_byte(int(cp))) {
      byte = int(cp);
    } else if (cp >= 0x100 && cp < 0x100 + 68) {
      for (int b = 0; b < 256; ++b)
        if (cps[b] == cp) byte = b;
    }
    if (byte >= 0)
      out += char(byte);
    else
      out.append(symbols.substr(pos, n));
    pos += n;
  }
  return out;
}

}  // namespace pb::text
