// The change-log poller of Licensing: it reads the license change log written by every process
// (and every Galera node) and evicts what changed from the check cache, within the configured
// staleness. It runs on its own thread under poll_mutex_; the check path (check_path.cpp) never
// takes that lock: it reads cache_live_, which the poller publishes, and the sharded cache. Split
// from licensing.cpp, which keeps the catalogue, the licenses' lifecycle and the poller thread's
// start and stop.
#include "service/licensing.hpp"

#include <plinth/services/log.h>

#include <algorithm>
#include <chrono>

namespace plinth::licenses {

using sdk::db::Connection;

namespace {

// Change-log ids below the newest one that a fresh baseline re-reads: a transaction that took its
// id earlier may commit after the baseline was read.
constexpr int64_t kBaselineTail = 256;
// More ranges of unseen ids than this at once (one per change-log row read within gap_wait_ms) and
// the poller gives up tracking them and clears the cache.
constexpr size_t kMaxGaps = 4096;
constexpr int64_t kChangePage = 1000;

} // namespace

void Licensing::schema_ready() {
    if (!config_.cache_enabled) return;
    sdk::MutexLock lock(poll_mutex_);
    poll_once();
}

void Licensing::poll_loop() {
    auto interval = std::chrono::milliseconds(std::max<int64_t>(5, config_.staleness_ms / 2));
    sdk::MutexLock lock(poll_mutex_);
    while (!stopping_) {
        poll_once();
        auto next = std::chrono::steady_clock::now() + interval;
        while (!stopping_ && poll_cv_.wait_until(lock.native(), next) == std::cv_status::no_timeout) {
        }
    }
}

void Licensing::baseline(Connection &c) {
    int64_t top = store::last_change_id(c);
    last_change_id_ = std::max<int64_t>(0, top - kBaselineTail);
    gaps_.clear();
    cache_.clear();
    have_baseline_ = true;
}

bool Licensing::poll_once() {
    auto now = std::chrono::steady_clock::now();
    try {
        poll_pool_.run([&](Connection &c) {
            poll_mutex_.assume_held(); // run() calls this before it returns
            sdk::db::CausalReads causal(c); // on Galera: every node's changes committed so far
            if (!have_baseline_) baseline(c);
            for (;;) {
                std::vector<ChangeRecord> rows = store::changes_after(c, last_change_id_, kChangePage);
                for (const ChangeRecord &r : rows) {
                    if (r.id > last_change_id_ + 1) {
                        // Ids are taken at insert and become visible at commit, so a lower id may
                        // still appear: wait for it (a rolled-back one never will). On Galera ids
                        // step by the node count, so most gaps are ids no node will ever use: one
                        // range per row keeps them cheap to hold, and they are dropped after
                        // gap_wait_ms like any other.
                        if (gaps_.size() >= kMaxGaps) {
                            cache_.clear();
                            gaps_.clear();
                        } else {
                            gaps_.emplace(last_change_id_ + 1, Gap{r.id - 1, now});
                        }
                    }
                    cache_.invalidate(r.key_hash);
                    last_change_id_ = r.id;
                }
                if (static_cast<int64_t>(rows.size()) < kChangePage) break;
            }
            if (!gaps_.empty()) {
                for (const ChangeRecord &r : store::changes_between(c, gaps_.begin()->first, gaps_.rbegin()->second.last)) {
                    auto it = gaps_.upper_bound(r.id);
                    if (it == gaps_.begin()) continue;
                    --it;
                    if (r.id > it->second.last) continue; // a row seen before, between two gaps
                    // A late commit: its change counts now, and its id is no longer waited for.
                    cache_.invalidate(r.key_hash);
                    const int64_t first = it->first;
                    const Gap rest = it->second;
                    gaps_.erase(it);
                    if (first < r.id) gaps_.emplace(first, Gap{r.id - 1, rest.since});
                    if (r.id < rest.last) gaps_.emplace(r.id + 1, rest);
                }
                auto wait = std::chrono::milliseconds(config_.gap_wait_ms);
                std::erase_if(gaps_, [&](const auto &gap) { return now - gap.second.since > wait; });
            }
            int64_t unseen = 0;
            for (const auto &[first, gap] : gaps_) unseen += gap.last - first + 1;
            published_gap_ids_.store(unseen, std::memory_order_relaxed);
        });
    } catch (const std::exception &e) {
        if (!poll_failing_ && have_baseline_) log_(PLINTH_LOG_WARNING, std::string("change log poll failed: ") + e.what());
        poll_failing_ = true;
        // Past the staleness bound nothing cached can be trusted: serve from the database until
        // the change log is readable again.
        if (cache_live_.load() && now - last_poll_ok_ >= std::chrono::milliseconds(config_.staleness_ms)) {
            cache_live_.store(false);
            cache_.clear();
        }
        return false;
    }
    if (poll_failing_ && cache_live_.load()) log_(PLINTH_LOG_INFO, "change log poll recovered");
    poll_failing_ = false;
    last_poll_ok_ = now;
    published_change_id_.store(last_change_id_, std::memory_order_relaxed);
    cache_live_.store(true, std::memory_order_release);
    return true;
}

} // namespace plinth::licenses
