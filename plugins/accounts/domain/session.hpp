// accounts/domain/session.hpp — session tokens and when a session ends.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::accounts {

inline constexpr size_t kTokenBytes = 32;       // 256 random bits
inline constexpr size_t kTokenTextSize = 43;    // unpadded base64url of 32 bytes

using TokenBytes = std::array<uint8_t, kTokenBytes>;
using TokenHash = std::array<uint8_t, 32>;

// A fresh token from the system CSPRNG (libsodium randombytes_buf).
TokenBytes new_token();
// Unpadded base64url, what the caller receives once.
std::string encode_token(const TokenBytes &token);
// Decodes what a caller presented; nullopt unless it is exactly a 43-character base64url token.
std::optional<TokenBytes> decode_token(std::string_view text);

// What is stored and looked up: SHA-256 of the token bytes. 256 random bits cannot be recovered
// from their hash or guessed against it, so a key would add nothing; leaving it out lets every
// host process that shares the database resolve every token without sharing a secret.
TokenHash hash_token(const TokenBytes &token);

// SHA-256 of `domain` || 0x00 || `value`: lookup keys for values that are not secret (user ids).
TokenHash hash_text(std::string_view domain, std::string_view value);

// Keyed BLAKE2b-256 of `domain` || 0x00 || `value` under a host secret: lookup keys derived from
// what someone typed (login names that match no account), so the table does not keep a
// dictionary-searchable record of them.
class KeyedHasher {
public:
    explicit KeyedHasher(std::span<const uint8_t> key); // 32 bytes
    ~KeyedHasher();
    KeyedHasher(const KeyedHasher &) = delete;
    KeyedHasher &operator=(const KeyedHasher &) = delete;
    TokenHash hash_text(std::string_view domain, std::string_view value) const;

private:
    std::array<uint8_t, 32> key_{};
};

struct SessionPolicy {
    int64_t idle_timeout_s = 86400;        // ends after this long without use
    int64_t absolute_timeout_s = 1209600;  // ends this long after login, used or not
    int64_t last_seen_interval_s = 60;     // "last seen" is written at most this often per session
};

// The times that decide a session's life (Unix seconds).
struct SessionTimes {
    int64_t created_at = 0;
    int64_t last_seen_at = 0;
    int64_t absolute_expires_at = 0;
};

// The moment the session ends if it is not used again: min(absolute, last_seen + idle).
int64_t session_expires_at(const SessionPolicy &policy, const SessionTimes &t);
bool session_alive(const SessionPolicy &policy, const SessionTimes &t, int64_t now);
// True when a use at `now` should refresh the stored last-seen time.
bool session_needs_touch(const SessionPolicy &policy, const SessionTimes &t, int64_t now);

} // namespace plinth::accounts
