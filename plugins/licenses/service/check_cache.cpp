#include "service/check_cache.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <sys/mman.h>
#include <unordered_map>
#include <unordered_set>

namespace plinth::licenses {

namespace {

// A slot is one cache line of eight 64-bit words, read by checks with relaxed atomic loads under
// the shard's sequence counter and written only by a writer holding the shard's mutex. A table of
// N slots is followed, in the same allocation, by N pairs of words holding the covering network's
// id of each remembered spelling: only a check answered through a network reads them, so a plain
// site check still touches one line.
enum Word : size_t {
    kKeyLo = 0,
    kKeyHi,
    kFlags,    // flag bits below in the low half, grace seconds (grace_ends_at - expires_at) high
    kExpires,
    kSeats,    // seat_limit in the low half, seats_used in the high half
    kProduct,  // const std::string *, interned by the cache for its whole life
    kAlias0,   // remembered spellings of a site (SiteHash values)
    kAlias1,
    kWords
};
static_assert(CheckCache::kAliases == 2, "the slot layout holds two remembered spellings");

constexpr uint64_t kUsed = 1u << 0;
constexpr uint64_t kFound = 1u << 1;
constexpr uint64_t kStagingExempt = 1u << 2;
constexpr int kStatusShift = 3;     // 2 bits
constexpr int kAliasCountShift = 5; // 2 bits
constexpr int kAliasNextShift = 7;  // 1 bit
constexpr int kFactsShift = 8;      // kFactBits per alias
constexpr int kFactBits = 6;        // valid, local, activated, then the Coverage in three bits
constexpr uint64_t kFactMask = (uint64_t{1} << kFactBits) - 1;
constexpr uint64_t kReferenced = uint64_t{1} << 20; // CLOCK mark: set by checks, cleared by the sweep
constexpr uint64_t kFactValid = 1, kFactLocal = 2, kFactActivated = 4;
constexpr int kFactCoverageShift = 3;
static_assert(kFactsShift + 2 * kFactBits <= 20, "alias facts overlap the CLOCK mark");

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
    return (f.valid ? kFactValid : 0) | (f.local_or_staging ? kFactLocal : 0) | (f.activated ? kFactActivated : 0) |
           ((static_cast<uint64_t>(f.coverage) & 7) << kFactCoverageShift);
}

SiteFacts unpack(uint64_t bits) {
    SiteFacts f;
    f.valid = (bits & kFactValid) != 0;
    f.local_or_staging = (bits & kFactLocal) != 0;
    f.activated = (bits & kFactActivated) != 0;
    f.coverage = static_cast<Coverage>((bits >> kFactCoverageShift) & 7);
    return f;
}

// Spellings answered through a network carry the network's id in the words after the table.
bool through_network(uint64_t fact_bits) {
    auto c = static_cast<Coverage>((fact_bits >> kFactCoverageShift) & 7);
    return c != Coverage::none && c != Coverage::site;
}

struct KeyHashHasher {
    size_t operator()(const KeyHash &k) const noexcept { return static_cast<size_t>(k.lo ^ (k.hi * 0x9E3779B97F4A7C15ull)); }
};

} // namespace

// What a check never needs: the activated sites, read only when a new spelling of a site arrives.
struct CheckCache::Cold {
    LicenseSites sites; // sorted
};

struct alignas(64) CheckCache::Slot {
    uint64_t w[kWords];
};

namespace {

// Slot tables come straight from mmap: zeroed, and from 2 MiB on aligned to 2 MiB and advised as
// transparent huge pages. At a million licenses the tables hold ~160 MiB; in 4 KiB pages every
// random check would also miss the TLB and walk the page tables (more cache misses than the slot
// itself), in 2 MiB pages the whole cache fits the second-level TLB. Where THP is off the advice
// is ignored and the table works the same.
constexpr size_t kHugePage = size_t{2} << 20;

struct TableMemory {
    size_t bytes = 0;
    void operator()(void *p) const noexcept {
        if (p != nullptr) ::munmap(p, bytes);
    }
};

void *map_zeroed(size_t bytes) {
    void *p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
}

} // namespace

struct alignas(64) CheckCache::Shard {
    using Table = std::unique_ptr<Slot[], TableMemory>;

    // Read by every check; written by writers only. `seq` is odd while a writer changes slots.
    // `table` is the current slot array's address with log2 of its capacity in the low six bits
    // (slots are 64-byte aligned), so one load gives a consistent pair.
    uint64_t seq = 0;
    uint64_t table = 0;

    // Writers only (and stats), on their own cache lines so checks never contend with them.
    alignas(64) mutable sdk::Mutex mutex;
    Slot *slots PLINTH_GUARDED_BY(mutex) = nullptr; // == the current table
    size_t mask PLINTH_GUARDED_BY(mutex) = 0;
    // Every table this shard ever had, the current one last. A table outgrown is kept until the
    // cache is destroyed, because a check may still be reading it (its sequence check then fails
    // and it retries); doubling bounds what is kept to the size of the current table.
    std::vector<Table> tables PLINTH_GUARDED_BY(mutex);
    std::unordered_map<KeyHash, std::unique_ptr<Cold>, KeyHashHasher> colds PLINTH_GUARDED_BY(mutex); // per found entry
    // Invalidations so far: written under mutex, read atomically by misses (so not GUARDED_BY).
    uint64_t epoch = 0;
    size_t size PLINTH_GUARDED_BY(mutex) = 0;
    size_t negatives PLINTH_GUARDED_BY(mutex) = 0;
    size_t limit PLINTH_GUARDED_BY(mutex) = 1;
    size_t hand PLINTH_GUARDED_BY(mutex) = 0;
    uint64_t misses = 0; // counted atomically by checks
    uint64_t evictions PLINTH_GUARDED_BY(mutex) = 0;
    uint64_t invalidations PLINTH_GUARDED_BY(mutex) = 0;

    static Slot *slots_of(uint64_t table) { return reinterpret_cast<Slot *>(table & ~uint64_t{63}); }
    static size_t mask_of(uint64_t table) { return (size_t{1} << (table & 63)) - 1; }
    // The two network words of slot `i` in a table of `capacity` slots.
    static uint64_t *networks_of(Slot *table_slots, size_t capacity, size_t i) {
        return reinterpret_cast<uint64_t *>(table_slots + capacity) + 2 * i;
    }
    uint64_t *networks(size_t i) const PLINTH_REQUIRES(mutex) { return networks_of(slots, mask + 1, i); }

    // ---- writer side: every member function below REQUIRES mutex held ----

    // A zeroed table with its network words (capacity / 4 more slots' worth; capacity is a power
    // of two of at least kInitialCapacity). May throw: call outside a write section.
    static Table allocate(size_t capacity) {
        size_t bytes = (capacity + capacity / 4) * sizeof(Slot);
        if (bytes < kHugePage) return Table(static_cast<Slot *>(map_zeroed(bytes)), TableMemory{bytes});
        bytes = (bytes + kHugePage - 1) & ~(kHugePage - 1);
        // Over-map by one huge page, then return the unaligned head and the tail.
        size_t span = bytes + kHugePage;
        auto start = reinterpret_cast<uintptr_t>(map_zeroed(span));
        uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
        if (aligned > start) ::munmap(reinterpret_cast<void *>(start), aligned - start);
        if (size_t tail = start + span - (aligned + bytes); tail > 0) ::munmap(reinterpret_cast<void *>(aligned + bytes), tail);
        ::madvise(reinterpret_cast<void *>(aligned), bytes, MADV_HUGEPAGE); // a hint; failure changes nothing
        return Table(reinterpret_cast<Slot *>(aligned), TableMemory{bytes});
    }

    // REQUIRES: inside begin_write()/end_write() unless no check can see this shard yet, and
    // room in `tables` (reserved beforehand, so this does not throw).
    void install(Table fresh, size_t capacity) PLINTH_REQUIRES(mutex) {
        slots = fresh.get();
        mask = capacity - 1;
        tables.push_back(std::move(fresh));
        uint64_t log2 = 0;
        while ((size_t{1} << log2) < capacity) ++log2;
        __atomic_store_n(&table, reinterpret_cast<uint64_t>(slots) | log2, __ATOMIC_RELEASE);
    }

    void begin_write() PLINTH_REQUIRES(mutex) {
        __atomic_store_n(&seq, seq + 1, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_RELEASE);
    }
    void end_write() PLINTH_REQUIRES(mutex) { __atomic_store_n(&seq, seq + 1, __ATOMIC_RELEASE); }

    size_t home(uint64_t lo) const PLINTH_REQUIRES(mutex) { return static_cast<size_t>(lo) & mask; }
    bool used(size_t i) const PLINTH_REQUIRES(mutex) { return (ld(slots[i].w[kFlags]) & kUsed) != 0; }
    static KeyHash key_of(const Slot &s) { return KeyHash{ld(s.w[kKeyLo]), ld(s.w[kKeyHi])}; }

    size_t probe(const KeyHash &k) const PLINTH_REQUIRES(mutex) {
        size_t i = home(k.lo);
        while (used(i) && !(key_of(slots[i]) == k)) i = (i + 1) & mask;
        return i;
    }

    Slot *lookup(const KeyHash &k) PLINTH_REQUIRES(mutex) {
        size_t i = probe(k);
        return used(i) ? &slots[i] : nullptr;
    }

    void clear_at(size_t i) PLINTH_REQUIRES(mutex) {
        for (uint64_t &w : slots[i].w) st(w, 0);
        uint64_t *n = networks(i);
        st(n[0], 0);
        st(n[1], 0);
    }

    // Slot `from` of `from_slots` (a table of `from_capacity`) into slot `i` of the current table.
    void copy_into(size_t i, Slot *from_slots, size_t from_capacity, size_t from) PLINTH_REQUIRES(mutex) {
        for (size_t k = 0; k < kWords; ++k) st(slots[i].w[k], ld(from_slots[from].w[k]));
        const uint64_t *src = networks_of(from_slots, from_capacity, from);
        uint64_t *dst = networks(i);
        st(dst[0], ld(src[0]));
        st(dst[1], ld(src[1]));
    }

    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    // REQUIRES: inside begin_write()/end_write().
    void erase_at(size_t i) PLINTH_REQUIRES(mutex) {
        if ((ld(slots[i].w[kFlags]) & kFound) == 0) --negatives;
        colds.erase(key_of(slots[i]));
        clear_at(i);
        --size;
        size_t j = i;
        for (;;) {
            j = (j + 1) & mask;
            if (!used(j)) break;
            size_t k = home(ld(slots[j].w[kKeyLo]));
            bool movable = (j > i) ? (k <= i || k > j) : (k <= i && k > j);
            if (movable) {
                copy_into(i, slots, mask + 1, j);
                clear_at(j);
                i = j;
            }
        }
    }

    // CLOCK: sweep from the hand, sparing (once) entries used since the last pass.
    // REQUIRES: inside begin_write()/end_write(), size > 0.
    void evict_one() PLINTH_REQUIRES(mutex) {
        for (;;) {
            hand &= mask;
            Slot &s = slots[hand];
            uint64_t flags = ld(s.w[kFlags]);
            if (flags & kUsed) {
                if ((flags & kReferenced) == 0) {
                    erase_at(hand);
                    ++evictions;
                    return; // the hand stays: erase_at may have shifted a successor here
                }
                __atomic_fetch_and(&s.w[kFlags], ~kReferenced, __ATOMIC_RELAXED);
            }
            ++hand;
        }
    }

    // Whether claiming a new key would need a bigger table (keeping it at most half full).
    bool needs_growth() const PLINTH_REQUIRES(mutex) { return size < limit && (size + 1) * 2 > mask + 1; }

    // Moves every entry into `fresh` (twice the size) and publishes it.
    // REQUIRES: inside begin_write()/end_write(); `fresh` zeroed; room in `tables`.
    void grow_into(Table fresh) PLINTH_REQUIRES(mutex) {
        Slot *old = slots;
        size_t old_capacity = mask + 1;
        install(std::move(fresh), old_capacity * 2);
        for (size_t i = 0; i < old_capacity; ++i) {
            if ((ld(old[i].w[kFlags]) & kUsed) == 0) continue;
            size_t j = home(ld(old[i].w[kKeyLo]));
            while (used(j)) j = (j + 1) & mask;
            copy_into(j, old, old_capacity, i);
        }
        hand = 0;
    }

    // The index of the slot for `k`, emptied of any previous entry, holding only its key so far.
    // REQUIRES: inside begin_write()/end_write(); !needs_growth() for a new key.
    size_t claim(const KeyHash &k) PLINTH_REQUIRES(mutex) {
        size_t i = probe(k);
        if (used(i)) {
            if ((ld(slots[i].w[kFlags]) & kFound) == 0) --negatives;
        } else {
            if (size >= limit) {
                evict_one();
                i = probe(k);
            }
            ++size;
        }
        clear_at(i); // nothing of an earlier occupant (its remembered spellings) may survive
        st(slots[i].w[kKeyLo], k.lo);
        st(slots[i].w[kKeyHi], k.hi);
        return i;
    }

    // REQUIRES: inside begin_write()/end_write().
    void remember(size_t i, const SiteHash &site, const SiteFacts &facts) PLINTH_REQUIRES(mutex) {
        Slot &s = slots[i];
        uint64_t flags = ld(s.w[kFlags]);
        uint64_t count = (flags >> kAliasCountShift) & 3;
        for (uint64_t a = 0; a < count; ++a)
            if (ld(s.w[kAlias0 + a]) == site.value) return;
        uint64_t next = (flags >> kAliasNextShift) & 1;
        st(s.w[kAlias0 + next], site.value);
        st(networks(i)[next], static_cast<uint64_t>(facts.network_id));
        uint64_t shift = kFactsShift + kFactBits * next;
        flags &= ~(kFactMask << shift);
        flags |= pack(facts) << shift;
        flags &= ~((uint64_t{3} << kAliasCountShift) | (uint64_t{1} << kAliasNextShift));
        flags |= std::min<uint64_t>(count + 1, kAliases) << kAliasCountShift;
        flags |= ((next + 1) % kAliases) << kAliasNextShift;
        st(s.w[kFlags], flags);
    }
};

CheckCache::CheckCache(size_t max_entries, size_t shards) {
    static_assert(sizeof(Slot) == 64, "a slot is meant to be exactly one cache line");
    static_assert(alignof(Slot) >= 64, "the low six bits of a slot address carry the table size");
    size_t n = 1;
    while (n < shards && n < 4096) n <<= 1;
    shard_mask_ = n - 1;
    shards_ = std::make_unique<Shard[]>(n);
    size_t per_shard = std::max<size_t>(1, max_entries / n);
    for (size_t i = 0; i < n; ++i) {
        Shard &s = shards_[i];
        sdk::MutexLock lock(s.mutex); // no check can see the shard yet; the analysis wants it
        s.limit = per_shard;
        s.tables.reserve(64);
        s.install(Shard::allocate(kInitialCapacity), kInitialCapacity);
    }
}

CheckCache::~CheckCache() = default;

CheckCache::Shard &CheckCache::shard_for(const KeyHash &hash) const {
    // The high word picks the shard, the low word the slot: independent bits of one keyed hash.
    return shards_[static_cast<size_t>(hash.hi) & shard_mask_];
}

const std::string *CheckCache::intern(std::string_view product) {
    sdk::MutexLock lock(products_mutex_);
    return &*products_.emplace(product).first;
}

void CheckCache::prefetch(const KeyHash &hash, bool network_words) const noexcept {
    const Shard &s = shard_for(hash);
    uint64_t table = __atomic_load_n(&s.table, __ATOMIC_RELAXED);
    size_t mask = Shard::mask_of(table);
    size_t i = static_cast<size_t>(hash.lo) & mask;
    __builtin_prefetch(Shard::slots_of(table) + i);
    if (network_words) __builtin_prefetch(Shard::networks_of(Shard::slots_of(table), mask + 1, i));
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
        int alias = -1;       // the remembered spelling that matched
        uint64_t network = 0; // its network word, read only when it was answered through one
        uint64_t table = __atomic_load_n(&s.table, __ATOMIC_ACQUIRE);
        Slot *slots = Shard::slots_of(table);
        size_t mask = Shard::mask_of(table);
        size_t i = static_cast<size_t>(hash.lo) & mask;
        // Bounded, because a torn read during a write could otherwise chase a cycle.
        for (size_t n = 0; n <= mask; ++n, i = (i + 1) & mask) {
            Slot &e = slots[i];
            uint64_t flags = ld(e.w[kFlags]);
            if ((flags & kUsed) == 0) break;
            if (ld(e.w[kKeyLo]) != hash.lo || ld(e.w[kKeyHi]) != hash.hi) continue;
            w[kFlags] = flags;
            for (size_t k = kExpires; k < kWords; ++k) w[k] = ld(e.w[k]);
            hit = &e;
            uint64_t count = (flags >> kAliasCountShift) & 3;
            for (uint64_t a = 0; a < count && a < kAliases; ++a) {
                if (w[kAlias0 + a] != site.value) continue;
                alias = static_cast<int>(a);
                if (through_network(flags >> (kFactsShift + kFactBits * a)))
                    network = ld(Shard::networks_of(slots, mask + 1, i)[a]);
                break;
            }
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
        uint64_t flags = w[kFlags];
        // Stored only when clear, so a steady hit writes nothing. (A writer may have reused the
        // slot since: marking another entry used is harmless.)
        if ((flags & kReferenced) == 0) __atomic_fetch_or(&hit->w[kFlags], kReferenced, __ATOMIC_RELAXED);
        out.hit = true;
        LicenseSnapshot &snap = out.snapshot;
        snap.found = (flags & kFound) != 0;
        snap.staging_exempt = (flags & kStagingExempt) != 0;
        snap.status = static_cast<LicenseStatus>((flags >> kStatusShift) & 3);
        snap.license_id = 0; // not kept: no verdict needs it
        snap.expires_at = static_cast<int64_t>(w[kExpires]);
        snap.grace_ends_at = snap.expires_at == 0 ? 0 : snap.expires_at + static_cast<int64_t>(flags >> 32);
        snap.seat_limit = static_cast<int32_t>(static_cast<uint32_t>(w[kSeats]));
        snap.seats_used = static_cast<int32_t>(static_cast<uint32_t>(w[kSeats] >> 32));
        const auto *product = reinterpret_cast<const std::string *>(w[kProduct]);
        snap.product = product ? std::string_view(*product) : std::string_view();
        if (snap.found && alias >= 0) {
            out.site = unpack(flags >> (kFactsShift + kFactBits * alias));
            out.site.network_id = static_cast<int64_t>(network);
            out.site_known = true;
        }
        return;
    }
}

std::optional<SiteFacts> CheckCache::remember_site(const KeyHash &hash, const SiteHash &site, bool valid,
                                                   bool local_or_staging, std::string_view canonical,
                                                   std::string_view network) {
    Shard &s = shard_for(hash);
    sdk::MutexLock lock(s.mutex);
    size_t i = s.probe(hash);
    if (!s.used(i) || (ld(s.slots[i].w[kFlags]) & kFound) == 0) return std::nullopt;
    auto cold = s.colds.find(hash);
    SiteFacts facts{valid, local_or_staging, false, Coverage::none, 0};
    if (valid && cold != s.colds.end()) {
        CoverageAnswer answer = cover(cold->second->sites, canonical, network);
        facts.activated = answer.covered();
        facts.coverage = answer.coverage;
        facts.network_id = answer.network_id;
    }
    s.begin_write();
    s.remember(i, site, facts);
    s.end_write();
    return facts;
}

void CheckCache::insert(const KeyHash &hash, uint64_t epoch, const LicenseSnapshot &snapshot, LicenseSites sites,
                        const SiteHash *site, const SiteFacts *facts) {
    std::unique_ptr<Cold> cold;
    const std::string *product = nullptr;
    if (snapshot.found) {
        cold = std::make_unique<Cold>();
        cold->sites = std::move(sites);
        cold->sites.sort();
        product = intern(snapshot.product);
    }
    uint64_t grace = snapshot.expires_at == 0 ? 0 : static_cast<uint64_t>(snapshot.grace_ends_at - snapshot.expires_at);
    Shard &s = shard_for(hash);
    sdk::MutexLock lock(s.mutex);
    if (s.epoch != epoch) return; // invalidated while we were reading: the snapshot may be stale
    // Everything that can throw happens before the write section: a writer must never leave the
    // sequence odd, or checks on this shard would wait forever.
    Shard::Table bigger;
    if (s.lookup(hash) == nullptr && s.needs_growth()) {
        bigger = Shard::allocate(2 * (s.mask + 1));
        if (s.tables.size() == s.tables.capacity()) s.tables.reserve(s.tables.size() * 2);
    }
    if (cold) s.colds[hash] = std::move(cold);
    else s.colds.erase(hash);
    s.begin_write();
    if (bigger) s.grow_into(std::move(bigger));
    size_t at = s.claim(hash);
    Slot &e = s.slots[at];
    uint64_t flags = kUsed | kReferenced | (snapshot.found ? kFound : 0) |
                     (snapshot.staging_exempt ? kStagingExempt : 0) |
                     (static_cast<uint64_t>(snapshot.status) << kStatusShift) | (std::min<uint64_t>(grace, UINT32_MAX) << 32);
    st(e.w[kFlags], flags);
    st(e.w[kExpires], static_cast<uint64_t>(snapshot.expires_at));
    st(e.w[kSeats], static_cast<uint64_t>(static_cast<uint32_t>(snapshot.seat_limit)) |
                        (static_cast<uint64_t>(static_cast<uint32_t>(snapshot.seats_used)) << 32));
    st(e.w[kProduct], reinterpret_cast<uint64_t>(product));
    if (!snapshot.found) ++s.negatives;
    if (site != nullptr && facts != nullptr && snapshot.found) s.remember(at, *site, *facts);
    s.end_write();
}

void CheckCache::invalidate(const KeyHash &hash) {
    Shard &s = shard_for(hash);
    sdk::MutexLock lock(s.mutex);
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
    sdk::MutexLock lock(s.mutex);
    return s.lookup(hash) != nullptr;
}

void CheckCache::clear() {
    for (size_t i = 0; i <= shard_mask_; ++i) {
        Shard &s = shards_[i];
        sdk::MutexLock lock(s.mutex);
        __atomic_store_n(&s.epoch, s.epoch + 1, __ATOMIC_RELEASE);
        s.begin_write();
        // In place, slot by slot: a check may be reading this table right now. (The table keeps
        // its size; entries will be back.)
        for (size_t k = 0; k <= s.mask; ++k)
            if (s.used(k)) s.clear_at(k);
        s.size = 0;
        s.negatives = 0;
        s.hand = 0;
        s.end_write();
        s.colds.clear();
    }
}

std::optional<std::string> CheckCache::network_name(const KeyHash &hash, int64_t network_id) const {
    Shard &s = shard_for(hash);
    sdk::MutexLock lock(s.mutex);
    auto cold = s.colds.find(hash);
    if (cold == s.colds.end()) return std::nullopt;
    for (const ActivatedNetwork &n : cold->second->sites.networks)
        if (n.id == network_id) return n.canonical;
    return std::nullopt;
}

CacheStats CheckCache::stats() const {
    CacheStats total;
    for (size_t i = 0; i <= shard_mask_; ++i) {
        const Shard &s = shards_[i];
        sdk::MutexLock lock(s.mutex);
        total.entries += s.size;
        total.negative_entries += s.negatives;
        total.misses += __atomic_load_n(&s.misses, __ATOMIC_RELAXED);
        total.evictions += s.evictions;
        total.invalidations += s.invalidations;
    }
    return total;
}

} // namespace plinth::licenses
