#include "session_cache.hpp"

#include <algorithm>
#include <exception>

namespace plinth::accounts {

// ---- SessionCache

std::optional<SessionRecord> SessionCache::find(const TokenHash &hash, int64_t now_us) const {
    if (!enabled()) return std::nullopt;
    std::shared_lock lock(mutex_);
    auto it = entries_.find(hash);
    if (it == entries_.end()) return std::nullopt;
    // A clock that went backwards makes the entry stale too, rather than fresh for longer.
    int64_t age = now_us - it->second.loaded_at_us;
    if (age < 0 || age >= ttl_us_) return std::nullopt;
    return it->second.session;
}

SessionRecord SessionCache::put(const TokenHash &hash, const SessionRecord &session, int64_t now_us) {
    if (!enabled()) return session;
    std::unique_lock lock(mutex_);
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
    std::unique_lock lock(mutex_);
    auto it = entries_.find(hash);
    if (it != entries_.end())
        it->second.session.times.last_seen_at = std::max(it->second.session.times.last_seen_at, last_seen_at);
}

void SessionCache::erase(const TokenHash &hash) {
    std::unique_lock lock(mutex_);
    entries_.erase(hash);
}

void SessionCache::erase_session(int64_t session_id) {
    std::unique_lock lock(mutex_);
    std::erase_if(entries_, [&](const auto &e) { return e.second.session.id == session_id; });
}

void SessionCache::erase_user(int64_t user_id) {
    std::unique_lock lock(mutex_);
    std::erase_if(entries_, [&](const auto &e) { return e.second.session.user_id == user_id; });
}

size_t SessionCache::size() const {
    std::shared_lock lock(mutex_);
    return entries_.size();
}

// ---- ActivityLog

ActivityLog::ActivityLog(Writer writer, ErrorLog log) : writer_(std::move(writer)), log_(std::move(log)) {
    thread_ = std::thread([this] { run(); });
}

ActivityLog::~ActivityLog() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void ActivityLog::note(int64_t session_id, int64_t at) {
    {
        std::lock_guard lock(mutex_);
        auto &slot = pending_[session_id];
        slot = std::max(slot, at);
    }
    wake_.notify_one();
}

std::optional<int64_t> ActivityLog::pending(int64_t session_id) const {
    std::lock_guard lock(mutex_);
    std::optional<int64_t> out;
    if (auto it = pending_.find(session_id); it != pending_.end()) out = it->second;
    if (auto it = writing_.find(session_id); it != writing_.end()) out = std::max(out.value_or(0), it->second);
    return out;
}

void ActivityLog::flush() {
    std::unique_lock lock(mutex_);
    // Wait for the batch in flight (if any), then for one that includes everything noted now.
    uint64_t target = batches_started_ + (pending_.empty() ? 0 : 1);
    auto done = [&] { return batches_done_.load(std::memory_order_acquire); };
    if (!pending_.empty()) wake_.notify_one();
    written_.wait(lock, [&] { return done() >= target || stop_; });
}

void ActivityLog::write_batch(std::unique_lock<std::mutex> &lock) {
    writing_.swap(pending_);
    ++batches_started_;
    lock.unlock();
    for (const auto &[session_id, at] : writing_) {
        try {
            writer_(session_id, at);
        } catch (const std::exception &e) {
            // Losing a last-seen update only shortens that session's idle window; never fatal.
            if (log_) log_(std::string("could not record session activity: ") + e.what());
        }
    }
    lock.lock();
    writing_.clear();
    batches_done_.fetch_add(1, std::memory_order_release);
    written_.notify_all();
}

void ActivityLog::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stop_ || !pending_.empty(); });
        if (!pending_.empty()) write_batch(lock);
        if (stop_ && pending_.empty()) break;
    }
    written_.notify_all();
}

} // namespace plinth::accounts
