#include "service/check_cache.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <unordered_set>

namespace plinth::licenses {

namespace {

// A slot is sixteen 64-bit words, read by checks with relaxed atomic loads under the shard's
// sequence counter and written only by a writer holding the shard's mutex.
enum Word : size_t {
    kKeyLo = 0,
    kKeyHi,
    kFlags,
    kLicense,
    kExpires,
    kGrace,
    kSeats,       // seat_limit in the low half, seats_used in the high half
    kProductData, // points into the service's interned product slugs
    kProductSize,
    kAlias0Lo,
    kAlias0Hi,
    kAlias1Lo,
    kAlias1Hi,
    kCold,        // Cold*, owned; touched by writers only
    kSpare,
    kReferenced,  // CLOCK mark: set by checks (outside the sequence), cleared by the sweeping writer
    kWords
};
static_assert(CheckCache::kAliases == 2, "the slot layout holds two remembered spellings");

// kFlags bits.
constexpr uint64_t kUsed = 1u << 0;
constexpr uint64_t kFound = 1u << 1;
constexpr uint64_t kStagingExempt = 1u << 2;
constexpr int kStatusShift = 3;      // 2 bits
constexpr int kAliasCountShift = 5;  // 2 bits
constexpr int kAliasNextShift = 7;   // 1 bit
constexpr int kFactsShift = 8;       // 3 bits per alias
constexpr uint64_t kFactValid = 1, kFactLocal = 2, kFactActivated = 4;

void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

uint64_t ld(const uint64_t &w) noexcept { return __atomic_load_n(&w, __ATOMIC_RELAXED); }
void st(uint64_t &w, uint64_t v) noexcept { __atomic_store_n(&w, v, __ATOMIC_RELAXED); }

uint64_t pack(const SiteFacts &f) {
    return (f.valid ? kFactValid : 0) | (f.local_or_staging ? kFactLocal : 0) | (f.activated ? kFactActivated : 0);
}

SiteFacts unpack(uint64_t bits) {
    return SiteFacts{(bits & kFactValid) != 0, (bits & kFactLocal) != 0, (bits & kFactActivated) != 0};
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

struct alignas(64) CheckCache::Slot {
    uint64_t w[kWords];
};

struct alignas(64) CheckCache::Shard {
    // Read by every check; written by writers only. `seq` is odd while a writer changes slots.
    uint64_t seq = 0;
    Slot *slots = nullptr; // fixed for the cache's life: a check never reads freed memory
    size_t mask = 0;

    // Writers only (and stats), on their own cache lines so checks never contend with them.
    alignas(64) mutable std::mutex mutex;
    uint64_t epoch = 0; // invalidations so far (read atomically by misses)
    size_t size = 0;
    size_t negatives = 0;
    size_t limit = 1;
    size_t hand = 0;
    uint64_t misses = 0, evictions = 0, invalidations = 0;
    std::unordered_set<Cold *> colds; // every Cold this shard owns, so clear() need not scan

    // ---- writer side: REQUIRES mutex held ----

    void begin_write() {
        __atomic_store_n(&seq, seq + 1, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_RELEASE);
    }
    void end_write() { __atomic_store_n(&seq, seq + 1, __ATOMIC_RELEASE); }

    size_t home(uint64_t lo) const { return static_cast<size_t>(lo) & mask; }
    bool used(size_t i) const { return (ld(slots[i].w[kFlags]) & kUsed) != 0; }

    size_t probe(const KeyHash &k) const {
        size_t i = home(k.lo);
        while (used(i) && !(ld(slots[i].w[kKeyLo]) == k.lo && ld(slots[i].w[kKeyHi]) == k.hi)) i = (i + 1) & mask;
        return i;
    }

    Slot *lookup(const KeyHash &k) {
        size_t i = probe(k);
        return used(i) ? &slots[i] : nullptr;
    }

    void drop_cold(Slot &s) {
        auto *cold = reinterpret_cast<Cold *>(ld(s.w[kCold]));
        if (cold != nullptr) {
            colds.erase(cold);
            delete cold;
        }
    }

    void clear_slot(Slot &s) {
        for (uint64_t &w : s.w) st(w, 0);
    }

    void copy_slot(Slot &to, const Slot &from) {
        for (size_t k = 0; k < kWords; ++k) st(to.w[k], ld(from.w[k]));
    }

    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    // REQUIRES: inside begin_write()/end_write().
    void erase_at(size_t i) {
        if ((ld(slots[i].w[kFlags]) & kFound) == 0) --negatives;
        drop_cold(slots[i]);
        clear_slot(slots[i]);
        --size;
        size_t j = i;
        for (;;) {
            j = (j + 1) & mask;
            if (!used(j)) break;
            size_t k = home(ld(slots[j].w[kKeyLo]));
            bool movable = (j > i) ? (k <= i || k > j) : (k <= i && k > j);
            if (movable) {
                copy_slot(slots[i], slots[j]);
                clear_slot(slots[j]);
                i = j;
            }
        }
    }

    // CLOCK: sweep from the hand, sparing (once) entries used since the last pass.
    // REQUIRES: inside begin_write()/end_write(), size > 0.
    void evict_one() {
        for (;;) {
            hand &= mask;
            Slot &s = slots[hand];
            if (used(hand)) {
                if (ld(s.w[kReferenced]) == 0) {
                    erase_at(hand);
                    ++evictions;
                    return; // the hand stays: erase_at may have shifted a successor here
                }
                st(s.w[kReferenced], 0);
            }
            ++hand;
        }
    }

    // The slot for `k`, emptied of any previous entry and marked used with its key.
    // REQUIRES: inside begin_write()/end_write().
    Slot &claim(const KeyHash &k) {
        size_t i = probe(k);
        if (used(i)) {
            if ((ld(slots[i].w[kFlags]) & kFound) == 0) --negatives;
            drop_cold(slots[i]);
        } else {
            if (size >= limit) {
                evict_one();
                i = probe(k);
            }
            ++size;
        }
        Slot &s = slots[i];
        clear_slot(s); // nothing of an earlier occupant (its remembered spellings) may survive
        st(s.w[kKeyLo], k.lo);
        st(s.w[kKeyHi], k.hi);
        st(s.w[kFlags], kUsed);
        return s;
    }

    static void remember(Slot &s, const SiteHash &site, const SiteFacts &facts) {
        uint64_t flags = ld(s.w[kFlags]);
        uint64_t count = (flags >> kAliasCountShift) & 3;
        for (uint64_t a = 0; a < count; ++a)
            if (ld(s.w[kAlias0Lo + 2 * a]) == site.lo && ld(s.w[kAlias0Hi + 2 * a]) == site.hi) return;
        uint64_t next = (flags >> kAliasNextShift) & 1;
        st(s.w[kAlias0Lo + 2 * next], site.lo);
        st(s.w[kAlias0Hi + 2 * next], site.hi);
        uint64_t shift = kFactsShift + 3 * next;
        flags &= ~(uint64_t{7} << shift);
        flags |= pack(facts) << shift;
        flags &= ~((uint64_t{3} << kAliasCountShift) | (uint64_t{1} << kAliasNextShift));
        flags |= std::min<uint64_t>(count + 1, kAliases) << kAliasCountShift;
        flags |= ((next + 1) % kAliases) << kAliasNextShift;
        st(s.w[kFlags], flags);
    }
};

CheckCache::CheckCache(size_t max_entries, size_t shards) {
    static_assert(sizeof(Slot) == 128, "a slot is meant to be exactly two cache lines");
    size_t n = 1;
    while (n < shards && n < 4096) n <<= 1;
    shard_mask_ = n - 1;
    shards_ = std::make_unique<Shard[]>(n);
    size_t per_shard = std::max<size_t>(1, max_entries / n);
    // At most half full; at least one page per shard so clear() can hand pages back whole.
    size_t capacity = 32;
    while (capacity < 2 * per_shard) capacity <<= 1;
    table_bytes_ = n * capacity * sizeof(Slot);
    // Reserved, not committed: pages become resident as entries land on them.
    void *table = mmap(nullptr, table_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
    if (table == MAP_FAILED) throw std::bad_alloc();
    table_ = table;
    for (size_t i = 0; i < n; ++i) {
        Shard &s = shards_[i];
        s.limit = per_shard;
        s.mask = capacity - 1;
        s.slots = static_cast<Slot *>(table) + i * capacity;
    }
}

CheckCache::~CheckCache() {
    for (size_t i = 0; i <= shard_mask_; ++i)
        for (Cold *c : shards_[i].colds) delete c;
    munmap(table_, table_bytes_);
}

CheckCache::Shard &CheckCache::shard_for(const KeyHash &hash) const {
    // The high word picks the shard, the low word the slot: independent bits of one keyed hash.
    return shards_[static_cast<size_t>(hash.hi) & shard_mask_];
}

void CheckCache::prefetch(const KeyHash &hash) const noexcept {
    const Shard &s = shard_for(hash);
    const char *slot = reinterpret_cast<const char *>(s.slots + (static_cast<size_t>(hash.lo) & s.mask));
    __builtin_prefetch(slot);
    __builtin_prefetch(slot + 64);
}

// The reader side of the shard's sequence lock: no lock taken, nothing shared written (but the
// CLOCK mark when it was clear), so concurrent checks scale across cores.
void CheckCache::find(const KeyHash &hash, const SiteHash &site, Lookup &out) {
    Shard &s = shard_for(hash);
    for (;;) {
        uint64_t v1 = __atomic_load_n(&s.seq, __ATOMIC_ACQUIRE);
        if (v1 & 1) {
            spin_pause();
            continue;
        }
        Slot *hit = nullptr;
        uint64_t w[kWords];
        size_t i = static_cast<size_t>(hash.lo) & s.mask;
        // Bounded, because a torn read during a write could otherwise chase a cycle.
        for (size_t n = 0; n <= s.mask; ++n, i = (i + 1) & s.mask) {
            Slot &e = s.slots[i];
            uint64_t flags = ld(e.w[kFlags]);
            if ((flags & kUsed) == 0) break;
            if (ld(e.w[kKeyLo]) != hash.lo || ld(e.w[kKeyHi]) != hash.hi) continue;
            w[kFlags] = flags;
            for (size_t k = kLicense; k <= kAlias1Hi; ++k) w[k] = ld(e.w[k]);
            hit = &e;
            break;
        }
        uint64_t epoch = hit ? 0 : __atomic_load_n(&s.epoch, __ATOMIC_ACQUIRE);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&s.seq, __ATOMIC_RELAXED) != v1) continue; // a writer was busy: again

        out.site_known = false;
        if (hit == nullptr) {
            __atomic_fetch_add(&s.misses, 1, __ATOMIC_RELAXED);
            out.hit = false;
            out.epoch = epoch;
            return;
        }
        if (ld(hit->w[kReferenced]) == 0) st(hit->w[kReferenced], 1); // stored only when clear
        uint64_t flags = w[kFlags];
        out.hit = true;
        LicenseSnapshot &snap = out.snapshot;
        snap.found = (flags & kFound) != 0;
        snap.staging_exempt = (flags & kStagingExempt) != 0;
        snap.status = static_cast<LicenseStatus>((flags >> kStatusShift) & 3);
        snap.license_id = static_cast<int64_t>(w[kLicense]);
        snap.expires_at = static_cast<int64_t>(w[kExpires]);
        snap.grace_ends_at = static_cast<int64_t>(w[kGrace]);
        snap.seat_limit = static_cast<int32_t>(static_cast<uint32_t>(w[kSeats]));
        snap.seats_used = static_cast<int32_t>(static_cast<uint32_t>(w[kSeats] >> 32));
        snap.product = std::string_view(reinterpret_cast<const char *>(w[kProductData]), w[kProductSize]);
        if (snap.found) {
            uint64_t count = (flags >> kAliasCountShift) & 3;
            for (uint64_t a = 0; a < count; ++a) {
                if (w[kAlias0Lo + 2 * a] == site.lo && w[kAlias0Hi + 2 * a] == site.hi) {
                    out.site = unpack(flags >> (kFactsShift + 3 * a));
                    out.site_known = true;
                    break;
                }
            }
        }
        return;
    }
}

std::optional<SiteFacts> CheckCache::remember_site(const KeyHash &hash, const SiteHash &site, bool valid,
                                                   bool local_or_staging, std::string_view canonical) {
    Shard &s = shard_for(hash);
    std::lock_guard lock(s.mutex);
    Slot *e = s.lookup(hash);
    if (e == nullptr || (ld(e->w[kFlags]) & kFound) == 0) return std::nullopt;
    auto *cold = reinterpret_cast<const Cold *>(ld(e->w[kCold]));
    SiteFacts facts{valid, local_or_staging, valid && cold != nullptr && cold->is_activated(canonical)};
    s.begin_write();
    Shard::remember(*e, site, facts);
    s.end_write();
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
    // Everything that can throw happens before the write section: a writer must never leave the
    // sequence odd, or checks on this shard would wait forever.
    Cold *owned = nullptr;
    if (cold) {
        s.colds.insert(cold.get());
        owned = cold.release();
    }
    s.begin_write();
    Slot &e = s.claim(hash);
    uint64_t flags = kUsed | (snapshot.found ? kFound : 0) | (snapshot.staging_exempt ? kStagingExempt : 0) |
                     (static_cast<uint64_t>(snapshot.status) << kStatusShift);
    st(e.w[kFlags], flags);
    st(e.w[kLicense], static_cast<uint64_t>(snapshot.license_id));
    st(e.w[kExpires], static_cast<uint64_t>(snapshot.expires_at));
    st(e.w[kGrace], static_cast<uint64_t>(snapshot.grace_ends_at));
    st(e.w[kSeats], static_cast<uint64_t>(static_cast<uint32_t>(snapshot.seat_limit)) |
                        (static_cast<uint64_t>(static_cast<uint32_t>(snapshot.seats_used)) << 32));
    st(e.w[kProductData], reinterpret_cast<uint64_t>(snapshot.product.data()));
    st(e.w[kProductSize], snapshot.product.size());
    st(e.w[kReferenced], 1);
    st(e.w[kCold], reinterpret_cast<uint64_t>(owned));
    if (!snapshot.found) ++s.negatives;
    if (site != nullptr && facts != nullptr && snapshot.found) Shard::remember(e, *site, *facts);
    s.end_write();
}

void CheckCache::invalidate(const KeyHash &hash) {
    Shard &s = shard_for(hash);
    std::lock_guard lock(s.mutex);
    __atomic_store_n(&s.epoch, s.epoch + 1, __ATOMIC_RELEASE);
    ++s.invalidations;
    size_t i = s.probe(hash);
    if (!s.used(i)) return;
    s.begin_write();
    s.erase_at(i);
    s.end_write();
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
        __atomic_store_n(&s.epoch, s.epoch + 1, __ATOMIC_RELEASE);
        s.begin_write();
        for (Cold *c : s.colds) delete c;
        s.colds.clear();
        // The pages go back to the system and read as zeros (empty slots) from now on.
        size_t bytes = (s.mask + 1) * sizeof(Slot);
        if (madvise(s.slots, bytes, MADV_DONTNEED) != 0)
            for (size_t k = 0; k <= s.mask; ++k) s.clear_slot(s.slots[k]);
        s.size = 0;
        s.negatives = 0;
        s.hand = 0;
        s.end_write();
    }
}

CacheStats CheckCache::stats() const {
    CacheStats total;
    for (size_t i = 0; i <= shard_mask_; ++i) {
        const Shard &s = shards_[i];
        std::lock_guard lock(s.mutex);
        total.entries += s.size;
        total.negative_entries += s.negatives;
        total.misses += __atomic_load_n(&s.misses, __ATOMIC_RELAXED);
        total.evictions += s.evictions;
        total.invalidations += s.invalidations;
    }
    return total;
}

} // namespace plinth::licenses
