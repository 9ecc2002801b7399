#pragma once
// One JSON string quoter for the JSONL trace, displayed field tables and exported definitions.
#include <string>
#include <string_view>

namespace brokersim::trace {

// Appends `s` as a quoted JSON string: quotes and backslashes escaped, \n \t \r short, other
// control characters as \u00XX. Bytes >= 0x80 pass through (names are UTF-8).
void append_json_string(std::string& out, std::string_view s);

}  // namespace brokersim::trace
