// licenses/service/check_cache.hpp — the in-process cache that serves license checks.
//
// Keyed by the license key's lookup hash. Each entry is a snapshot of one license (or a negative
// entry: no license has this key) plus its activated canonical sites, and remembers a few site
// spellings it was asked about (by hash) with what they canonicalised to — so a steady-state
// check neither allocates nor re-parses the URL. The hot part of an entry (key, snapshot, use
// mark, remembered spellings) lives in the table slot itself, one cache line; the activated
// sites, needed only for a new spelling, are kept aside by the writers.
//
// Sharded, and read without locks: each shard is an open-addressing table (linear probing,
// backward-shift deletion, at most half full) guarded by a sequence lock. A check reads a slot's
// words with relaxed atomic loads between two reads of the shard's sequence number and retries if
// a writer was busy; it writes nothing shared (but a CLOCK use mark, and only when that was
// clear), so checks on many cores do not pull cache lines from each other. Writers (fills,
// invalidations, new spellings) take the shard's mutex. A table that grows is replaced by one
// twice its size; the old one is kept (a check may still be reading it), which at most doubles
// the memory. Entries are bounded to max_entries / shards per shard and evicted by CLOCK (an
// entry hit since the hand last passed survives one more round).
//
// Invalidation races: a miss reads the database outside any lock; a write that commits and
// invalidates meanwhile bumps the shard's epoch, and insert() then drops the stale snapshot.
// [thread-safe]
#pragma once

#include "domain/network.hpp"
#include "domain/snapshot.hpp"

#include <plinth/sdk/thread_annotations.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace plinth::licenses {

// What a raw site string (with the network it reported, if any) means for one license.
struct SiteFacts {
    bool valid = false;        // canonicalisable (the site, and the network when one was reported)
    bool local_or_staging = false;
    bool activated = false;    // covered: activated, or covered by an activated network
    Coverage coverage = Coverage::none;
    int64_t network_id = 0;    // the covering network; 0 when none
};

// Keyed SipHash-2-4 (64 bits) of a raw site string as the caller sent it (with the reported
// network's string, when there is one). Entries remember
// spellings by this hash, so a lookup compares one word instead of chasing a heap string; with a
// secret per-process key, two spellings of one license colliding (2^-64) is not a practical
// concern.
struct SiteHash {
    uint64_t value = 0;
    bool operator==(const SiteHash &) const = default;
};

struct CacheStats {
    uint64_t entries = 0;
    uint64_t negative_entries = 0;
    uint64_t misses = 0; // lookups that found nothing (hits are not counted: see find())
    uint64_t evictions = 0;
    uint64_t invalidations = 0;
};

class CheckCache {
public:
    // Spellings of a site remembered per license (a site usually sends one; two cover a site
    // reachable over both http and https). A third evicts the oldest.
    static constexpr size_t kAliases = 2;

    CheckCache(size_t max_entries, size_t shards);
    ~CheckCache();
    CheckCache(const CheckCache &) = delete;
    CheckCache &operator=(const CheckCache &) = delete;

    struct Lookup {
        bool hit = false;
        bool site_known = false;  // `site` is filled (only on a hit of a found license)
        LicenseSnapshot snapshot;
        SiteFacts site;
        uint64_t epoch = 0;       // pass to insert() after a miss
    };
    // Never allocates.
    void find(const KeyHash &hash, const SiteHash &site, Lookup &out);
    // Starts loading the slot `hash` would occupy (and, for a check that reported a network, the
    // slot's network words), so find() does not wait on memory. A hint only: takes no lock and
    // never faults.
    void prefetch(const KeyHash &hash, bool network_words = false) const noexcept;

    // Remembers what the spelling `site` means (valid, local/staging, canonical form, and the
    // canonical form of the network it reported, empty for none) on the entry for `hash` and
    // returns the facts, coverage decided by cover(); nullopt when the entry is gone (evicted,
    // invalidated).
    std::optional<SiteFacts> remember_site(const KeyHash &hash, const SiteHash &site, bool valid,
                                           bool local_or_staging, std::string_view canonical,
                                           std::string_view network = {});

    // Stores a snapshot read after find() returned `epoch`; dropped when the shard was
    // invalidated since. Optionally remembers one site spelling at once.
    void insert(const KeyHash &hash, uint64_t epoch, const LicenseSnapshot &snapshot, LicenseSites sites,
                const SiteHash *site = nullptr, const SiteFacts *facts = nullptr);

    // The canonical form of network `network_id` of the entry for `hash`, when cached (for the
    // JSON verdict, which names it). Allocates.
    std::optional<std::string> network_name(const KeyHash &hash, int64_t network_id) const;

    void invalidate(const KeyHash &hash);
    // Whether an entry exists, without counting as a use (tests, diagnostics).
    bool contains(const KeyHash &hash) const;
    void clear();
    CacheStats stats() const;

private:
    struct Cold;
    struct Slot;
    struct Shard;

    Shard &shard_for(const KeyHash &hash) const;

    static constexpr size_t kInitialCapacity = 32;

    // A product slug with the cache's lifetime, so slots can point at it.
    const std::string *intern(std::string_view product) PLINTH_EXCLUDES(products_mutex_);

    size_t shard_mask_ = 0;
    std::unique_ptr<Shard[]> shards_;
    sdk::Mutex products_mutex_;
    std::unordered_set<std::string> products_ PLINTH_GUARDED_BY(products_mutex_); // nodes never move
};

} // namespace plinth::licenses
