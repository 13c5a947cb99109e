#include "domain/text.hpp"

#include <cstdint>

namespace plinth::licenses {

namespace {

bool is_ascii_space(unsigned char b) noexcept { return b == ' ' || (b >= 0x09 && b <= 0x0d); }

// The length of the Unicode whitespace (or BOM) sequence that `s` starts with, or 0.
size_t leading_unicode_space(std::string_view s) noexcept {
    auto at = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
    if (s.size() >= 2 && at(0) == 0xC2 && (at(1) == 0xA0 || at(1) == 0x85)) return 2; // NBSP, NEL
    if (s.size() < 3) return 0;
    if (at(0) == 0xE1 && at(1) == 0x9A && at(2) == 0x80) return 3;                    // U+1680
    if (at(0) == 0xE2 && at(1) == 0x80 && (at(2) <= 0x8A || at(2) == 0xA8 || at(2) == 0xA9 || at(2) == 0xAF))
        return 3;                                                                      // U+2000..200A, 2028, 2029, 202F
    if (at(0) == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) return 3;                    // U+205F
    if (at(0) == 0xE3 && at(1) == 0x80 && at(2) == 0x80) return 3;                    // U+3000
    if (at(0) == 0xEF && at(1) == 0xBB && at(2) == 0xBF) return 3;                    // BOM
    return 0;
}

// The same, for a sequence that `s` ends with.
size_t trailing_unicode_space(std::string_view s) noexcept {
    for (size_t n : {size_t{2}, size_t{3}})
        if (s.size() >= n && leading_unicode_space(s.substr(s.size() - n)) == n) return n;
    return 0;
}

} // namespace

std::string_view trim_whitespace(std::string_view s) noexcept {
    for (;;) {
        if (!s.empty() && is_ascii_space(static_cast<unsigned char>(s.front()))) {
            s.remove_prefix(1);
        } else if (size_t n = leading_unicode_space(s)) {
            s.remove_prefix(n);
        } else {
            break;
        }
    }
    for (;;) {
        if (!s.empty() && is_ascii_space(static_cast<unsigned char>(s.back()))) {
            s.remove_suffix(1);
        } else if (size_t n = trailing_unicode_space(s)) {
            s.remove_suffix(n);
        } else {
            break;
        }
    }
    return s;
}

} // namespace plinth::licenses
