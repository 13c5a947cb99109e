#include "content.hpp"

#include <plinth/sdk/encoding.hpp>
#include <plinth/sdk/error.hpp>

#include <sodium.h>

#include <optional>
#include <string>

namespace plinth::tickets {

void ensure_sodium() {
    static const int status = sodium_init(); // thread-safe static initialisation; idempotent anyway
    if (status < 0) throw sdk::Error(PLINTH_E_INTERNAL, "libsodium could not be initialised");
}

std::vector<uint8_t> decode_base64(std::string_view field, std::string_view text, size_t max_bytes) {
    std::string name(field);
    if (text.empty()) throw sdk::invalid_argument(name + " must not be empty");
    // 4 characters carry 3 bytes; refuse before allocating when the text cannot fit the limit.
    size_t longest = (max_bytes + 2) / 3 * 4;
    if (text.size() > longest)
        throw sdk::limit_exceeded(name + " decodes to more than the limit of " + std::to_string(max_bytes) + " bytes");
    std::optional<std::vector<uint8_t>> out = sdk::encoding::from_base64(text);
    if (!out) throw sdk::invalid_argument(name + " is not valid base64 (standard alphabet, '=' padding, no spaces)");
    if (out->size() > max_bytes)
        throw sdk::limit_exceeded(name + " decodes to " + std::to_string(out->size()) + " bytes; the limit is " +
                                  std::to_string(max_bytes));
    return std::move(*out);
}

Sha256 sha256(std::span<const uint8_t> bytes) {
    ensure_sodium();
    Sha256 digest{};
    crypto_hash_sha256(digest.data(), bytes.data(), bytes.size());
    return digest;
}

void wipe(std::string &secret) {
    if (!secret.empty()) sodium_memzero(secret.data(), secret.size());
    secret.clear();
}

} // namespace plinth::tickets
