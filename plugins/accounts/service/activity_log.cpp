#include "activity_log.hpp"

#include <algorithm>
#include <exception>
#include <string>

namespace plinth::accounts {

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
