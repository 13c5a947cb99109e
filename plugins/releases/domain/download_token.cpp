#include "download_token.hpp"

#include "semver.hpp"

#include <plinth/sdk/encoding.hpp>

#include <sodium.h>

namespace plinth::releases {

namespace {

// Fields are separated by '\n', which none of them may contain (checked by verify and by the
// service before signing), so two different grants never share a message.
std::string message(const DownloadGrant &g) {
    std::string m = "plinth-download/1\n";
    m += g.product;
    m += '\n';
    m += g.version;
    m += '\n';
    m += g.site_digest;
    m += '\n';
    m += std::to_string(g.expires_at);
    return m;
}

bool no_newline(std::string_view s) { return s.find('\n') == std::string_view::npos; }

} // namespace

std::string base64url(const uint8_t *bytes, size_t size) {
    return sdk::encoding::to_base64(std::span<const uint8_t>(bytes, size), sdk::encoding::Base64::url);
}

bool from_base64url(std::string_view text, std::string &bytes) {
    // The SDK's decoder refuses non-canonical spellings (unused low bits set), so one token has
    // one text.
    auto decoded = sdk::encoding::from_base64(text, sdk::encoding::Base64::url);
    if (!decoded) return false;
    bytes.assign(decoded->begin(), decoded->end());
    return true;
}

std::string site_digest(std::string_view canonical_site) {
    std::string input = "plinth-download-site/1\n";
    input.append(canonical_site);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(input.data()), input.size());
    return base64url(digest, 16);
}

std::string sign_download(const DownloadGrant &grant, const DownloadKey &key) {
    std::string m = message(grant);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char *>(m.data()), m.size(), key.data());
    return base64url(mac, sizeof mac);
}

GrantCheck verify_download(const DownloadGrant &grant, std::string_view signature, const DownloadKey &key,
                           int64_t now_s) {
    std::string mac;
    if (grant.product.empty() || grant.product.size() > 64 || !no_newline(grant.product) ||
        !parse_semver(grant.version) || grant.site_digest.size() != 22 || !no_newline(grant.site_digest) ||
        grant.expires_at <= 0 || !from_base64url(signature, mac) || mac.size() != crypto_auth_hmacsha256_BYTES)
        return GrantCheck::malformed;
    std::string m = message(grant);
    if (crypto_auth_hmacsha256_verify(reinterpret_cast<const unsigned char *>(mac.data()),
                                      reinterpret_cast<const unsigned char *>(m.data()), m.size(), key.data()) != 0)
        return GrantCheck::bad_signature;
    if (now_s > grant.expires_at) return GrantCheck::expired;
    return GrantCheck::ok;
}

std::string_view grant_check_name(GrantCheck check) {
    switch (check) {
    case GrantCheck::ok: return "ok";
    case GrantCheck::malformed: return "malformed";
    case GrantCheck::bad_signature: return "bad_signature";
    case GrantCheck::expired: return "expired";
    }
    return "malformed";
}

} // namespace plinth::releases
