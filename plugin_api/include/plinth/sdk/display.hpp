// plinth/sdk/display.hpp — making text from the other side of the ABI safe to show.
//
// Text a module hands the host (error messages, names, descriptions, log lines) and text a
// caller hands a module (command names, argument keys) is untrusted: it may be longer than the
// buffer that carries it, not UTF-8, or full of terminal escapes and newlines that forge log
// lines. These functions are the one place that makes such text safe:
//
//   repair_utf8(text, max)   UTF-8 with every invalid sequence replaced by U+FFFD, cut to at most
//                           `max` bytes on a character boundary. Enough for JSON output (the
//                           serializer escapes control characters itself).
//   printable(text, max)    repair_utf8, then every control character (C0, DEL, C1) and every
//                           bidirectional override written as a visible escape (\n, \x1b,
//                           \u202e): one line that shows exactly what was sent. For logs,
//                           terminals and names echoed in messages.
//   bounded(chars, cap)     the length of a C string that must end within `cap` bytes (strnlen):
//                           never reads past a fixed buffer a module filled completely.
//   html_escape(text)       text for HTML element content and quoted attribute values: & < > " '
//                           written as character references. The one escaping every page, export
//                           index and rendered changelog uses.
//
// This header repairs text for showing it; plinth/sdk/text.hpp decides which characters a module
// accepts in what callers send (names, free text) and refuses the rest. It includes nothing of
// Plinth's, so error.hpp can use it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace plinth::sdk {

namespace detail {

// What a lead byte promises (Unicode 15, table 3-7): the sequence length and the range its
// second byte must fall in, which excludes overlongs, surrogates and code points past U+10FFFF.
struct Utf8Lead {
    size_t length = 0; // 0: not a lead byte
    unsigned char low = 0x80, high = 0xBF;
};

inline Utf8Lead utf8_lead(unsigned char b0) noexcept {
    if (b0 < 0x80) return {1};
    if (b0 >= 0xC2 && b0 <= 0xDF) return {2};
    if (b0 == 0xE0) return {3, 0xA0, 0xBF};
    if (b0 >= 0xE1 && b0 <= 0xEC) return {3};
    if (b0 == 0xED) return {3, 0x80, 0x9F};
    if (b0 >= 0xEE && b0 <= 0xEF) return {3};
    if (b0 == 0xF0) return {4, 0x90, 0xBF};
    if (b0 >= 0xF1 && b0 <= 0xF3) return {4};
    if (b0 == 0xF4) return {4, 0x80, 0x8F};
    return {};
}

// How many bytes at the start of `s` (non-empty) match the sequence their lead byte promises.
inline size_t utf8_matching(std::string_view s, const Utf8Lead &lead) noexcept {
    size_t i = 1;
    while (i < lead.length && i < s.size()) {
        auto b = static_cast<unsigned char>(s[i]);
        bool ok = i == 1 ? (b >= lead.low && b <= lead.high) : (b >= 0x80 && b <= 0xBF);
        if (!ok) break;
        ++i;
    }
    return i;
}

// Length of the well-formed UTF-8 sequence at the start of `s` (non-empty), or 0.
inline size_t utf8_sequence_length(std::string_view s) noexcept {
    Utf8Lead lead = utf8_lead(static_cast<unsigned char>(s[0]));
    if (lead.length == 0) return 0;
    return utf8_matching(s, lead) == lead.length ? lead.length : 0;
}

// How many bytes of an ill-formed sequence one U+FFFD replaces: the longest start of a
// well-formed sequence (the "maximal subpart" of Unicode's U+FFFD substitution practice).
inline size_t utf8_invalid_span(std::string_view s) noexcept {
    Utf8Lead lead = utf8_lead(static_cast<unsigned char>(s[0]));
    return lead.length == 0 ? 1 : utf8_matching(s, lead);
}

inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD"; // U+FFFD

inline uint32_t decode(std::string_view s, size_t n) noexcept {
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i])); };
    switch (n) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    }
}

// Characters that must never reach a log or a terminal as they are: C0 controls, DEL, C1
// controls, and the bidirectional embeddings, overrides and isolates that reorder what follows.
inline bool needs_escape(uint32_t c) noexcept {
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C;
}

inline void append_escape(std::string &out, uint32_t c) {
    static const char hex[] = "0123456789abcdef";
    switch (c) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
    }
    if (c < 0x100) {
        out += "\\x";
        out += hex[c >> 4];
        out += hex[c & 0xF];
    } else {
        out += "\\u";
        for (int shift = 12; shift >= 0; shift -= 4) out += hex[(c >> shift) & 0xF];
    }
}

} // namespace detail

// The length of the NUL-terminated text in `chars`, looking at no more than `capacity` bytes.
inline size_t bounded(const char *chars, size_t capacity) noexcept {
    if (chars == nullptr) return 0;
    const void *nul = std::memchr(chars, '\0', capacity);
    return nul ? static_cast<size_t>(static_cast<const char *>(nul) - chars) : capacity;
}

// `text` as valid UTF-8 of at most `max_bytes` bytes: invalid sequences become U+FFFD, and a cut
// falls between characters, never inside one.
inline std::string repair_utf8(std::string_view text, size_t max_bytes = 4096) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes));
    size_t i = 0;
    while (i < text.size()) {
        size_t n = detail::utf8_sequence_length(text.substr(i));
        std::string_view piece = n ? text.substr(i, n) : detail::kReplacement;
        size_t consumed = n ? n : detail::utf8_invalid_span(text.substr(i));
        if (out.size() + piece.size() > max_bytes) break;
        out += piece;
        i += consumed;
    }
    return out;
}

// `text` as one printable line: repair_utf8, then control characters and bidirectional
// overrides written as escapes. At most `max_bytes` bytes of input are shown.
inline std::string printable(std::string_view text, size_t max_bytes = 4096, bool keep_newlines = false) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes) + 8);
    size_t i = 0, shown = 0;
    while (i < text.size() && shown < max_bytes) {
        size_t n = detail::utf8_sequence_length(text.substr(i));
        if (n == 0) {
            out += detail::kReplacement;
            size_t span = detail::utf8_invalid_span(text.substr(i));
            i += span;
            shown += span;
            continue;
        }
        uint32_t c = detail::decode(text.substr(i), n);
        if (keep_newlines && (c == '\n' || c == '\t')) out += static_cast<char>(c);
        else if (detail::needs_escape(c)) detail::append_escape(out, c);
        else out.append(text.data() + i, n);
        i += n;
        shown += n;
    }
    if (i < text.size()) out += "...";
    return out;
}


// Appends `text` with the five characters that end HTML text or a quoted attribute (& < > " ')
// written as character references. Other bytes pass unchanged: the caller's encoding (UTF-8)
// stays intact, and nothing else can open markup.
inline void append_html_escaped(std::string &out, std::string_view text) {
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
}

inline std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    append_html_escaped(out, text);
    return out;
}

} // namespace plinth::sdk
