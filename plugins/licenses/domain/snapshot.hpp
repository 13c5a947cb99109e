// licenses/domain/snapshot.hpp — a license as a check sees it: plain data shared by the store
// (which reads it), the cache (which keeps it) and decide() (which judges it).
#pragma once

#include "domain/network.hpp"
#include "domain/verdict.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::licenses {

// The 16-byte lookup hash of a normalised key (keyed SipHash-2-4-128), as two words.
struct KeyHash {
    uint64_t lo = 0;
    uint64_t hi = 0;
    bool operator==(const KeyHash &) const = default;

    static KeyHash from_bytes(const uint8_t *bytes16) noexcept {
        KeyHash h;
        std::memcpy(&h.lo, bytes16, 8);
        std::memcpy(&h.hi, bytes16 + 8, 8);
        return h;
    }
    void to_bytes(uint8_t *bytes16) const noexcept {
        std::memcpy(bytes16, &lo, 8);
        std::memcpy(bytes16 + 8, &hi, 8);
    }
};

inline constexpr size_t kMaxProductSlugBytes = 64;

// Copied by value on every check, so it is small and owns nothing. `product` views storage that
// outlives every snapshot (the service interns product slugs for its whole life).
struct LicenseSnapshot {
    int64_t license_id = 0;
    int64_t expires_at = 0;
    int64_t grace_ends_at = 0;
    int32_t seat_limit = 0;
    int32_t seats_used = 0;
    std::string_view product;
    LicenseStatus status = LicenseStatus::active;
    bool found = false;
    bool staging_exempt = false;
};

// A snapshot as read from the database: its product slug (to be interned) and, for the cache,
// every activated canonical site (with its network under scope network).
struct CacheFill {
    LicenseSnapshot snapshot;
    std::string product_slug;
    LicenseSites sites;
};

} // namespace plinth::licenses
