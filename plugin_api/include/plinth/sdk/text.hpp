// plinth/sdk/text.hpp — the characters a module accepts in text that people will read.
//
// Text that arrives through a command is valid UTF-8 (the JSON reader refuses anything else), but
// valid UTF-8 can still lie to the person who reads it:
//   - control characters (C0, DEL, C1) break log lines, terminals, CSV files and invoices;
//   - U+2028/U+2029 split a "single line" as surely as '\n' does;
//   - bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069) make a
//     value display as something it is not: "invoice<U+202E>txt.pdf" shows as "invoicefdp.txt".
//
// Two policies, one for each kind of field:
//   - a *name* (person and product names, subjects, file names, user names, versions, anything
//     shown on one line and used to recognise something) refuses all three;
//   - *free text* (descriptions, replies, notes) keeps tab, LF and CR and refuses other control
//     characters. Bidirectional formatting stays allowed there: right-to-left prose legitimately
//     uses it, and a renderer shows free text as a block of its own rather than as a label.
// The implicit marks (U+200E LRM, U+200F RLM, U+061C ALM) are allowed everywhere: they cannot
// reorder strong characters, and names written in right-to-left scripts need them.
//
// Length, emptiness and the field's own grammar remain the caller's rules. Every check throws
// sdk::invalid_argument (PLINTH_E_INVALID_ARGUMENT) whose message names the field and the first
// offending character as U+XXXX with its byte offset; the message never echoes the value itself.
#pragma once

#include <plinth/sdk/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace plinth::sdk::text {

// Decodes the code point that starts at byte `i` of `s` and advances `i` past it. Returns -1
// (leaving `i` unchanged) for a malformed, truncated, overlong or surrogate sequence or a value
// above U+10FFFF. REQUIRES: i < s.size().
inline int32_t next_code_point(std::string_view s, size_t &i) noexcept {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char lead = byte(i);
    if (lead < 0x80) {
        ++i;
        return lead;
    }
    size_t follow = 0;
    int32_t cp = 0;
    int32_t min = 0;
    if ((lead & 0xE0) == 0xC0) { follow = 1; cp = lead & 0x1F; min = 0x80; }
    else if ((lead & 0xF0) == 0xE0) { follow = 2; cp = lead & 0x0F; min = 0x800; }
    else if ((lead & 0xF8) == 0xF0) { follow = 3; cp = lead & 0x07; min = 0x10000; }
    else return -1;
    if (s.size() - i <= follow) return -1;
    for (size_t k = 1; k <= follow; ++k) {
        unsigned char b = byte(i + k);
        if ((b & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    i += follow + 1;
    return cp;
}

// True when `s` is well-formed UTF-8.
inline bool valid_utf8(std::string_view s) noexcept {
    for (size_t i = 0; i < s.size();)
        if (next_code_point(s, i) < 0) return false;
    return true;
}

// C0 (U+0000..U+001F), DEL and C1 (U+0080..U+009F, which includes NEL U+0085).
constexpr bool is_control(int32_t cp) noexcept { return (cp >= 0 && cp < 0x20) || (cp >= 0x7F && cp <= 0x9F); }

// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR.
constexpr bool is_line_separator(int32_t cp) noexcept { return cp == 0x2028 || cp == 0x2029; }

// The explicit bidirectional formatting characters: LRE, RLE, PDF, LRO, RLO (U+202A..U+202E) and
// LRI, RLI, FSI, PDI (U+2066..U+2069).
constexpr bool is_bidi_control(int32_t cp) noexcept {
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// What is wrong with `value` as a name, or nullopt when nothing is: "must be valid UTF-8",
// "must not contain control characters (U+001B at byte 4)", ... Phrased to follow a field name.
inline std::optional<std::string> name_problem(std::string_view value) {
    auto where = [](int32_t cp, size_t at) {
        char buf[48];
        std::snprintf(buf, sizeof buf, " (U+%04X at byte %zu)", static_cast<unsigned>(cp), at);
        return std::string(buf);
    };
    for (size_t i = 0; i < value.size();) {
        size_t at = i;
        int32_t cp = next_code_point(value, i);
        if (cp < 0) return "must be valid UTF-8 (bad byte at " + std::to_string(at) + ")";
        if (is_control(cp)) return "must not contain control characters" + where(cp, at);
        if (is_line_separator(cp)) return "must not contain line or paragraph separators" + where(cp, at);
        if (is_bidi_control(cp))
            return "must not contain bidirectional override, embedding or isolate characters" + where(cp, at) +
                   ": they make a name display as something it is not";
    }
    return std::nullopt;
}

// What is wrong with `value` as free text (tab, LF and CR allowed), or nullopt.
inline std::optional<std::string> free_text_problem(std::string_view value) {
    for (size_t i = 0; i < value.size();) {
        size_t at = i;
        int32_t cp = next_code_point(value, i);
        if (cp < 0) return "must be valid UTF-8 (bad byte at " + std::to_string(at) + ")";
        if (is_control(cp) && cp != '\t' && cp != '\n' && cp != '\r') {
            char buf[128];
            std::snprintf(buf, sizeof buf, "must not contain control characters other than tab and line breaks"
                                           " (U+%04X at byte %zu)", static_cast<unsigned>(cp), at);
            return std::string(buf);
        }
    }
    return std::nullopt;
}

// Throws invalid_argument "<field> <problem>" when `value` is not acceptable as a name.
inline void check_name(std::string_view field, std::string_view value) {
    if (auto problem = name_problem(value)) throw invalid_argument(std::string(field) + " " + *problem);
}

// Throws invalid_argument "<field> <problem>" when `value` is not acceptable as free text.
inline void check_free_text(std::string_view field, std::string_view value) {
    if (auto problem = free_text_problem(value)) throw invalid_argument(std::string(field) + " " + *problem);
}

} // namespace plinth::sdk::text
