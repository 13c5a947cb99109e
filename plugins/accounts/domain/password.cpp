#include "password.hpp"

#include <plinth/sdk/error.hpp>

#include <argon2.h>
#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <thread>

namespace plinth::accounts {

namespace {

// Holds one hashing slot for the duration of a hash or verification.
class Slot {
public:
    Slot(std::counting_semaphore<4096> &s, std::atomic<uint64_t> &count) : s_(s) {
        s_.acquire();
        count.fetch_add(1, std::memory_order_relaxed);
    }
    ~Slot() { s_.release(); }
    Slot(const Slot &) = delete;
    Slot &operator=(const Slot &) = delete;

private:
    std::counting_semaphore<4096> &s_;
};

// A NUL-terminated copy that is wiped when it goes away (the reference APIs take C strings).
class SecretString {
public:
    explicit SecretString(std::string_view s) : s_(s) {}
    ~SecretString() { sodium_memzero(s_.data(), s_.size()); }
    SecretString(const SecretString &) = delete;
    SecretString &operator=(const SecretString &) = delete;
    const char *c_str() const { return s_.c_str(); }
    size_t size() const { return s_.size(); }

private:
    std::string s_;
};

bool parse_u32(std::string_view s, uint32_t &out) {
    if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

// Length in bytes of unpadded standard base64 text, or nullopt when it is not that.
std::optional<size_t> b64_decoded_size(std::string_view s) {
    if (s.empty() || s.size() % 4 == 1) return std::nullopt;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'))
            return std::nullopt;
    return s.size() * 3 / 4;
}

bool is_bcrypt_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
}

// "$2y$10$" + 22 salt + 31 hash characters; returns the cost, or nullopt when malformed.
std::optional<int> bcrypt_cost(std::string_view s) {
    if (s.size() != 60 || s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$') return std::nullopt;
    if (s[2] != 'a' && s[2] != 'b' && s[2] != 'y') return std::nullopt;
    if (s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9') return std::nullopt;
    if (!std::all_of(s.begin() + 7, s.end(), is_bcrypt_char)) return std::nullopt;
    return (s[4] - '0') * 10 + (s[5] - '0');
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    // Lengths are public (they follow from the format); the contents are compared in constant time.
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace

void check_argon2_params(const Argon2Params &p) {
    if (p.parallelism < 1 || p.parallelism > kArgon2MaxParallelism)
        throw sdk::invalid_argument("password.argon2.parallelism must be 1 to " + std::to_string(kArgon2MaxParallelism));
    if (p.time_cost < 1 || p.time_cost > kArgon2MaxTimeCost)
        throw sdk::invalid_argument("password.argon2.time_cost must be 1 to " + std::to_string(kArgon2MaxTimeCost));
    if (p.memory_kib < 8 * p.parallelism || p.memory_kib > kArgon2MaxMemoryKib)
        throw sdk::invalid_argument("password.argon2.memory_kib must be at least 8 per lane and at most " +
                                    std::to_string(kArgon2MaxMemoryKib));
    if (p.salt_bytes < 8 || p.salt_bytes > 64)
        throw sdk::invalid_argument("password.argon2.salt_bytes must be 8 to 64");
    if (p.tag_bytes < 16 || p.tag_bytes > 64) throw sdk::invalid_argument("password.argon2.tag_bytes must be 16 to 64");
}

std::optional<Argon2Phc> parse_argon2_phc(std::string_view s) {
    // $<variant>$v=<version>$m=<m>,t=<t>,p=<p>$<salt>$<tag>
    if (s.empty() || s[0] != '$') return std::nullopt;
    std::string_view fields[6];
    size_t count = 0;
    std::string_view rest = s.substr(1);
    for (;;) {
        if (count == 6) return std::nullopt;
        size_t d = rest.find('$');
        fields[count++] = rest.substr(0, d);
        if (d == std::string_view::npos) break;
        rest = rest.substr(d + 1);
    }
    Argon2Phc phc;
    phc.variant = std::string(fields[0]);
    if (phc.variant != "argon2id" && phc.variant != "argon2i" && phc.variant != "argon2d") return std::nullopt;
    size_t next = 1;
    if (count == 5) {
        if (fields[1].substr(0, 2) != "v=" || !parse_u32(fields[1].substr(2), phc.version)) return std::nullopt;
        next = 2;
    } else if (count == 4) {
        phc.version = 0x10; // the original format had no version field
    } else {
        return std::nullopt;
    }
    std::string_view cost = fields[next];
    uint32_t m = 0, t = 0, p = 0;
    size_t c1 = cost.find(','), c2 = cost.find(',', c1 == std::string_view::npos ? c1 : c1 + 1);
    if (c1 == std::string_view::npos || c2 == std::string_view::npos) return std::nullopt;
    std::string_view ms = cost.substr(0, c1), ts = cost.substr(c1 + 1, c2 - c1 - 1), ps = cost.substr(c2 + 1);
    if (ms.substr(0, 2) != "m=" || ts.substr(0, 2) != "t=" || ps.substr(0, 2) != "p=") return std::nullopt;
    if (!parse_u32(ms.substr(2), m) || !parse_u32(ts.substr(2), t) || !parse_u32(ps.substr(2), p)) return std::nullopt;
    auto salt = b64_decoded_size(fields[next + 1]);
    auto tag = b64_decoded_size(fields[next + 2]);
    if (!salt || !tag) return std::nullopt;
    phc.params = Argon2Params{m, t, p, static_cast<uint32_t>(*salt), static_cast<uint32_t>(*tag)};
    return phc;
}

HashScheme classify_hash(std::string_view stored) {
    if (stored.starts_with("$argon2id$")) return HashScheme::argon2id;
    if (stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$")) return HashScheme::bcrypt;
    if (stored.starts_with("$wp$2a$") || stored.starts_with("$wp$2b$") || stored.starts_with("$wp$2y$"))
        return HashScheme::wordpress_bcrypt;
    return HashScheme::unknown;
}

void check_importable_hash(std::string_view stored) {
    static const std::string formats =
        "password_hash must be a bcrypt hash ($2y$, $2b$, $2a$), a WordPress 6.8 hash ($wp$2y$) or an "
        "Argon2id hash ($argon2id$)";
    switch (classify_hash(stored)) {
    case HashScheme::argon2id: {
        auto phc = parse_argon2_phc(stored);
        if (!phc || phc->version != ARGON2_VERSION_13) throw sdk::invalid_argument(formats + " (malformed Argon2id hash)");
        try {
            check_argon2_params(phc->params);
        } catch (const sdk::Error &) {
            throw sdk::invalid_argument("password_hash has Argon2id parameters outside the accepted limits");
        }
        return;
    }
    case HashScheme::bcrypt:
    case HashScheme::wordpress_bcrypt: {
        std::string_view bcrypt = classify_hash(stored) == HashScheme::bcrypt ? stored : stored.substr(3);
        auto cost = bcrypt_cost(bcrypt);
        if (!cost) throw sdk::invalid_argument(formats + " (malformed bcrypt hash)");
        if (*cost < kBcryptMinCost || *cost > kBcryptMaxCost)
            throw sdk::invalid_argument("password_hash bcrypt cost must be " + std::to_string(kBcryptMinCost) + " to " +
                                        std::to_string(kBcryptMaxCost));
        return;
    }
    case HashScheme::unknown: break;
    }
    throw sdk::invalid_argument(formats);
}

bool verify_bcrypt(std::string_view stored, std::string_view password) {
    auto cost = bcrypt_cost(stored);
    if (!cost || *cost < kBcryptMinCost || *cost > kBcryptMaxCost) return false;
    if (password.find('\0') != std::string_view::npos) return false; // crypt_r would cut it short
    SecretString phrase(password);
    std::string setting(stored);
    // struct crypt_data is about 32 KiB: too large for comfort on small thread stacks.
    auto data = std::make_unique<crypt_data>();
    const char *out = crypt_r(phrase.c_str(), setting.c_str(), data.get());
    bool ok = out != nullptr && out[0] != '*' && constant_time_equal(out, stored);
    sodium_memzero(data.get(), sizeof(crypt_data));
    return ok;
}

std::string wordpress_prehash(std::string_view password) {
    static constexpr char kKey[] = "wp-sha384";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_size = 0;
    if (HMAC(EVP_sha384(), kKey, sizeof kKey - 1, reinterpret_cast<const unsigned char *>(password.data()),
             password.size(), mac, &mac_size) == nullptr)
        throw sdk::Error(PLINTH_E_INTERNAL, "HMAC-SHA384 failed");
    char b64[sodium_base64_ENCODED_LEN(EVP_MAX_MD_SIZE, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, mac, mac_size, sodium_base64_VARIANT_ORIGINAL);
    std::string out(b64);
    sodium_memzero(mac, sizeof mac);
    sodium_memzero(b64, sizeof b64);
    return out;
}

bool verify_wordpress_bcrypt(std::string_view stored, std::string_view password) {
    if (!stored.starts_with("$wp$")) return false;
    std::string prehash = wordpress_prehash(password);
    bool ok = verify_bcrypt(stored.substr(3), prehash);
    sodium_memzero(prehash.data(), prehash.size());
    return ok;
}

PasswordHasher::PasswordHasher(const Argon2Params &params, unsigned max_concurrent)
    : params_(params),
      max_concurrent_(max_concurrent != 0 ? max_concurrent : std::max(1u, std::thread::hardware_concurrency())),
      slots_(std::min<unsigned>(max_concurrent_, 4096)) {
    if (sodium_init() < 0) throw sdk::Error(PLINTH_E_INTERNAL, "libsodium failed to initialise");
    check_argon2_params(params_);
    // The dummy is a real hash with the live parameters, of a password nobody knows, so a login
    // naming no account costs what a wrong password costs.
    unsigned char secret[32];
    randombytes_buf(secret, sizeof secret);
    char text[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(text, sizeof text, secret, sizeof secret, sodium_base64_VARIANT_ORIGINAL);
    dummy_ = hash(text);
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(text, sizeof text);
}

std::string PasswordHasher::hash(std::string_view password) const {
    std::string salt(params_.salt_bytes, '\0');
    randombytes_buf(salt.data(), salt.size());
    size_t encoded_size = argon2_encodedlen(params_.time_cost, params_.memory_kib, params_.parallelism,
                                            params_.salt_bytes, params_.tag_bytes, Argon2_id);
    std::string encoded(encoded_size, '\0');
    int rc;
    {
        Slot slot(slots_, slow_operations_);
        rc = argon2id_hash_encoded(params_.time_cost, params_.memory_kib, params_.parallelism, password.data(),
                                   password.size(), salt.data(), salt.size(), params_.tag_bytes, encoded.data(),
                                   encoded.size());
    }
    if (rc != ARGON2_OK)
        throw sdk::unavailable(std::string("password hashing failed: ") + argon2_error_message(rc));
    encoded.resize(std::strlen(encoded.c_str()));
    return encoded;
}

bool PasswordHasher::verify_argon2id(std::string_view stored, std::string_view password) const {
    auto phc = parse_argon2_phc(stored);
    if (!phc || phc->variant != "argon2id" || phc->params.memory_kib > kArgon2MaxMemoryKib ||
        phc->params.time_cost > kArgon2MaxTimeCost || phc->params.parallelism > kArgon2MaxParallelism)
        return verify_dummy(password);
    std::string encoded(stored); // NUL-terminated for the reference API
    int rc;
    {
        Slot slot(slots_, slow_operations_);
        rc = argon2id_verify(encoded.c_str(), password.data(), password.size());
    }
    if (rc == ARGON2_OK) return true;
    if (rc == ARGON2_MEMORY_ALLOCATION_ERROR || rc == ARGON2_THREAD_FAIL)
        throw sdk::unavailable(std::string("password verification failed: ") + argon2_error_message(rc));
    return false;
}

bool PasswordHasher::verify(std::string_view stored, std::string_view password) const {
    switch (classify_hash(stored)) {
    case HashScheme::argon2id: return verify_argon2id(stored, password);
    case HashScheme::bcrypt: {
        Slot slot(slots_, slow_operations_);
        return verify_bcrypt(stored, password);
    }
    case HashScheme::wordpress_bcrypt: {
        Slot slot(slots_, slow_operations_);
        return verify_wordpress_bcrypt(stored, password);
    }
    case HashScheme::unknown: break;
    }
    verify_dummy(password);
    return false;
}

bool PasswordHasher::verify_dummy(std::string_view password) const {
    Slot slot(slots_, slow_operations_);
    argon2id_verify(dummy_.c_str(), password.data(), password.size());
    return false;
}

bool PasswordHasher::needs_rehash(std::string_view stored) const {
    auto phc = parse_argon2_phc(stored);
    return !phc || phc->variant != "argon2id" || phc->version != ARGON2_VERSION_13 || !(phc->params == params_);
}

} // namespace plinth::accounts
