// releases/domain/download_token.hpp — signed, expiring download URLs.
//
// update.check hands a site a URL that lets it fetch one package until a deadline. The URL
// carries the product, the version, a digest of the canonical site, the expiry and an
// HMAC-SHA-256 over all four under a key from the host's secrets. The download route recomputes
// the MAC and compares in constant time, so changing any field (another version, a later expiry)
// is refused; the expiry is checked only after the MAC, so a tampered expiry is reported as
// tampering rather than as expiry.
//
// Rationale: HMAC rather than Ed25519 because only Plinth itself verifies these URLs; a
// symmetric MAC is shorter in the URL and cheaper. The site enters as a digest, not as text, so
// the site's address does not appear in proxy and access logs that record URLs; the binding is
// the same (a URL issued for one site cannot be re-signed for another), and staff who hold a
// leaked URL can still tell which site it was issued to by digesting candidates.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace plinth::releases {

inline constexpr size_t kDownloadKeyBytes = 32;
using DownloadKey = std::array<uint8_t, kDownloadKeyBytes>;

struct DownloadGrant {
    std::string product;
    std::string version;     // canonical SemVer text
    std::string site_digest; // site_digest(canonical site)
    int64_t expires_at = 0;  // Unix seconds, inclusive
};

// 22 characters of unpadded base64url: the first 16 bytes of SHA-256 over the canonical site.
std::string site_digest(std::string_view canonical_site);

// The signature of `grant`: 43 characters of unpadded base64url (HMAC-SHA-256).
std::string sign_download(const DownloadGrant &grant, const DownloadKey &key);

enum class GrantCheck { ok, malformed, bad_signature, expired };

// Verifies a grant as it arrived in a URL. `signature` is the text from the URL. Checks shape
// first (malformed), then the MAC in constant time (bad_signature), then the expiry against
// `now_s` (expired: now_s > expires_at).
GrantCheck verify_download(const DownloadGrant &grant, std::string_view signature, const DownloadKey &key,
                           int64_t now_s);

std::string_view grant_check_name(GrantCheck check);

// Unpadded base64url (RFC 4648 §5) and its strict inverse (false on any other character,
// padding or a non-canonical final character).
std::string base64url(const uint8_t *bytes, size_t size);
bool from_base64url(std::string_view text, std::string &bytes);

} // namespace plinth::releases
