// accounts/service/session_cache.hpp — the in-process state behind plinth.session-check/1.
//
// SessionCache keeps what a token resolved to for at most `ttl_us` of host time, so a check
// costs a hash and a map lookup; a revocation made by this process evicts at once, one made by
// another process is seen within ttl_us. ActivityLog records "last seen" times away from the
// check path: a check only notes the time in memory, and a background thread writes it, at most
// once per session per last_seen_interval_s.
#pragma once

#include "../domain/session.hpp"
#include "../store/account_store.hpp"

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace plinth::accounts {

struct TokenHashHasher {
    size_t operator()(const TokenHash &h) const noexcept {
        // The key is already a uniformly random keyed hash: its first bytes are a fine bucket index.
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
    std::optional<SessionRecord> find(const TokenHash &hash, int64_t now_us) const;
    // Stores what was loaded; returns it with a newer last-seen time noted here kept.
    SessionRecord put(const TokenHash &hash, const SessionRecord &session, int64_t now_us);
    // Raises the cached last-seen time (after a check noted activity).
    void note_seen(const TokenHash &hash, int64_t last_seen_at);
    void erase(const TokenHash &hash);
    void erase_session(int64_t session_id);
    void erase_user(int64_t user_id);
    size_t size() const;

private:
    int64_t ttl_us_;
    size_t max_entries_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<TokenHash, CachedSession, TokenHashHasher> entries_;
};

// [thread-safe]
class ActivityLog {
public:
    using Writer = std::function<void(int64_t session_id, int64_t last_seen_at)>;
    using ErrorLog = std::function<void(std::string_view)>;

    ActivityLog(Writer writer, ErrorLog log);
    ~ActivityLog(); // writes what is pending, then stops the thread
    ActivityLog(const ActivityLog &) = delete;
    ActivityLog &operator=(const ActivityLog &) = delete;

    // Notes that `session_id` was used at `at`; never blocks on the database.
    void note(int64_t session_id, int64_t at);
    // The newest noted time not yet written, if any.
    std::optional<int64_t> pending(int64_t session_id) const;
    // Writes everything noted so far before returning (sweeps, tests, shutdown).
    void flush();
    // Batches written so far; changes only after a batch's rows are committed.
    uint64_t batches_written() const { return batches_done_.load(std::memory_order_acquire); }

private:
    void run();
    void write_batch(std::unique_lock<std::mutex> &lock);

    Writer writer_;
    ErrorLog log_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable written_;
    std::unordered_map<int64_t, int64_t> pending_;
    std::unordered_map<int64_t, int64_t> writing_;
    uint64_t batches_started_ = 0;
    std::atomic<uint64_t> batches_done_{0};
    bool stop_ = false;
    std::thread thread_;
};

} // namespace plinth::accounts
