#include "engine/text/text_clean.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>

#include "engine/text/html_entities.h"
#include "engine/text/unicode.h"

namespace pb::text {

namespace {

// Windows-1252 readings of 0x80..0x9F; the five undefined bytes stay C1 controls. HTML maps
// numeric references in this range the same way.
constexpr std::array<char32_t, 32> kCp1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

const std::string_view* find_entity(std::u32string_view name) {
  std::string key;
  for (char32_t c : name) {
    if (c >= 0x80) return nullptr;  // every entity name is ASCII
    key += char(c);
  }
  const auto table = html_entities();
  auto it = std::lower_bound(table.begin(), table.end(), key,
                             [](const HtmlEntity& e, const std::string& k) { return e.name < k; });
  if (it == table.end() || it->name != key) return nullptr;
  return &it->value;
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_hex(char32_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_alnum(char32_t c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Python's html._replace_charref for a numeric reference.
std::u32string numeric_reference(std::u32string_view digits, bool hex) {
  constexpr uint64_t kTooBig = 0x110000;
  uint64_t num = 0;
  for (char32_t c : digits) {
    const uint64_t d = is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    num = std::min<uint64_t>(num * (hex ? 16 : 10) + d, kTooBig);
  }
  if (num == 0x00) return U"\uFFFD";
  if (num == 0x0D) return U"\r";
  if (num >= 0x80 && num <= 0x9F) return std::u32string(1, kCp1252High[num - 0x80]);
  if ((num >= 0xD800 && num <= 0xDFFF) || num >= kTooBig) return U"\uFFFD";
  const bool invalid = (num >= 0x01 && num <= 0x08) || num == 0x0B ||
                       (num >= 0x0E && num <= 0x1F) || num == 0x7F ||
                       (num >= 0xFDD0 && num <= 0xFDEF) || (num & 0xFFFE) == 0xFFFE;
  if (invalid) return U"";
  return std::u32string(1, char32_t(num));
}

std::u32string html_unescape_u32(std::u32string_view s) {
  if (s.find(U'&') == std::u32string_view::npos) return std::u32string(s);
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != U'&' || i + 1 >= s.size()) {
      out += s[i++];
      continue;
    }
    const size_t start = i + 1;
    if (s[start] == U'#') {
      // '#[0-9]+;?' or '#[xX][0-9a-fA-F]+;?'
      size_t j = start + 1;
      const bool hex = j + 1 < s.size() && (s[j] == U'x' || s[j] == U'X') && is_hex(s[j + 1]);
      if (!hex && !(j < s.size() && is_digit(s[j]))) {
        out += s[i++];  // '&#' not followed by a number: no reference here
        continue;
      }
      if (hex) ++j;
      const size_t dstart = j;
      while (j < s.size() && (hex ? is_hex(s[j]) : is_digit(s[j]))) ++j;
      const std::u32string_view digits = s.substr(dstart, j - dstart);
      if (j < s.size() && s[j] == U';') ++j;
      out += numeric_reference(digits, hex);
      i = j;
      continue;
    }
    // '[^\t\n\f <&#;]{1,32};?'
    size_t j = start;
    while (j < s.size() && j - start < 32) {
      const char32_t c = s[j];
      if (c == U'\t' || c == U'\n' || c == U'\f' || c == U' ' || c == U'<' || c == U'&' ||
          c == U'#' || c == U';')
        break;
      ++j;
    }
    if (j == start) {
      out += s[i++];
      continue;
    }
    if (j < s.size() && s[j] == U';') ++j;
    const std::u32string_view name = s.substr(start, j - start);
    i = j;
    if (const auto* v = find_entity(name)) {
      out += utf8_to_u32(*v);
      continue;
    }
    // The longest prefix (at least two characters) that is a name, as HTML5 specifies.
    bool found = false;
    for (size_t x = name.size() - 1; x > 1; --x) {
      if (const auto* v = find_entity(name.substr(0, x))) {
        out += utf8_to_u32(*v);
        out += name.substr(x);
        found = true;
        break;
      }
    }
    if (!found) {
      out += U'&';
      out += name;
    }
  }
  return out;
}

// ftfy's entity table: the HTML5 names with ';', plus the upper-cased form of all-lower-case
// names when html.unescape leaves that form alone ("&NTILDE;" -> "Ñ").
const std::unordered_map<std::u32string, std::u32string>& ftfy_entities() {
  static const auto table = [] {
    std::unordered_map<std::u32string, std::u32string> t;
    for (const auto& e : html_entities()) {
      if (e.name.empty() || e.name.back() != ';') continue;
      std::u32string name(1, U'&');
      name += utf8_to_u32(e.name);
      t[name] = utf8_to_u32(e.value);
    }
    for (const auto& e : html_entities()) {
      if (e.name.empty() || e.name.back() != ';') continue;
      std::string upper(e.name);
      bool lower_only = true;
      for (char& c : upper) {
        if (c >= 'A' && c <= 'Z') lower_only = false;
        if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
      }
      if (!lower_only) continue;
      std::u32string entity_upper(1, U'&');
      entity_upper += utf8_to_u32(upper);
      if (html_unescape_u32(entity_upper) == entity_upper)
        t[entity_upper] = utf8_to_u32(upper_full(e.value));
    }
    return t;
  }();
  return table;
}

// ftfy.fixes.unescape_html: '&#?[0-9A-Za-z]{1,24};' references only.
std::u32string ftfy_unescape_html(const std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != U'&') {
      out += s[i++];
      continue;
    }
    size_t j = i + 1;
    if (j < s.size() && s[j] == U'#') ++j;
    const size_t a = j;
    while (j < s.size() && is_alnum(s[j]) && j - a < 24) ++j;
    if (j == a || j >= s.size() || s[j] != U';') {
      out += s[i++];
      continue;
    }
    const std::u32string ref = s.substr(i, j + 1 - i);
    const auto& table = ftfy_entities();
    if (auto it = table.find(ref); it != table.end()) {
      out += it->second;
    } else if (ref.size() > 1 && ref[1] == U'#') {
      const std::u32string un = html_unescape_u32(ref);
      out += un.find(U';') == std::u32string::npos ? un : ref;
    } else {
      out += ref;
    }
    i = j + 1;
  }
  return out;
}

// ESC '[' [0-9;]* [a-zA-Z]
std::u32string remove_terminal_escapes(const std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i] == 0x1B && i + 1 < s.size() && s[i + 1] == U'[') {
      size_t j = i + 2;
      while (j < s.size() && (is_digit(s[j]) || s[j] == U';')) ++j;
      if (j < s.size() && s[j] < 0x80 && std::isalpha(int(s[j]))) {
        i = j + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

std::u32string_view latin_ligature(char32_t c) {
  switch (c) {
    case 0x0132:
      return U"IJ";
    case 0x0133:
      return U"ij";
    case 0x0149:
      return U"\u02BCn";
    case 0x01C4:
      return U"D\u017D";
    case 0x01C5:
      return U"D\u017E";
    case 0x01C6:
      return U"d\u017E";
    case 0x01C7:
      return U"LJ";
    case 0x01C8:
      return U"Lj";
    case 0x01C9:
      return U"lj";
    case 0x01CA:
      return U"NJ";
    case 0x01CB:
      return U"Nj";
    case 0x01CC:
      return U"nj";
    case 0xFB00:
      return U"ff";
    case 0xFB01:
      return U"fi";
    case 0xFB02:
      return U"fl";
    case 0xFB03:
      return U"ffi";
    case 0xFB04:
      return U"ffl";
    case 0xFB05:
      return U"\u017Ft";
    case 0xFB06:
      return U"st";
    default:
      return {};
  }
}

bool is_removed_control(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
         (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

// One pass of ftfy's per-character fixers, in ftfy's order.
std::u32string fix_characters(const std::u32string& s) {
  std::u32string a;  // C1 controls, ligatures, width
  a.reserve(s.size());
  for (char32_t c : s) {
    if (c >= 0x80 && c <= 0x9F) {
      a += kCp1252High[c - 0x80];
    } else if (auto lig = latin_ligature(c); !lig.empty()) {
      a += lig;
    } else if (c == 0x3000) {
      a += U' ';
    } else if (c >= 0xFF01 && c <= 0xFFEF) {
      std::string one;
      append_utf8(one, c);
      a += utf8_to_u32(nfkc(one));
    } else {
      a += c;
    }
  }
  std::u32string b;  // quotes, line breaks, controls
  b.reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const char32_t c = a[i];
    if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) {
      b += U'\'';
    } else if (c >= 0x201C && c <= 0x201F) {
      b += U'"';
    } else if (c == U'\r' && i + 1 < a.size() && a[i + 1] == U'\n') {
      b += U'\n';
      ++i;
    } else if (c == U'\r' || c == 0x2028 || c == 0x2029 || c == 0x85) {
      b += U'\n';
    } else if (!is_removed_control(c)) {
      b += c;
    }
  }
  return b;
}

}  // namespace

std::string html_unescape(std::string_view text) {
  if (text.find('&') == std::string_view::npos) return std::string(text);
  return u32_to_utf8(html_unescape_u32(utf8_to_u32(text)));
}

std::string fix_text(std::string_view text) {
  const bool unescape = text.find('<') == std::string_view::npos;
  std::u32string s = utf8_to_u32(text);
  // ftfy repeats its fixers until the text stops changing.
  for (int round = 0; round < 16; ++round) {
    std::u32string t = unescape ? ftfy_unescape_html(s) : s;
    t = fix_characters(remove_terminal_escapes(t));
    t = utf8_to_u32(nfc(u32_to_utf8(t)));
    if (t == s) break;
    s = std::move(t);
  }
  return u32_to_utf8(s);
}

std::string whitespace_clean(std::string_view text) {
  const std::u32string s = utf8_to_u32(text);
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (is_white_space(s[i])) {
      out += U' ';
      while (i < s.size() && is_white_space(s[i])) ++i;
    } else {
      out += s[i++];
    }
  }
  return python_strip(u32_to_utf8(out));
}

}  // namespace pb::text
