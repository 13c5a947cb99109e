// licenses/domain/text.hpp — rules for text that people type or paste: keys, site URLs, names.
#pragma once

#include <string>
#include <string_view>

namespace plinth::licenses {

// `text` without the whitespace around it: ASCII space, tab, CR, LF, FF, VT, and the Unicode
// spaces that copying from web pages and documents brings along (NBSP, NEL, the U+2000 block,
// line and paragraph separators, ideographic space, and a byte-order mark). Inner characters are
// left alone. Pure, [thread-safe], never allocates; the result views `text`.
std::string_view trim_whitespace(std::string_view text) noexcept;

// Why `name` (valid UTF-8, as the JSON reader guarantees) cannot be a display name, or an empty
// string when it can. Refused: C0 and C1 control characters (a name is one line of plain text),
// DEL, and the bidirectional embedding, override and isolate characters (U+202A..U+202E,
// U+2066..U+2069), which reorder what a reader sees ("invoice\u202Etxt.pdf"). Pure, [thread-safe].
std::string display_name_problem(std::string_view name);

} // namespace plinth::licenses
