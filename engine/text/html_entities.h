#pragma once
// The HTML5 named character reference table, as Python's html.entities.html5 has it.
#include <span>
#include <string_view>

namespace pb::text {

struct HtmlEntity {
  std::string_view name;   // without the leading '&'; with the ';' where the name has one
  std::string_view value;  // UTF-8
};

// Sorted by name (byte order).
std::span<const HtmlEntity> html_entities();

}  // namespace pb::text
