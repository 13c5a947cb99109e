// The check cache on its own: hits, negative entries, remembered site spellings, invalidation
// races, bounds and eviction.
#include "service/check_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

namespace plinth::licenses {
namespace {

uint64_t mix(uint64_t x) { // splitmix64
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// Spread like the real keyed hash: both words look random.
KeyHash hash_of(uint64_t n) { return KeyHash{mix(n), mix(n ^ 0xA5A5A5A5A5A5A5A5ull)}; }

// The cache keeps no license id; expires_at stands in as the entry's identity.
LicenseSnapshot license(int64_t id) {
    LicenseSnapshot s;
    s.found = true;
    s.license_id = id;
    s.expires_at = 1'000'000 + id;
    s.grace_ends_at = s.expires_at + 86400;
    s.seat_limit = 5;
    s.seats_used = 2;
    s.product = "seo";
    return s;
}

int64_t id_of(const LicenseSnapshot &s) { return s.expires_at - 1'000'000; }

SiteHash site(std::string_view raw) {
    uint64_t h = 1469598103934665603ull;
    for (char c : raw) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return SiteHash{mix(h)};
}

TEST(CheckCache, MissThenHit) {
    CheckCache cache(100, 4);
    CheckCache::Lookup look;
    cache.find(hash_of(1), site("https://a.com"), look);
    EXPECT_FALSE(look.hit);
    cache.insert(hash_of(1), look.epoch, license(7), {"a.com"});
    cache.find(hash_of(1), site("https://a.com"), look);
    ASSERT_TRUE(look.hit);
    EXPECT_TRUE(look.snapshot.found);
    EXPECT_EQ(id_of(look.snapshot), 7);
    EXPECT_EQ(look.snapshot.grace_ends_at, look.snapshot.expires_at + 86400);
    EXPECT_EQ(look.snapshot.seat_limit, 5);
    EXPECT_EQ(look.snapshot.seats_used, 2);
    EXPECT_EQ(look.snapshot.status, LicenseStatus::active);
    EXPECT_EQ(look.snapshot.product, "seo");
    EXPECT_FALSE(look.site_known); // this spelling was never canonicalised
    CacheStats s = cache.stats();
    EXPECT_EQ(s.entries, 1u);
    EXPECT_EQ(s.misses, 1u);
}

TEST(CheckCache, KeepsEveryFieldAChecksNeeds) {
    CheckCache cache(100, 4);
    CheckCache::Lookup look;
    LicenseSnapshot s;
    s.found = true;
    s.status = LicenseStatus::revoked;
    s.staging_exempt = true;
    s.seat_limit = -1;
    s.seats_used = 70000;
    s.expires_at = 0;
    s.grace_ends_at = 0;
    std::string product = "a-product-slug-of-some-length";
    s.product = product;
    cache.find(hash_of(77), site(""), look);
    cache.insert(hash_of(77), look.epoch, s, {});
    product.assign("overwritten"); // the cache keeps its own copy of the slug
    cache.find(hash_of(77), site(""), look);
    ASSERT_TRUE(look.hit);
    EXPECT_EQ(look.snapshot.status, LicenseStatus::revoked);
    EXPECT_TRUE(look.snapshot.staging_exempt);
    EXPECT_EQ(look.snapshot.seat_limit, -1);
    EXPECT_EQ(look.snapshot.seats_used, 70000);
    EXPECT_EQ(look.snapshot.expires_at, 0);
    EXPECT_EQ(look.snapshot.grace_ends_at, 0);
    EXPECT_EQ(look.snapshot.product, "a-product-slug-of-some-length");
}

TEST(CheckCache, NegativeEntries) {
    CheckCache cache(100, 4);
    CheckCache::Lookup look;
    cache.find(hash_of(2), site(""), look);
    cache.insert(hash_of(2), look.epoch, LicenseSnapshot{}, {});
    cache.find(hash_of(2), site("https://x.com"), look);
    ASSERT_TRUE(look.hit);
    EXPECT_FALSE(look.snapshot.found);
    EXPECT_EQ(cache.stats().negative_entries, 1u);
    // A negative entry remembers no sites.
    EXPECT_FALSE(cache.remember_site(hash_of(2), site("https://x.com"), true, false, "x.com").has_value());
}

TEST(CheckCache, RemembersSiteSpellings) {
    CheckCache cache(100, 4);
    CheckCache::Lookup look;
    cache.find(hash_of(3), site(""), look);
    cache.insert(hash_of(3), look.epoch, license(3), {"b.com", "a.com/shop"});
    auto facts = cache.remember_site(hash_of(3), site("https://www.a.com/shop/"), true, false, "a.com/shop");
    ASSERT_TRUE(facts.has_value());
    EXPECT_TRUE(facts->activated);
    facts = cache.remember_site(hash_of(3), site("ftp://nope"), false, false, "");
    EXPECT_FALSE(facts->valid);
    EXPECT_FALSE(facts->activated);
    cache.find(hash_of(3), site("https://www.a.com/shop/"), look);
    ASSERT_TRUE(look.site_known);
    EXPECT_TRUE(look.site.activated);
    cache.find(hash_of(3), site("ftp://nope"), look);
    ASSERT_TRUE(look.site_known);
    EXPECT_FALSE(look.site.valid);
    facts = cache.remember_site(hash_of(3), site("https://c.com"), true, false, "c.com");
    EXPECT_FALSE(facts->activated);
    // Only a few spellings are kept; the oldest go first, and nothing breaks.
    for (int i = 0; i < 20; ++i)
        cache.remember_site(hash_of(3), site("https://s" + std::to_string(i) + ".com"), true, false, "s.com");
    cache.find(hash_of(3), site("https://s19.com"), look);
    EXPECT_TRUE(look.site_known);
    cache.find(hash_of(3), site("https://www.a.com/shop/"), look);
    EXPECT_FALSE(look.site_known);
}

TEST(CheckCache, ANewEntryRemembersNothingOfTheOneBefore) {
    CheckCache cache(100, 1);
    CheckCache::Lookup look;
    cache.find(hash_of(9), site(""), look);
    cache.insert(hash_of(9), look.epoch, license(9), {});
    cache.remember_site(hash_of(9), site("https://a.com"), true, false, "a.com"); // not activated
    cache.invalidate(hash_of(9));                                                 // a.com activated
    cache.find(hash_of(9), site(""), look);
    SiteFacts activated{true, false, true};
    cache.insert(hash_of(9), look.epoch, license(9), {"a.com"}, nullptr, nullptr);
    cache.find(hash_of(9), site("https://a.com"), look);
    ASSERT_TRUE(look.hit);
    EXPECT_FALSE(look.site_known);
    auto facts = cache.remember_site(hash_of(9), site("https://a.com"), true, false, "a.com");
    ASSERT_TRUE(facts.has_value());
    EXPECT_TRUE(facts->activated);
    // Also when the new snapshot arrives with the spelling already decided.
    cache.invalidate(hash_of(9));
    cache.find(hash_of(9), site(""), look);
    SiteHash b = site("https://b.com");
    cache.insert(hash_of(9), look.epoch, license(9), {"a.com"}, &b, &activated);
    cache.find(hash_of(9), site("https://a.com"), look);
    EXPECT_FALSE(look.site_known);
}

TEST(CheckCache, InsertWithAStaleEpochIsDropped) {
    CheckCache cache(100, 1);
    CheckCache::Lookup look;
    cache.find(hash_of(4), site(""), look);
    uint64_t epoch = look.epoch;
    // A write commits and invalidates while the miss was reading the database.
    cache.invalidate(hash_of(4));
    cache.insert(hash_of(4), epoch, license(4), {});
    cache.find(hash_of(4), site(""), look);
    EXPECT_FALSE(look.hit);
    cache.insert(hash_of(4), look.epoch, license(4), {});
    cache.find(hash_of(4), site(""), look);
    EXPECT_TRUE(look.hit);
}

TEST(CheckCache, InvalidateAndClear) {
    CheckCache cache(100, 4);
    CheckCache::Lookup look;
    for (uint64_t i = 0; i < 10; ++i) {
        cache.find(hash_of(i), site(""), look);
        cache.insert(hash_of(i), look.epoch, license(static_cast<int64_t>(i)), {});
    }
    cache.invalidate(hash_of(5));
    cache.find(hash_of(5), site(""), look);
    EXPECT_FALSE(look.hit);
    for (uint64_t i = 0; i < 10; ++i) {
        if (i == 5) continue;
        cache.find(hash_of(i), site(""), look);
        EXPECT_TRUE(look.hit) << i; // backward-shift deletion kept every other probe chain intact
    }
    cache.clear();
    EXPECT_EQ(cache.stats().entries, 0u);
    cache.find(hash_of(1), site(""), look);
    EXPECT_FALSE(look.hit);
}

TEST(CheckCache, StaysWithinItsBound) {
    CheckCache cache(64, 8);
    CheckCache::Lookup look;
    for (uint64_t i = 0; i < 10000; ++i) {
        cache.find(hash_of(i), site(""), look);
        cache.insert(hash_of(i), look.epoch, license(static_cast<int64_t>(i)), {});
        ASSERT_LE(cache.stats().entries, 64u);
    }
    CacheStats s = cache.stats();
    EXPECT_EQ(s.entries, 64u);
    EXPECT_EQ(s.evictions, 10000u - 64u);
    // Whatever is still cached is still right.
    for (uint64_t i = 0; i < 10000; ++i) {
        cache.find(hash_of(i), site(""), look);
        if (look.hit) {
            EXPECT_EQ(id_of(look.snapshot), static_cast<int64_t>(i));
        }
    }
}

TEST(CheckCache, ClockSparesEntriesUsedSinceTheLastSweep) {
    CheckCache cache(4, 1);
    CheckCache::Lookup look;
    auto add = [&](uint64_t n) {
        cache.find(hash_of(n), site(""), look);
        cache.insert(hash_of(n), look.epoch, license(static_cast<int64_t>(n)), {});
    };
    for (uint64_t i = 0; i < 5; ++i) add(i); // the fifth insert sweeps: every mark cleared, one evicted
    std::vector<uint64_t> old;
    for (uint64_t i = 0; i < 4; ++i)
        if (cache.contains(hash_of(i))) old.push_back(i);
    ASSERT_EQ(old.size(), 3u);
    ASSERT_TRUE(cache.contains(hash_of(4)));
    // Use every survivor but one; the next insert must evict exactly that one.
    uint64_t unused = old[1];
    for (uint64_t i : old)
        if (i != unused) cache.find(hash_of(i), site(""), look);
    add(5);
    EXPECT_FALSE(cache.contains(hash_of(unused)));
    for (uint64_t i : old)
        if (i != unused) {
            EXPECT_TRUE(cache.contains(hash_of(i))) << i;
        }
    EXPECT_TRUE(cache.contains(hash_of(4)));
    EXPECT_TRUE(cache.contains(hash_of(5)));
}

TEST(CheckCache, ConcurrentUseKeepsEntriesConsistent) {
    CheckCache cache(2000, 16);
    std::atomic<bool> wrong{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937_64 rng(static_cast<uint64_t>(t) + 1);
            CheckCache::Lookup look;
            for (int i = 0; i < 20000; ++i) {
                uint64_t n = rng() % 3000;
                switch (rng() % 4) {
                case 0: cache.invalidate(hash_of(n)); break;
                case 1: cache.remember_site(hash_of(n), site("https://a.com"), true, false, "a.com"); break;
                default:
                    cache.find(hash_of(n), site("https://a.com"), look);
                    if (!look.hit) cache.insert(hash_of(n), look.epoch, license(static_cast<int64_t>(n)), {"a.com"});
                    else if (id_of(look.snapshot) != static_cast<int64_t>(n) || look.snapshot.product != "seo" ||
                             look.snapshot.seat_limit != 5) wrong = true;
                    else if (look.site_known && !look.site.activated) wrong = true;
                }
            }
        });
    }
    for (auto &th : threads) th.join();
    EXPECT_FALSE(wrong.load());
    EXPECT_LE(cache.stats().entries, 2000u);
}

} // namespace
} // namespace plinth::licenses
