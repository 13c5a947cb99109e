// privacy/domain/text.hpp — escaping for the documents people read (HTML, Markdown).
#pragma once

#include <plinth/sdk/display.hpp>

#include <string>
#include <string_view>

namespace plinth::privacy {

// Escapes &, <, >, " and ' so `text` is inert in element content and in quoted attributes: the
// SDK's one escaping function, which every HTML page of Plinth uses.
using sdk::html_escape;

// One Markdown table cell: pipes escaped, line breaks flattened, and HTML-significant characters
// turned into entities so a renderer cannot be made to emit markup from module-provided text.
std::string markdown_cell(std::string_view text);

} // namespace plinth::privacy
