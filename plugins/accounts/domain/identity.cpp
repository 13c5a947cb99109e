#include "identity.hpp"

#include <plinth/sdk/error.hpp>
#include <plinth/sdk/text.hpp>

#include <algorithm>

namespace plinth::accounts {

namespace {

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim_ascii(std::string_view s) {
    while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
    return s;
}

char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return lower_ascii(c); });
    return out;
}

bool is_alnum_ascii(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// RFC 5322 atext: the characters allowed in a dot-atom besides '.'.
bool is_atext(char c) {
    if (is_alnum_ascii(c)) return true;
    static constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    return specials.find(c) != std::string_view::npos;
}

} // namespace

bool is_valid_utf8(std::string_view s) { return sdk::text::valid_utf8(s); }

size_t utf8_length(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

Email parse_email(std::string_view raw) {
    std::string_view email = trim_ascii(raw);
    if (email.empty()) throw sdk::invalid_argument("email must not be empty");
    if (email.size() > kEmailMaxBytes)
        throw sdk::invalid_argument("email must be at most " + std::to_string(kEmailMaxBytes) + " characters");
    for (char c : email)
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E)
            throw sdk::invalid_argument(
                "email must contain only printable ASCII characters without spaces (write an "
                "internationalised domain in its xn-- form)");
    size_t at = email.rfind('@');
    if (at == std::string_view::npos || email.find('@') != at)
        throw sdk::invalid_argument("email must contain exactly one '@'");
    std::string_view local = email.substr(0, at);
    std::string_view domain = email.substr(at + 1);

    if (local.empty() || local.size() > kEmailLocalMaxBytes)
        throw sdk::invalid_argument("the part of the email before '@' must be 1 to 64 characters");
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
        throw sdk::invalid_argument("the part of the email before '@' must not start or end with '.' or contain '..'");
    for (char c : local)
        if (c != '.' && !is_atext(c))
            throw sdk::invalid_argument(std::string("the part of the email before '@' must not contain '") + c + "'");

    if (domain.empty()) throw sdk::invalid_argument("email needs a domain after '@'");
    size_t labels = 0;
    std::string_view rest = domain;
    std::string_view last;
    for (;;) {
        size_t dot = rest.find('.');
        std::string_view label = rest.substr(0, dot);
        if (label.empty() || label.size() > 63)
            throw sdk::invalid_argument("each part of the email's domain must be 1 to 63 characters");
        if (label.front() == '-' || label.back() == '-')
            throw sdk::invalid_argument("a part of the email's domain must not start or end with '-'");
        for (char c : label)
            if (!is_alnum_ascii(c) && c != '-')
                throw sdk::invalid_argument("the email's domain may contain only letters, digits, '-' and '.'");
        ++labels;
        last = label;
        if (dot == std::string_view::npos) break;
        rest = rest.substr(dot + 1);
    }
    if (labels < 2) throw sdk::invalid_argument("the email's domain must have at least two parts (example.com)");
    if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw sdk::invalid_argument("the email's domain must end in a name, not a number");

    return Email{std::string(email), lower_ascii(email)};
}

std::string normalize_login(std::string_view raw) { return lower_ascii(trim_ascii(raw)); }

std::string parse_username(std::string_view raw) {
    static const std::string rule = "username must be 3 to 32 characters from A-Z, a-z, 0-9, '.', '_' and '-', "
                                    "starting with a letter or digit";
    if (raw.size() < kUsernameMinChars || raw.size() > kUsernameMaxChars) throw sdk::invalid_argument(rule);
    if (!is_alnum_ascii(raw.front())) throw sdk::invalid_argument(rule);
    for (char c : raw)
        if (!is_alnum_ascii(c) && c != '.' && c != '_' && c != '-') throw sdk::invalid_argument(rule);
    return std::string(raw);
}

std::string normalize_username(std::string_view username) { return lower_ascii(username); }

std::string parse_name(std::string_view raw, std::string_view field) {
    const std::string f(field);
    // Control characters, U+2028/2029 (which split lines in invoices and CSV exports) and
    // bidirectional overrides (which make a name display as another) are refused.
    sdk::text::check_name(f, raw);
    bool visible = false;
    for (size_t i = 0; i < raw.size();) { // valid UTF-8: check_name said so
        int32_t cp = sdk::text::next_code_point(raw, i);
        if (cp < 0) break;
        if (cp != ' ' && cp != 0xA0 && cp != 0x3000) visible = true;
    }
    if (!visible) throw sdk::invalid_argument(f + " must not be empty or only spaces");
    if (utf8_length(raw) > kNameMaxChars || raw.size() > kNameMaxBytes)
        throw sdk::invalid_argument(f + " must be at most " + std::to_string(kNameMaxChars) + " characters");
    return std::string(raw);
}

void check_password_policy(std::string_view password, size_t min_chars, std::string_view field) {
    const std::string f(field);
    const std::string limits =
        f + " must be " + std::to_string(min_chars) + " to " + std::to_string(kPasswordMaxChars) + " characters";
    if (!is_valid_utf8(password)) throw sdk::invalid_argument(f + " must be valid UTF-8");
    if (password.find('\0') != std::string_view::npos)
        throw sdk::invalid_argument(f + " must not contain NUL characters");
    size_t chars = utf8_length(password);
    if (chars < min_chars || chars > kPasswordMaxChars || password.size() > kPasswordMaxBytes)
        throw sdk::invalid_argument(limits + " (at most " + std::to_string(kPasswordMaxBytes) + " bytes)");
}

void check_login_password(std::string_view password) {
    if (password.empty()) throw sdk::invalid_argument("password must not be empty");
    if (password.size() > kPasswordMaxBytes)
        throw sdk::invalid_argument("password must be at most " + std::to_string(kPasswordMaxBytes) + " bytes");
    if (!is_valid_utf8(password)) throw sdk::invalid_argument("password must be valid UTF-8");
    if (password.find('\0') != std::string_view::npos)
        throw sdk::invalid_argument("password must not contain NUL characters");
}

std::string_view role_name(Role role) {
    switch (role) {
    case Role::customer: return "customer";
    case Role::staff: return "staff";
    case Role::admin: return "admin";
    }
    return "customer";
}

Role parse_role(std::string_view name) {
    if (name == "customer") return Role::customer;
    if (name == "staff") return Role::staff;
    if (name == "admin") return Role::admin;
    throw sdk::invalid_argument("role must be one of customer, staff, admin");
}

std::optional<Role> role_from_int(int64_t value) {
    if (value < 0 || value > 2) return std::nullopt;
    return static_cast<Role>(value);
}

} // namespace plinth::accounts
