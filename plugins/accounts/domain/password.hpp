// accounts/domain/password.hpp — password hashes: Argon2id for everything new, bcrypt and
// WordPress 6.8 bcrypt for imported accounts until their first successful login.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>

namespace plinth::accounts {

// Argon2id cost parameters (config "password.argon2"). Defaults follow OWASP's first
// recommendation: 19 MiB, two passes, one lane.
struct Argon2Params {
    uint32_t memory_kib = 19456;
    uint32_t time_cost = 2;
    uint32_t parallelism = 1;
    uint32_t salt_bytes = 16;
    uint32_t tag_bytes = 32;

    bool operator==(const Argon2Params &) const = default;
};

// Stored verification of an Argon2 hash refuses parameters beyond these, so a tampered row can
// neither allocate gigabytes nor spin for minutes.
inline constexpr uint32_t kArgon2MaxMemoryKib = 1u << 20; // 1 GiB
inline constexpr uint32_t kArgon2MaxTimeCost = 64;
inline constexpr uint32_t kArgon2MaxParallelism = 16;
// bcrypt costs accepted from an import; 2^15 rounds already take about two seconds.
inline constexpr int kBcryptMinCost = 4;
inline constexpr int kBcryptMaxCost = 15;

// Throws invalid_argument when `p` is outside what the reference library and the limits above
// accept (memory >= 8 KiB per lane, salt >= 8 bytes, tag >= 16 bytes).
void check_argon2_params(const Argon2Params &p);

// The fields of an encoded "$argon2id$v=19$m=..,t=..,p=..$salt$tag" string (PHC format).
struct Argon2Phc {
    std::string variant; // "argon2id", "argon2i" or "argon2d"
    uint32_t version = 0;
    Argon2Params params;
};
// Parses an encoded Argon2 string; nullopt when it is not one or is malformed.
std::optional<Argon2Phc> parse_argon2_phc(std::string_view encoded);

enum class HashScheme { argon2id, bcrypt, wordpress_bcrypt, unknown };

// Recognises "$argon2id$", "$2a$"/"$2b$"/"$2y$" and WordPress 6.8's "$wp$2y$" (also "$wp$2a$"/"$wp$2b$").
HashScheme classify_hash(std::string_view stored);

// Checks that an imported hash is well-formed and its cost within limits; throws invalid_argument
// naming the accepted formats. Argon2id hashes are accepted as they are.
void check_importable_hash(std::string_view stored);

// Verifies `password` against a bcrypt string through libxcrypt's crypt_r, comparing in constant
// time. `stored` must be "$2a$", "$2b$" or "$2y$".
bool verify_bcrypt(std::string_view stored, std::string_view password);
// WordPress 6.8 (wp_check_password): bcrypt over base64(HMAC-SHA384(key "wp-sha384", password)),
// stored as "$wp" + the bcrypt string. Unlike wp_hash_password, wp_check_password does not trim.
bool verify_wordpress_bcrypt(std::string_view stored, std::string_view password);
// The pre-hash WordPress feeds to bcrypt (exposed for tests).
std::string wordpress_prehash(std::string_view password);

// Hashes and verifies passwords with a bound on concurrent hashing, so a login flood queues
// instead of allocating `memory_kib` per request. [thread-safe]
class PasswordHasher {
public:
    // `max_concurrent` 0 means one per hardware thread.
    PasswordHasher(const Argon2Params &params, unsigned max_concurrent);
    PasswordHasher(const PasswordHasher &) = delete;
    PasswordHasher &operator=(const PasswordHasher &) = delete;

    const Argon2Params &params() const { return params_; }
    unsigned max_concurrent() const { return max_concurrent_; }

    // A new encoded Argon2id string with the configured parameters and a fresh random salt.
    std::string hash(std::string_view password) const;

    // True when `password` matches `stored` (any HashScheme). An unknown or malformed stored
    // value is false, after the same work as a miss so that timing does not tell them apart.
    bool verify(std::string_view stored, std::string_view password) const;

    // The work of verifying against a real account, for logins naming no account. Always false.
    bool verify_dummy(std::string_view password) const;

    // True when `stored` is not Argon2id with exactly the configured parameters (imported hashes,
    // older parameters): the next successful login replaces it.
    bool needs_rehash(std::string_view stored) const;

    // Slow operations run so far (Argon2id hashes and verifications, bcrypt verifications, the
    // dummy included). Lets tests show that two paths cost the same work without timing them.
    uint64_t slow_operations() const { return slow_operations_.load(std::memory_order_relaxed); }

private:
    bool verify_argon2id(std::string_view stored, std::string_view password) const;

    Argon2Params params_;
    unsigned max_concurrent_;
    mutable std::counting_semaphore<4096> slots_;
    mutable std::atomic<uint64_t> slow_operations_{0};
    std::string dummy_;
};

} // namespace plinth::accounts
