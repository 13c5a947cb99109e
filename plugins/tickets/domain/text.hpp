// tickets/domain/text.hpp — checks for the free text a ticket carries.
//
// The JSON parser has already refused invalid UTF-8; these checks refuse what is valid UTF-8 but
// still wrong for the field: control characters (which break logs and terminals), empty or
// whitespace-only values, values over their limit.
#pragma once

#include <cstddef>
#include <string_view>

namespace plinth::tickets {

// A single line: no control characters at all (C0, DEL, C1), not blank, at most max_bytes.
// Throws PLINTH_E_INVALID_ARGUMENT naming `field`.
void check_line(std::string_view field, std::string_view value, size_t max_bytes);

// Multi-line text: tab, CR and LF allowed, other control characters refused; not blank.
void check_text(std::string_view field, std::string_view value, size_t max_bytes);

// True when `value` is valid UTF-8 (used for data that did not come through the JSON parser).
bool valid_utf8(std::string_view value);

} // namespace plinth::tickets
