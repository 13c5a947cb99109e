#include "service/check_cache.hpp"

#include <algorithm>
#include <cstring>

namespace plinth::licenses {

struct CheckCache::Entry {
    LicenseSnapshot snapshot;
    std::vector<std::string> activated; // sorted
    struct Alias {
        std::string raw;
        SiteFacts facts;
    };
    std::array<Alias, kAliases> aliases;
    uint8_t alias_count = 0;
    uint8_t alias_next = 0;
    bool referenced = true;

    bool is_activated(std::string_view canonical) const {
        auto it = std::lower_bound(activated.begin(), activated.end(), canonical,
                                   [](const std::string &a, std::string_view b) { return std::string_view(a) < b; });
        return it != activated.end() && *it == canonical;
    }

    const SiteFacts *alias(std::string_view raw) const {
        for (uint8_t i = 0; i < alias_count; ++i)
            if (aliases[i].raw == raw) return &aliases[i].facts;
        return nullptr;
    }

    void remember(std::string_view raw, const SiteFacts &facts) {
        if (raw.size() > kMaxAliasBytes || alias(raw) != nullptr) return;
        Alias &slot = aliases[alias_next];
        slot.raw.assign(raw);
        slot.facts = facts;
        alias_next = static_cast<uint8_t>((alias_next + 1) % kAliases);
        alias_count = static_cast<uint8_t>(std::min<size_t>(alias_count + 1, kAliases));
    }
};

struct CheckCache::Slot {
    KeyHash key;
    std::unique_ptr<Entry> entry; // null: empty slot
};

// Aligned so that two shards' mutexes never share a cache line.
struct alignas(64) CheckCache::Shard {
    mutable std::mutex mutex;
    std::vector<Slot> slots; // power-of-two size, at least twice `limit` once grown
    size_t size = 0;
    size_t negatives = 0;
    size_t limit = 1;
    size_t hand = 0;
    uint64_t epoch = 0;
    uint64_t hits = 0, misses = 0, evictions = 0, invalidations = 0;

    size_t mask() const { return slots.size() - 1; }
    size_t home(const KeyHash &k) const { return static_cast<size_t>(k.lo) & mask(); }

    // Index of `k`, or of the empty slot where the probe stopped.
    size_t probe(const KeyHash &k) const {
        size_t i = home(k);
        while (slots[i].entry && !(slots[i].key == k)) i = (i + 1) & mask();
        return i;
    }

    Entry *lookup(const KeyHash &k) const {
        const Slot &s = slots[probe(k)];
        return s.entry ? s.entry.get() : nullptr;
    }

    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    void erase_at(size_t i) {
        if (!slots[i].entry->snapshot.found) --negatives;
        slots[i].entry.reset();
        --size;
        size_t j = i;
        for (;;) {
            j = (j + 1) & mask();
            if (!slots[j].entry) break;
            size_t k = home(slots[j].key);
            bool movable = (j > i) ? (k <= i || k > j) : (k <= i && k > j);
            if (movable) {
                slots[i] = std::move(slots[j]);
                i = j;
            }
        }
    }

    bool erase(const KeyHash &k) {
        size_t i = probe(k);
        if (!slots[i].entry) return false;
        erase_at(i);
        return true;
    }

    void grow() {
        std::vector<Slot> old = std::move(slots);
        slots = std::vector<Slot>(old.size() * 2);
        for (Slot &s : old)
            if (s.entry) slots[probe(s.key)] = std::move(s);
        hand = 0;
    }

    // CLOCK: sweep from the hand, sparing (once) entries used since the last pass.
    void evict_one() {
        for (;;) {
            hand &= mask();
            Slot &s = slots[hand];
            if (s.entry) {
                if (!s.entry->referenced) {
                    erase_at(hand);
                    ++evictions;
                    return; // the hand stays: erase_at may have shifted a successor here
                }
                s.entry->referenced = false;
            }
            ++hand;
        }
    }

    void put(const KeyHash &k, std::unique_ptr<Entry> e) {
        size_t i = probe(k);
        if (slots[i].entry) {
            if (!slots[i].entry->snapshot.found) --negatives;
            if (!e->snapshot.found) ++negatives;
            slots[i].entry = std::move(e);
            return;
        }
        if (size >= limit) evict_one();
        if ((size + 1) * 2 > slots.size()) grow();
        i = probe(k);
        if (!e->snapshot.found) ++negatives;
        slots[i].key = k;
        slots[i].entry = std::move(e);
        ++size;
    }
};

CheckCache::CheckCache(size_t max_entries, size_t shards) {
    size_t n = 1;
    while (n < shards && n < 4096) n <<= 1;
    shard_mask_ = n - 1;
    shards_ = std::make_unique<Shard[]>(n);
    size_t per_shard = std::max<size_t>(1, max_entries / n);
    for (size_t i = 0; i < n; ++i) {
        shards_[i].limit = per_shard;
        shards_[i].slots = std::vector<Slot>(16);
    }
}

CheckCache::~CheckCache() = default;

CheckCache::Shard &CheckCache::shard_for(const KeyHash &hash) const {
    // The high word picks the shard, the low word the slot: independent bits of one keyed hash.
    return shards_[static_cast<size_t>(hash.hi) & shard_mask_];
}

void CheckCache::find(const KeyHash &hash, std::string_view raw_site, Lookup &out) {
    Shard &s = shard_for(hash);
    std::lock_guard lock(s.mutex);
    Entry *e = s.lookup(hash);
    if (e == nullptr) {
        ++s.misses;
        out.hit = false;
        out.site_known = false;
        out.epoch = s.epoch;
        return;
    }
    ++s.hits;
    if (!e->referenced) e->referenced = true; // no store when already set: keeps the line clean
    out.hit = true;
    out.snapshot = e->snapshot;
    out.site_known = false;
    if (e->snapshot.found) {
        if (const SiteFacts *f = e->alias(raw_site)) {
            out.site = *f;
            out.site_known = true;
        }
    }
}

std::optional<SiteFacts> CheckCache::remember_site(const KeyHash &hash, std::string_view raw_site, bool valid,
                                                   bool local_or_staging, std::string_view canonical) {
    Shard &s = shard_for(hash);
    std::lock_guard lock(s.mutex);
    Entry *e = s.lookup(hash);
    if (e == nullptr || !e->snapshot.found) return std::nullopt;
    SiteFacts facts{valid, local_or_staging, valid && e->is_activated(canonical)};
    e->remember(raw_site, facts);
    return facts;
}

void CheckCache::insert(const KeyHash &hash, uint64_t epoch, CacheFill fill, std::string_view raw_site,
                        const SiteFacts *site) {
    auto e = std::make_unique<Entry>();
    e->snapshot = fill.snapshot;
    e->activated = std::move(fill.activated_sites);
    std::sort(e->activated.begin(), e->activated.end());
    if (site != nullptr && fill.snapshot.found) e->remember(raw_site, *site);
    Shard &s = shard_for(hash);
    std::lock_guard lock(s.mutex);
    if (s.epoch != epoch) return; // invalidated while we were reading: the snapshot may be stale
    s.put(hash, std::move(e));
}

void CheckCache::invalidate(const KeyHash &hash) {
    Shard &s = shard_for(hash);
    std::lock_guard lock(s.mutex);
    ++s.epoch;
    ++s.invalidations;
    s.erase(hash);
}

bool CheckCache::contains(const KeyHash &hash) const {
    Shard &s = shard_for(hash);
    std::lock_guard lock(s.mutex);
    return s.lookup(hash) != nullptr;
}

void CheckCache::clear() {
    for (size_t i = 0; i <= shard_mask_; ++i) {
        Shard &s = shards_[i];
        std::lock_guard lock(s.mutex);
        ++s.epoch;
        s.slots = std::vector<Slot>(16);
        s.size = 0;
        s.negatives = 0;
        s.hand = 0;
    }
}

CacheStats CheckCache::stats() const {
    CacheStats total;
    for (size_t i = 0; i <= shard_mask_; ++i) {
        const Shard &s = shards_[i];
        std::lock_guard lock(s.mutex);
        total.entries += s.size;
        total.negative_entries += s.negatives;
        total.hits += s.hits;
        total.misses += s.misses;
        total.evictions += s.evictions;
        total.invalidations += s.invalidations;
    }
    return total;
}

} // namespace plinth::licenses
