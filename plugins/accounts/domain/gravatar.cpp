#include "gravatar.hpp"

#include "identity.hpp"

#include <sodium.h>

namespace plinth::accounts {

std::string gravatar_url(std::string_view email) {
    std::string normalized = normalize_login(email);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(normalized.data()), normalized.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return std::string(kGravatarBase) + hex;
}

} // namespace plinth::accounts
