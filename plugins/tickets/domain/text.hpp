// tickets/domain/text.hpp — checks for the free text a ticket carries.
//
// The JSON parser has already refused invalid UTF-8; these checks refuse what is valid UTF-8 but
// still wrong for the field: the characters plinth/sdk/text.hpp refuses for names or free text
// (control characters, line separators, bidirectional overrides), empty or whitespace-only
// values, values over their limit.
#pragma once

#include <cstddef>
#include <string_view>

namespace plinth::tickets {

// A single line shown as a label (subject, file name, product, user name, environment value):
// a name in sdk::text's sense — no control characters (C0, DEL, C1), no U+2028/U+2029, no
// bidirectional embedding/override/isolate characters —, not blank, at most max_bytes.
// Throws PLINTH_E_INVALID_ARGUMENT naming `field`.
void check_line(std::string_view field, std::string_view value, size_t max_bytes);

// Free text (description, reply, note): tab, CR and LF allowed, other control characters
// refused, bidirectional formatting allowed (right-to-left prose needs it); not blank.
void check_text(std::string_view field, std::string_view value, size_t max_bytes);

// True when `value` is valid UTF-8 (used for data that did not come through the JSON parser).
bool valid_utf8(std::string_view value);

} // namespace plinth::tickets
