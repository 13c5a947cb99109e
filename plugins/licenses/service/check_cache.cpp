#include "service/check_cache.hpp"

#include <algorithm>
#include <cstring>

namespace plinth::licenses {

namespace {

constexpr uint8_t kValid = 1, kLocal = 2, kActivated = 4;

uint8_t pack(const SiteFacts &f) {
    return static_cast<uint8_t>((f.valid ? kValid : 0) | (f.local_or_staging ? kLocal : 0) |
                                (f.activated ? kActivated : 0));
}

SiteFacts unpack(uint8_t bits) {
    return SiteFacts{(bits & kValid) != 0, (bits & kLocal) != 0, (bits & kActivated) != 0};
}

} // namespace

// What a check never needs: the activated sites, read only when a new spelling of a site arrives.
struct CheckCache::Cold {
    std::vector<std::string> activated; // sorted

    bool is_activated(std::string_view canonical) const {
        auto it = std::lower_bound(activated.begin(), activated.end(), canonical,
                                   [](const std::string &a, std::string_view b) { return std::string_view(a) < b; });
        return it != activated.end() && *it == canonical;
    }
};

// One table slot holds the whole hot part of an entry, so a hit reads two adjacent cache lines
// and nothing else: the key, the snapshot, the use mark and the remembered spellings.
struct alignas(64) CheckCache::Slot {
    KeyHash key;
    LicenseSnapshot snapshot;
    std::unique_ptr<Cold> cold; // null for negative entries
    std::array<SiteHash, kAliases> alias_sites{};
    std::array<uint8_t, kAliases> alias_facts{};
    uint8_t alias_count = 0;
    uint8_t alias_next = 0;
    bool used = false;
    bool referenced = false;

    const uint8_t *alias(const SiteHash &site) const {
        for (uint8_t i = 0; i < alias_count; ++i)
            if (alias_sites[i] == site) return &alias_facts[i];
        return nullptr;
    }

    void remember(const SiteHash &site, const SiteFacts &facts) {
        if (alias(site) != nullptr) return;
        alias_sites[alias_next] = site;
        alias_facts[alias_next] = pack(facts);
        alias_next = static_cast<uint8_t>((alias_next + 1) % kAliases);
        alias_count = static_cast<uint8_t>(std::min<size_t>(alias_count + 1, kAliases));
    }
};

// Aligned so that two shards' mutexes never share a cache line.
struct alignas(64) CheckCache::Shard {
    mutable std::mutex mutex;
    std::vector<Slot> slots; // power-of-two size, at most half full
    // Copies of slots.data() and its mask for prefetching without the lock; a stale pair only
    // makes a prefetch useless, never wrong (a prefetch does not fault).
    std::atomic<const Slot *> hint_slots{nullptr};
    std::atomic<size_t> hint_mask{0};
    size_t size = 0;
    size_t negatives = 0;
    size_t limit = 1;
    size_t hand = 0;
    uint64_t epoch = 0;
    uint64_t hits = 0, misses = 0, evictions = 0, invalidations = 0;

    size_t mask() const { return slots.size() - 1; }
    size_t home(const KeyHash &k) const { return static_cast<size_t>(k.lo) & mask(); }

    void reset(size_t capacity) {
        slots = std::vector<Slot>(capacity);
        hint_slots.store(slots.data(), std::memory_order_relaxed);
        hint_mask.store(capacity - 1, std::memory_order_relaxed);
    }

    // Index of `k`, or of the empty slot where the probe stopped.
    size_t probe(const KeyHash &k) const {
        size_t i = home(k);
        while (slots[i].used && !(slots[i].key == k)) i = (i + 1) & mask();
        return i;
    }

    Slot *lookup(const KeyHash &k) {
        Slot &s = slots[probe(k)];
        return s.used ? &s : nullptr;
    }

    void clear_slot(Slot &s) {
        s.cold.reset();
        s.used = false;
    }

    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    void erase_at(size_t i) {
        if (!slots[i].snapshot.found) --negatives;
        clear_slot(slots[i]);
        --size;
        size_t j = i;
        for (;;) {
            j = (j + 1) & mask();
            if (!slots[j].used) break;
            size_t k = home(slots[j].key);
            bool movable = (j > i) ? (k <= i || k > j) : (k <= i && k > j);
            if (movable) {
                slots[i] = std::move(slots[j]);
                clear_slot(slots[j]);
                i = j;
            }
        }
    }

    bool erase(const KeyHash &k) {
        size_t i = probe(k);
        if (!slots[i].used) return false;
        erase_at(i);
        return true;
    }

    void grow() {
        std::vector<Slot> old = std::move(slots);
        reset(old.size() * 2);
        for (Slot &s : old)
            if (s.used) slots[probe(s.key)] = std::move(s);
        hand = 0;
    }

    // CLOCK: sweep from the hand, sparing (once) entries used since the last pass.
    void evict_one() {
        for (;;) {
            hand &= mask();
            Slot &s = slots[hand];
            if (s.used) {
                if (!s.referenced) {
                    erase_at(hand);
                    ++evictions;
                    return; // the hand stays: erase_at may have shifted a successor here
                }
                s.referenced = false;
            }
            ++hand;
        }
    }

    // The slot for `k`, emptied of any previous entry and marked used.
    Slot &claim(const KeyHash &k) {
        size_t i = probe(k);
        if (slots[i].used) {
            if (!slots[i].snapshot.found) --negatives;
            Slot &s = slots[i];
            s = Slot{};
            s.key = k;
            s.used = true;
            return s;
        }
        if (size >= limit) evict_one();
        if ((size + 1) * 2 > slots.size()) grow();
        i = probe(k);
        ++size;
        Slot &s = slots[i];
        s = Slot{}; // nothing of an earlier occupant (its remembered spellings) may survive
        s.key = k;
        s.used = true;
        return s;
    }
};

CheckCache::CheckCache(size_t max_entries, size_t shards) {
    static_assert(sizeof(Slot) == 128, "a slot is meant to be exactly two cache lines");
    size_t n = 1;
    while (n < shards && n < 4096) n <<= 1;
    shard_mask_ = n - 1;
    shards_ = std::make_unique<Shard[]>(n);
    size_t per_shard = std::max<size_t>(1, max_entries / n);
    for (size_t i = 0; i < n; ++i) {
        shards_[i].limit = per_shard;
        shards_[i].reset(16);
    }
}

CheckCache::~CheckCache() = default;

CheckCache::Shard &CheckCache::shard_for(const KeyHash &hash) const {
    // The high word picks the shard, the low word the slot: independent bits of one keyed hash.
    return shards_[static_cast<size_t>(hash.hi) & shard_mask_];
}

void CheckCache::prefetch(const KeyHash &hash) const noexcept {
    const Shard &s = shard_for(hash);
    const Slot *base = s.hint_slots.load(std::memory_order_relaxed);
    size_t mask = s.hint_mask.load(std::memory_order_relaxed);
    if (base == nullptr) return;
    const char *slot = reinterpret_cast<const char *>(base + (static_cast<size_t>(hash.lo) & mask));
    __builtin_prefetch(slot);
    __builtin_prefetch(slot + 64);
}

void CheckCache::find(const KeyHash &hash, const SiteHash &site, Lookup &out) {
    Shard &s = shard_for(hash);
    std::lock_guard lock(s.mutex);
    Slot *e = s.lookup(hash);
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
        if (const uint8_t *f = e->alias(site)) {
            out.site = unpack(*f);
            out.site_known = true;
        }
    }
}

std::optional<SiteFacts> CheckCache::remember_site(const KeyHash &hash, const SiteHash &site, bool valid,
                                                   bool local_or_staging, std::string_view canonical) {
    Shard &s = shard_for(hash);
    std::lock_guard lock(s.mutex);
    Slot *e = s.lookup(hash);
    if (e == nullptr || !e->snapshot.found) return std::nullopt;
    SiteFacts facts{valid, local_or_staging, valid && e->cold && e->cold->is_activated(canonical)};
    e->remember(site, facts);
    return facts;
}

void CheckCache::insert(const KeyHash &hash, uint64_t epoch, const LicenseSnapshot &snapshot,
                        std::vector<std::string> activated_sites, const SiteHash *site, const SiteFacts *facts) {
    std::unique_ptr<Cold> cold;
    if (snapshot.found) {
        cold = std::make_unique<Cold>();
        cold->activated = std::move(activated_sites);
        std::sort(cold->activated.begin(), cold->activated.end());
    }
    Shard &s = shard_for(hash);
    std::lock_guard lock(s.mutex);
    if (s.epoch != epoch) return; // invalidated while we were reading: the snapshot may be stale
    Slot &e = s.claim(hash);
    e.snapshot = snapshot;
    e.cold = std::move(cold);
    e.referenced = true;
    if (!snapshot.found) ++s.negatives;
    if (site != nullptr && facts != nullptr && snapshot.found) e.remember(*site, *facts);
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
        s.reset(16);
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
