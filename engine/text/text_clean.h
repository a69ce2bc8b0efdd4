#pragma once
// Text clean-up that CLIP's tokenizer applies before splitting (clip/simple_tokenizer.py:
// basic_clean + whitespace_clean). All functions take and return well-formed UTF-8.
#include <string>
#include <string_view>

namespace pb::text {

// Python's html.unescape(): named references from the HTML5 table (with the longest-prefix
// rule for names without ';'), decimal and hex references with HTML's replacements for
// invalid code points.
std::string html_unescape(std::string_view text);

// The deterministic part of ftfy.fix_text() (ftfy 6 defaults), which CLIP runs first:
// HTML entities with ';' (skipped once a '<' is seen), terminal escapes removed, C1 controls
// read as Windows-1252, Latin ligatures expanded, full-width forms and U+3000 made
// half-width, curly quotes straightened, line breaks unified, control characters removed,
// NFC. ftfy's mojibake detection (re-decoding text that was mis-decoded as Latin-1 or
// Windows-1252) is not reproduced: such text passes unchanged.
std::string fix_text(std::string_view text);

// CLIP's whitespace_clean: every run of White_Space becomes one space, then str.strip().
std::string whitespace_clean(std::string_view text);

}  // namespace pb::text
