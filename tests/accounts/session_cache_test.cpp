// SessionCache on its own: an eviction must win over a put of a row read before it.
#include "service/session_cache.hpp"

#include <gtest/gtest.h>

namespace plinth::accounts {
namespace {

constexpr int64_t kTtlUs = 60 * 1000000;

TokenHash hash_of(uint8_t b) {
    TokenHash h{};
    h.fill(b);
    return h;
}

SessionRecord session(int64_t id, int64_t user_id) {
    SessionRecord s;
    s.id = id;
    s.user_id = user_id;
    s.times = {100, 100, 100 + 3600};
    return s;
}

TEST(SessionCache, PutWithTheCurrentGenerationIsCached) {
    SessionCache cache(kTtlUs, 16);
    uint64_t g = cache.generation();
    cache.put(hash_of(1), session(1, 10), 0, g);
    ASSERT_TRUE(cache.find(hash_of(1), 0));
    EXPECT_EQ(cache.find(hash_of(1), 0)->id, 1);
}

// The check path: generation taken, row read, then a revocation commits and evicts before the put.
TEST(SessionCache, PutOfARowReadBeforeAnEraseIsDropped) {
    SessionCache cache(kTtlUs, 16);
    for (int kind = 0; kind < 4; ++kind) {
        SCOPED_TRACE(kind);
        uint64_t g = cache.generation();
        switch (kind) {
        case 0: cache.erase(hash_of(1)); break;
        case 1: cache.erase_session(1); break;
        case 2: cache.erase_user(10); break;
        case 3: cache.clear(); break;
        }
        SessionRecord returned = cache.put(hash_of(1), session(1, 10), 0, g);
        EXPECT_EQ(returned.id, 1); // the caller still gets what it read, for this one check
        EXPECT_FALSE(cache.find(hash_of(1), 0));
        EXPECT_EQ(cache.size(), 0u);
    }
    // A read that starts after the eviction sees the database as it now is, and may be cached.
    cache.put(hash_of(1), session(1, 10), 0, cache.generation());
    EXPECT_TRUE(cache.find(hash_of(1), 0));
}

TEST(SessionCache, AnEraseOfAnotherEntryAlsoDropsAnInFlightPut) {
    // One counter for the cache: conservative, never stale.
    SessionCache cache(kTtlUs, 16);
    uint64_t g = cache.generation();
    cache.erase(hash_of(2));
    cache.put(hash_of(1), session(1, 10), 0, g);
    EXPECT_FALSE(cache.find(hash_of(1), 0));
}

TEST(SessionCache, DisabledCacheKeepsNothing) {
    SessionCache cache(0, 16);
    cache.put(hash_of(1), session(1, 10), 0, cache.generation());
    EXPECT_FALSE(cache.find(hash_of(1), 0));
    EXPECT_EQ(cache.size(), 0u);
}

} // namespace
} // namespace plinth::accounts
