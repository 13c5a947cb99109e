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

} // namespace plinth::licenses
