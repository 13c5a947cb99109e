#include "content.hpp"

#include <plinth/sdk/error.hpp>

#include <sodium.h>

#include <string>

namespace plinth::tickets {

void ensure_sodium() {
    static const int status = sodium_init(); // thread-safe static initialisation; idempotent anyway
    if (status < 0) throw sdk::Error(PLINTH_E_INTERNAL, "libsodium could not be initialised");
}

std::vector<uint8_t> decode_base64(std::string_view field, std::string_view text, size_t max_bytes) {
    ensure_sodium();
    std::string name(field);
    if (text.empty()) throw sdk::invalid_argument(name + " must not be empty");
    // 4 characters carry 3 bytes; refuse before allocating when the text cannot fit the limit.
    size_t longest = (max_bytes + 2) / 3 * 4;
    if (text.size() > longest)
        throw sdk::limit_exceeded(name + " decodes to more than the limit of " + std::to_string(max_bytes) + " bytes");
    std::vector<uint8_t> out(text.size() / 4 * 3 + 3);
    size_t size = 0;
    const char *end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &size, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size())
        throw sdk::invalid_argument(name + " is not valid base64 (standard alphabet, '=' padding, no spaces)");
    out.resize(size);
    if (out.size() > max_bytes)
        throw sdk::limit_exceeded(name + " decodes to " + std::to_string(out.size()) + " bytes; the limit is " +
                                  std::to_string(max_bytes));
    return out;
}

std::string encode_base64(std::span<const uint8_t> bytes) {
    ensure_sodium();
    size_t length = sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    std::string out(length, '\0'); // includes the terminating NUL sodium writes
    sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(length - 1);
    return out;
}

Sha256 sha256(std::span<const uint8_t> bytes) {
    ensure_sodium();
    Sha256 digest{};
    crypto_hash_sha256(digest.data(), bytes.data(), bytes.size());
    return digest;
}

std::string to_hex(std::span<const uint8_t> bytes) {
    ensure_sodium();
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
    out.pop_back();
    return out;
}

void wipe(std::string &secret) {
    if (!secret.empty()) sodium_memzero(secret.data(), secret.size());
    secret.clear();
}

} // namespace plinth::tickets
