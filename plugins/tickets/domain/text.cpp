#include "text.hpp"

#include <plinth/sdk/error.hpp>

#include <string>

namespace plinth::tickets {
namespace {

// Decodes one code point at `i`; returns 0 length on malformed input.
size_t decode(std::string_view s, size_t i, uint32_t &cp) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

void check(std::string_view field, std::string_view value, size_t max_bytes, bool multiline) {
    std::string name(field);
    if (value.size() > max_bytes)
        throw sdk::invalid_argument(name + " is longer than " + std::to_string(max_bytes) + " bytes");
    bool blank = true;
    for (size_t i = 0; i < value.size();) {
        uint32_t cp = 0;
        size_t n = decode(value, i, cp);
        if (n == 0) throw sdk::invalid_argument(name + " is not valid UTF-8");
        bool allowed_space = multiline && (cp == '\t' || cp == '\n' || cp == '\r');
        if ((cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) && !allowed_space)
            throw sdk::invalid_argument(name + " contains a control character");
        if (cp != ' ' && cp != '\t' && cp != '\n' && cp != '\r') blank = false;
        i += n;
    }
    if (blank) throw sdk::invalid_argument(name + " must not be empty");
}

} // namespace

void check_line(std::string_view field, std::string_view value, size_t max_bytes) {
    check(field, value, max_bytes, false);
}

void check_text(std::string_view field, std::string_view value, size_t max_bytes) {
    check(field, value, max_bytes, true);
}

bool valid_utf8(std::string_view value) {
    for (size_t i = 0; i < value.size();) {
        uint32_t cp = 0;
        size_t n = decode(value, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

} // namespace plinth::tickets
