#include "session_cache.hpp"

#include <algorithm>

namespace plinth::accounts {

// ---- SessionCache

std::optional<SessionRecord> SessionCache::find(const TokenHash &hash, int64_t now_us) const {
    if (!enabled()) return std::nullopt;
    sdk::ReaderLock lock(mutex_);
    auto it = entries_.find(hash);
    if (it == entries_.end()) return std::nullopt;
    // A clock that went backwards makes the entry stale too, rather than fresh for longer.
    int64_t age = now_us - it->second.loaded_at_us;
    if (age < 0 || age >= ttl_us_) return std::nullopt;
    return it->second.session;
}

SessionRecord SessionCache::put(const TokenHash &hash, const SessionRecord &session, int64_t now_us,
                                uint64_t generation) {
    if (!enabled()) return session;
    sdk::WriterLock lock(mutex_);
    // Erases bump the generation under this lock, so either that erase came after this put (and
    // removes the entry) or the session was read before an eviction and must not be kept.
    if (generation_.load(std::memory_order_relaxed) != generation) return session;
    if (entries_.size() >= max_entries_ && entries_.find(hash) == entries_.end()) {
        std::erase_if(entries_, [&](const auto &e) { return now_us - e.second.loaded_at_us >= ttl_us_; });
        // Still full of fresh entries: start over rather than grow without bound.
        if (entries_.size() >= max_entries_) entries_.clear();
    }
    auto &entry = entries_[hash];
    // Keep a newer last-seen noted here while the database has not caught up yet.
    int64_t seen = session.times.last_seen_at;
    if (entry.session.id == session.id) seen = std::max(seen, entry.session.times.last_seen_at);
    entry.session = session;
    entry.session.times.last_seen_at = seen;
    entry.loaded_at_us = now_us;
    return entry.session;
}

void SessionCache::note_seen(const TokenHash &hash, int64_t last_seen_at) {
    if (!enabled()) return;
    sdk::WriterLock lock(mutex_);
    auto it = entries_.find(hash);
    if (it != entries_.end())
        it->second.session.times.last_seen_at = std::max(it->second.session.times.last_seen_at, last_seen_at);
}

void SessionCache::erase(const TokenHash &hash) {
    sdk::WriterLock lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
    entries_.erase(hash);
}

void SessionCache::erase_session(int64_t session_id) {
    sdk::WriterLock lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
    std::erase_if(entries_, [&](const auto &e) { return e.second.session.id == session_id; });
}

void SessionCache::erase_user(int64_t user_id) {
    sdk::WriterLock lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
    std::erase_if(entries_, [&](const auto &e) { return e.second.session.user_id == user_id; });
}

void SessionCache::clear() {
    sdk::WriterLock lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
    entries_.clear();
}

size_t SessionCache::size() const {
    sdk::ReaderLock lock(mutex_);
    return entries_.size();
}

} // namespace plinth::accounts
