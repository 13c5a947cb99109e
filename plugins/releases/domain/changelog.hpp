// releases/domain/changelog.hpp — Markdown changelogs rendered to HTML that is safe to show.
//
// Changelogs are written by staff but shown inside every customer's WordPress admin (the
// "View details" dialog), so the renderer treats its input as untrusted: every character of the
// source is escaped, and only the markup below is produced by the renderer itself. Raw HTML in
// the source comes out as visible text. Links keep only http, https and mailto targets.
//
// The subset: ATX headings (# to ######), paragraphs (lines joined; a blank line ends one),
// "-", "*" or "+" bullet lists, "1." numbered lists, fenced code blocks (```), and inline
// `code`, **strong**, *emphasis* / _emphasis_ and [text](url).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace plinth::releases {

inline constexpr size_t kMaxChangelogBytes = 64 * 1024;

// Renders `markdown` (UTF-8, at most kMaxChangelogBytes; longer input is cut there) to HTML.
std::string render_markdown(std::string_view markdown);

} // namespace plinth::releases
