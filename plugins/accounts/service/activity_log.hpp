// accounts/service/activity_log.hpp — "last seen" times, written away from the check path.
//
// A session check only notes the time in memory; a background thread writes it, at most once per
// session per last_seen_interval_s (the caller decides when a note is due), batching whatever
// accumulated meanwhile.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace plinth::accounts {

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
