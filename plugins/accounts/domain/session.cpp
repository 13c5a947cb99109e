#include "session.hpp"

#include <plinth/sdk/error.hpp>

#include <sodium.h>

#include <algorithm>

namespace plinth::accounts {

TokenBytes new_token() {
    TokenBytes t;
    randombytes_buf(t.data(), t.size());
    return t;
}

std::string encode_token(const TokenBytes &token) {
    char text[sodium_base64_ENCODED_LEN(kTokenBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(text, sizeof text, token.data(), token.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    std::string out(text);
    sodium_memzero(text, sizeof text);
    return out;
}

std::optional<TokenBytes> decode_token(std::string_view text) {
    if (text.size() != kTokenTextSize) return std::nullopt;
    TokenBytes t;
    size_t size = 0;
    const char *end = nullptr;
    if (sodium_base642bin(t.data(), t.size(), text.data(), text.size(), nullptr, &size, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        size != kTokenBytes || end != text.data() + text.size())
        return std::nullopt;
    // 43 characters carry 258 bits; the two spare bits must be zero so each token has one spelling.
    char last = text.back();
    int index = last >= 'A' && last <= 'Z'   ? last - 'A'
                : last >= 'a' && last <= 'z' ? last - 'a' + 26
                : last >= '0' && last <= '9' ? last - '0' + 52
                : last == '-'                ? 62
                                             : 63;
    if ((index & 3) != 0) return std::nullopt;
    return t;
}

TokenHash hash_token(const TokenBytes &token) {
    TokenHash h;
    crypto_hash_sha256(h.data(), token.data(), token.size());
    return h;
}

TokenHash hash_text(std::string_view domain, std::string_view value) {
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char *>(domain.data()), domain.size());
    const unsigned char zero = 0;
    crypto_hash_sha256_update(&state, &zero, 1);
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char *>(value.data()), value.size());
    TokenHash h;
    crypto_hash_sha256_final(&state, h.data());
    return h;
}

KeyedHasher::KeyedHasher(std::span<const uint8_t> key) {
    if (key.size() != key_.size()) throw sdk::Error(PLINTH_E_INTERNAL, "the throttle key must be 32 bytes");
    std::copy(key.begin(), key.end(), key_.begin());
}

KeyedHasher::~KeyedHasher() { sodium_memzero(key_.data(), key_.size()); }

TokenHash KeyedHasher::hash_text(std::string_view domain, std::string_view value) const {
    crypto_generichash_state state;
    crypto_generichash_init(&state, key_.data(), key_.size(), 32);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char *>(domain.data()), domain.size());
    const unsigned char zero = 0;
    crypto_generichash_update(&state, &zero, 1);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char *>(value.data()), value.size());
    TokenHash h;
    crypto_generichash_final(&state, h.data(), h.size());
    return h;
}

int64_t session_expires_at(const SessionPolicy &policy, const SessionTimes &t) {
    return std::min(t.absolute_expires_at, t.last_seen_at + policy.idle_timeout_s);
}

bool session_alive(const SessionPolicy &policy, const SessionTimes &t, int64_t now) {
    return now < session_expires_at(policy, t);
}

bool session_needs_touch(const SessionPolicy &policy, const SessionTimes &t, int64_t now) {
    return now - t.last_seen_at >= policy.last_seen_interval_s;
}

} // namespace plinth::accounts
