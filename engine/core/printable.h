#pragma once
// Text from a file (tensor names, metadata, pickle class names) made safe to print on a
// terminal: a checkpoint must not be able to rewrite the report a person reads to check
// a download. Control characters (C0, DEL, C1), bidirectional overrides and invalid
// UTF-8 are shown as escapes; backslashes are doubled so that escapes are unambiguous.
#include <string>
#include <string_view>

namespace pb {

// "\x1b[2J" -> "\\x1b[2J"; U+202E -> "\\u{202e}"; valid printable UTF-8 is kept, and
// line breaks too with keep_newlines (multi-line error messages).
std::string printable(std::string_view text, bool keep_newlines = false);

}  // namespace pb
