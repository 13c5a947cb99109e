#include "identifiers.hpp"

#include <plinth/sdk/error.hpp>
#include <plinth/sdk/text.hpp>

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
    sdk::text::check_name("argument '" + name + "'", value);
    return std::string(value);
}

} // namespace plinth::privacy
