#include <plinth/storage/budget.hpp>

#include <plinth/sdk/host.hpp>

#include <algorithm>
#include <cstring>

namespace plinth::storage {

namespace {

// A waiter looks for idle connections again this often: one may have been pooled between its
// last look and its wait (a pool checks for waiters only when a connection is given back).
constexpr auto kReclaimInterval = std::chrono::milliseconds(50);

} // namespace

// ---- LocalConnectionBudget ----

LocalConnectionBudget::LocalConnectionBudget(size_t limit) : limit_(std::max<size_t>(1, limit)) {}

bool LocalConnectionBudget::acquire(Deadline deadline) {
    sdk::MutexLock lock(mutex_);
    if (open_ < limit_) {
        ++open_;
        return true;
    }
    waiting_.fetch_add(1, std::memory_order_relaxed);
    struct Leave {
        std::atomic<uint32_t> &waiting;
        ~Leave() { waiting.fetch_sub(1, std::memory_order_relaxed); }
    } leave{waiting_};
    for (;;) {
        lock.unlock();
        bool freed = reclaim_one();
        lock.lock();
        if (open_ < limit_) {
            ++open_;
            return true;
        }
        if (freed) continue; // another waiter took it; look for the next idle connection
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return false;
        freed_.wait_until(lock.native(), std::min(deadline, now + kReclaimInterval));
        if (open_ < limit_) {
            ++open_;
            return true;
        }
    }
}

void LocalConnectionBudget::release() noexcept {
    {
        sdk::MutexLock lock(mutex_);
        if (open_ > 0) --open_;
    }
    freed_.notify_one();
}

size_t LocalConnectionBudget::in_use() const {
    sdk::MutexLock lock(mutex_);
    return open_;
}

uint64_t LocalConnectionBudget::add_reclaimer(void *context, ReclaimFn reclaim) {
    sdk::MutexLock lock(reclaim_mutex_);
    uint64_t handle = next_handle_++;
    reclaimers_.emplace(handle, std::make_pair(context, reclaim));
    return handle;
}

void LocalConnectionBudget::remove_reclaimer(uint64_t handle) noexcept {
    sdk::MutexLock lock(reclaim_mutex_); // waits for a reclaimer that is running now
    reclaimers_.erase(handle);
}

size_t LocalConnectionBudget::shed_idle() noexcept {
    size_t closed = 0;
    while (reclaim_one()) ++closed;
    return closed;
}

bool LocalConnectionBudget::reclaim_one() noexcept {
    sdk::MutexLock lock(reclaim_mutex_);
    for (const auto &[handle, reclaimer] : reclaimers_) {
        (void)handle;
        if (reclaimer.second(reclaimer.first) == 1) return true;
    }
    return false;
}

// ---- HostConnectionBudget ----

HostConnectionBudget::HostConnectionBudget(const plinth_host *host, const plinth_connections_v1 &table)
    : host_(host) {
    std::memcpy(&table_, &table, std::min<size_t>(table.struct_size, sizeof table_));
    if (!table_.limit || !table_.acquire || !table_.release || !table_.waiting || !table_.add_reclaimer ||
        !table_.remove_reclaimer || !table_.shed_idle)
        throw sdk::unavailable("the host's plinth.connections/1 table is incomplete");
}

size_t HostConnectionBudget::limit() const { return table_.limit(host_); }

bool HostConnectionBudget::acquire(Deadline deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    uint32_t timeout_ms = static_cast<uint32_t>(std::clamp<int64_t>(left.count(), 0, INT32_MAX));
    plinth_error error = sdk::make_error();
    int32_t rc = table_.acquire(host_, timeout_ms, &error);
    if (rc == PLINTH_OK) return true;
    if (rc == PLINTH_E_UNAVAILABLE) return false;
    sdk::throw_if_failed(rc, error);
    return false;
}

void HostConnectionBudget::release() noexcept { table_.release(host_); }

bool HostConnectionBudget::contended() const noexcept { return table_.waiting(host_) > 0; }

uint64_t HostConnectionBudget::add_reclaimer(void *context, ReclaimFn reclaim) {
    return table_.add_reclaimer(host_, context, reclaim);
}

void HostConnectionBudget::remove_reclaimer(uint64_t handle) noexcept { table_.remove_reclaimer(host_, handle); }

size_t HostConnectionBudget::shed_idle() noexcept { return table_.shed_idle(host_); }

std::shared_ptr<ConnectionBudget> host_connection_budget(const sdk::Host &host) {
    const auto *table = host.service<plinth_connections_v1>(PLINTH_SERVICE_CONNECTIONS);
    if (table == nullptr) return nullptr;
    return std::make_shared<HostConnectionBudget>(host.raw(), *table);
}

size_t connection_budget_limit(const boost::json::object &host_config) {
    constexpr size_t kDefault = 8;
    const auto *db = host_config.if_contains("database");
    if (db == nullptr || !db->is_object()) return kDefault;
    const auto *v = db->get_object().if_contains("connection_budget");
    if (v == nullptr || v->is_null()) return kDefault;
    int64_t n = 0;
    if (v->is_int64()) n = v->get_int64();
    else if (v->is_uint64() && v->get_uint64() <= 10000) n = static_cast<int64_t>(v->get_uint64());
    else n = -1;
    if (n < 2 || n > 10000)
        throw sdk::invalid_argument("database.connection_budget must be an integer from 2 to 10000");
    return static_cast<size_t>(n);
}

} // namespace plinth::storage
