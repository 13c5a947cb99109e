// The portal's browser-facing security: cookies and CSRF tokens.
//
// Session cookie: the accounts module's session token as it came from `login` (the module keeps
// only its hash), `HttpOnly; SameSite=Strict; Path=/account/`, `Secure` when the request came over
// TLS. Form cookie: a random value for visitors who are not signed in, so that the sign-in and
// registration forms carry a CSRF token too.
//
// CSRF: a synchronizer token derived, not stored: HMAC-SHA-256(key, "plinth-portal-csrf\0" ‖
// binding), where the binding is the session token when signed in, else the form cookie. A token
// is good only for the browser that holds that cookie, and is compared in constant time. The key
// is a host secret (<state>/secrets/portal/csrf.key), so every host process behind one load
// balancer agrees.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plinth::portal {

inline constexpr std::string_view kSessionCookie = "plinth_session";
inline constexpr std::string_view kFormCookie = "plinth_form";
inline constexpr std::string_view kCsrfField = "csrf_token";

// The value of cookie `name` in a Cookie header ("a=1; b=2"); nullopt when absent or empty.
// Only characters a token can hold are accepted ([A-Za-z0-9_-.]), so a forged cookie cannot carry
// anything else to the session check.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

struct CookieOptions {
    bool secure = false;      // add Secure (the request came over TLS)
    int64_t max_age_s = -1;   // -1: a browser-session cookie; 0: delete it now
};
// A Set-Cookie value: `name=value; Path=/account/; HttpOnly; SameSite=Strict[; Secure][; Max-Age=n]`.
std::string set_cookie(std::string_view name, std::string_view value, const CookieOptions &options);

// A new random form-cookie value (32 bytes, base64url without padding).
std::string random_token();

class CsrfGuard {
public:
    explicit CsrfGuard(const std::array<uint8_t, 32> &key) : key_(key) {}
    // The token for forms of the browser bound by `binding` (session token or form cookie).
    std::string token_for(std::string_view binding) const;
    // True when `token` is the token for `binding` (constant time); false for an empty binding.
    bool verify(std::string_view binding, std::string_view token) const;

private:
    std::array<uint8_t, 32> key_;
};

// True when a request's Origin header (when the browser sent one) names the host the request was
// addressed to ("http://<Host>" or "https://<Host>"): a cross-site form post is refused even before
// its token is looked at. An absent Origin passes (older browsers, same-origin navigations).
bool same_origin(std::string_view origin_header, std::string_view host_header);

} // namespace plinth::portal
