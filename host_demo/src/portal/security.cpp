#include "security.hpp"

#include <sodium.h>

namespace plinth::portal {

namespace {

bool token_character(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
}

std::string base64url(const uint8_t *bytes, size_t size) {
    std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), bytes, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(std::char_traits<char>::length(out.c_str()));
    return out;
}

} // namespace

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        size_t semi = header.find(';');
        std::string_view pair = header.substr(0, semi);
        header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
        size_t eq = pair.find('=');
        if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
        std::string_view value = pair.substr(eq + 1);
        if (value.empty() || value.size() > 512) return std::nullopt;
        for (char c : value)
            if (!token_character(c)) return std::nullopt;
        return std::string(value);
    }
    return std::nullopt;
}

std::string set_cookie(std::string_view name, std::string_view value, const CookieOptions &options) {
    std::string out = std::string(name) + "=" + std::string(value) + "; Path=/account/; HttpOnly; SameSite=Strict";
    if (options.secure) out += "; Secure";
    if (options.max_age_s >= 0) out += "; Max-Age=" + std::to_string(options.max_age_s);
    return out;
}

std::string random_token() {
    uint8_t bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    return base64url(bytes, sizeof bytes);
}

std::string CsrfGuard::token_for(std::string_view binding) const {
    static constexpr char kDomain[] = "plinth-portal-csrf"; // the NUL ends the label
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key_.data(), key_.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char *>(kDomain), sizeof kDomain);
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char *>(binding.data()), binding.size());
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&state, mac);
    return base64url(mac, sizeof mac);
}

bool CsrfGuard::verify(std::string_view binding, std::string_view token) const {
    if (binding.empty()) return false;
    std::string expected = token_for(binding);
    if (token.size() != expected.size()) return false;
    return sodium_memcmp(expected.data(), token.data(), expected.size()) == 0;
}

bool same_origin(std::string_view origin, std::string_view host) {
    if (origin.empty()) return true;
    if (host.empty()) return false;
    return origin == "http://" + std::string(host) || origin == "https://" + std::string(host);
}

} // namespace plinth::portal
