#include "identifiers.hpp"

#include <plinth/sdk/error.hpp>

#include <optional>

namespace plinth::privacy {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Decodes one UTF-8 sequence at `i` (advancing it); nullopt for anything malformed, overlong,
// surrogate or beyond U+10FFFF.
std::optional<char32_t> next_code_point(std::string_view s, size_t &i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    size_t length = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xe ? 3 : (b0 >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || i + length > s.size()) return std::nullopt;
    char32_t cp = length == 1 ? b0 : length == 2 ? (b0 & 0x1f) : length == 3 ? (b0 & 0x0f) : (b0 & 0x07);
    for (size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (byte(i + k) & 0x3f);
    }
    static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinimum[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    i += length;
    return cp;
}

bool is_bidi_control(char32_t cp) {
    return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

} // namespace

std::string checked_email(std::string_view email, std::string_view argument) {
    std::string_view s = trim(email);
    const std::string name(argument);
    if (s.empty()) throw sdk::invalid_argument("argument '" + name + "' must not be empty");
    if (s.size() > kMaxEmailBytes)
        throw sdk::invalid_argument("argument '" + name + "' is longer than " + std::to_string(kMaxEmailBytes) +
                                    " bytes");
    size_t at = s.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == s.size() || s.find('@', at + 1) != std::string_view::npos)
        throw sdk::invalid_argument("argument '" + name + "' is not an email address");
    for (unsigned char c : s)
        if (is_control(c) || c == ' ')
            throw sdk::invalid_argument("argument '" + name + "' is not an email address");
    return std::string(s);
}

std::string normalised_email(std::string_view email) {
    std::string s(trim(email));
    for (char &c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::string checked_purpose(std::string_view purpose) {
    auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    auto ok_rest = [&](char c) { return ok_first(c) || c == '.' || c == '_' || c == '-'; };
    bool valid = !purpose.empty() && purpose.size() <= kMaxPurposeBytes && ok_first(purpose.front());
    for (size_t i = 1; valid && i < purpose.size(); ++i) valid = ok_rest(purpose[i]);
    if (!valid)
        throw sdk::invalid_argument("argument 'purpose' must be a slug of lower-case letters, digits, '.', '_' "
                                    "or '-' (at most 64 bytes), e.g. \"gravatar\"");
    return std::string(purpose);
}

std::string checked_label(std::string_view value, std::string_view argument, size_t max_bytes) {
    const std::string name(argument);
    if (value.empty()) throw sdk::invalid_argument("argument '" + name + "' must not be empty");
    if (value.size() > max_bytes)
        throw sdk::invalid_argument("argument '" + name + "' is longer than " + std::to_string(max_bytes) + " bytes");
    for (size_t i = 0; i < value.size();) {
        auto cp = next_code_point(value, i);
        if (!cp) throw sdk::invalid_argument("argument '" + name + "' is not valid UTF-8");
        if (*cp < 0x20 || (*cp >= 0x7f && *cp <= 0x9f))
            throw sdk::invalid_argument("argument '" + name + "' contains control characters");
        if (is_bidi_control(*cp))
            throw sdk::invalid_argument("argument '" + name +
                                        "' contains bidirectional formatting characters (U+202E and the like)");
    }
    return std::string(value);
}

} // namespace plinth::privacy
