// accounts/service/session_cache.hpp — what tokens resolved to, kept briefly in process.
//
// SessionCache keeps what a token resolved to for at most `ttl_us` of host time, so a check
// costs a hash and a map lookup; a revocation made by this process evicts at once, one made by
// another process is seen within ttl_us.
#pragma once

#include "../domain/session.hpp"
#include "../store/account_store.hpp"

#include <plinth/sdk/thread_annotations.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
#include <unordered_map>

namespace plinth::accounts {

struct TokenHashHasher {
    size_t operator()(const TokenHash &h) const noexcept {
        // The key is already a SHA-256 of random bytes: its first bytes are a fine bucket index.
        size_t v;
        static_assert(sizeof v <= sizeof(TokenHash));
        std::memcpy(&v, h.data(), sizeof v);
        return v;
    }
};

struct CachedSession {
    SessionRecord session;
    int64_t loaded_at_us = 0;
};

// [thread-safe]
class SessionCache {
public:
    SessionCache(int64_t ttl_us, size_t max_entries) : ttl_us_(ttl_us), max_entries_(max_entries) {}

    bool enabled() const { return ttl_us_ > 0; }
    // The entry for `hash` if it was loaded less than ttl ago.
    std::optional<SessionRecord> find(const TokenHash &hash, int64_t now_us) const PLINTH_EXCLUDES(mutex_);
    // Taken before reading a session from the database and handed to put(). Every erase moves it
    // on, so a put of a row read before an eviction is dropped instead of bringing back a session
    // that was revoked meanwhile.
    uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
    // Stores what was loaded unless an erase happened since `generation` was taken; returns it
    // with a newer last-seen time noted here kept.
    SessionRecord put(const TokenHash &hash, const SessionRecord &session, int64_t now_us, uint64_t generation) PLINTH_EXCLUDES(mutex_);
    // Raises the cached last-seen time (after a check noted activity).
    void note_seen(const TokenHash &hash, int64_t last_seen_at) PLINTH_EXCLUDES(mutex_);
    void erase(const TokenHash &hash) PLINTH_EXCLUDES(mutex_);
    void erase_session(int64_t session_id) PLINTH_EXCLUDES(mutex_);
    void erase_user(int64_t user_id) PLINTH_EXCLUDES(mutex_);
    void clear() PLINTH_EXCLUDES(mutex_);
    size_t size() const PLINTH_EXCLUDES(mutex_);

private:
    int64_t ttl_us_;
    size_t max_entries_;
    mutable sdk::SharedMutex mutex_;
    std::unordered_map<TokenHash, CachedSession, TokenHashHasher> entries_ PLINTH_GUARDED_BY(mutex_);
    // One counter for the whole cache: evictions are rare next to checks, and a dropped put only
    // costs the next check one more read.
    std::atomic<uint64_t> generation_{0};
};

} // namespace plinth::accounts
