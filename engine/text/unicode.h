#pragma once
// UTF-8 and Unicode helpers shared by the tokenizers: Python-compatible lower-casing,
// white-space predicates, and GPT-2's byte -> code point alphabet.
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace pb::text {

// Decodes UTF-8 into code points. Throws pb::Error(invalid_argument) naming the byte offset
// when the input is not well-formed UTF-8 (overlongs, surrogates and > U+10FFFF included).
std::u32string utf8_to_u32(std::string_view utf8);
void append_utf8(std::string& out, char32_t cp);
std::string u32_to_utf8(std::u32string_view text);
bool is_valid_utf8(std::string_view bytes);
// Decodes like Python's bytes.decode("utf-8", errors="replace"): every maximal ill-formed
// subsequence becomes U+FFFD.
std::string utf8_replace_invalid(std::string_view bytes);

// Python's str.lower(): Unicode default full lower-casing, SpecialCasing and Final_Sigma
// included, independent of the locale.
std::string lower_full(std::string_view utf8);
// Python's str.upper() (full mapping, e.g. "ß" -> "SS").
std::string upper_full(std::string_view utf8);
// Unicode NFC / NFKC.
std::string nfc(std::string_view utf8);
std::string nfkc(std::string_view utf8);

// The Unicode White_Space property: what `\s` means in the tokenizers' regular expressions
// (25 code points).
bool is_white_space(char32_t cp);
// Python's str.isspace(), used by str.strip(): White_Space plus U+001C..U+001F.
bool is_python_space(char32_t cp);
// Python's str.strip() with no argument.
std::string python_strip(std::string_view utf8);

// GPT-2's reversible byte -> code point map (also used by CLIP): byte b's symbol in UTF-8.
const std::array<std::string, 256>& byte_symbols();
// The 256 symbols in GPT-2's vocabulary order: the printable bytes 33..126, 161..172, 174..255
// first, then the other 68 bytes in increasing order.
std::vector<std::string> byte_symbols_in_vocab_order();
// Each byte of `bytes` replaced by its symbol.
std::string bytes_to_symbols(std::string_view bytes);
// Inverse of bytes_to_symbols; symbols outside the alphabet are kept as their UTF-8 bytes.
std::string symbols_to_bytes(std::string_view symbols);

}  // namespace pb::text
