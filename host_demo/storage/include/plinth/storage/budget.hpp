// plinth/storage/budget.hpp — how many server connections a host process may hold at once.
//
// One budget per host process, shared by every module's pools and background tasks. The host
// owns a LocalConnectionBudget and offers it to modules as plinth.connections/1; each module's
// pools reach it through HostConnectionBudget (modules are RTLD_LOCAL copies of this kit, so a
// static here would be per module). See plinth/services/connections.h for the protocol.
#pragma once

#include <plinth/plinth.h>
#include <plinth/sdk/error.hpp>
#include <plinth/sdk/thread_annotations.hpp>

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace plinth::sdk {
class Host;
}

namespace plinth::storage {

using Deadline = std::chrono::steady_clock::time_point;

// Closes one idle connection held by `context` and releases its slot; 1 when it did, else 0.
using ReclaimFn = int32_t (*)(void *context);

// The budget as a pool sees it. [thread-safe]
class ConnectionBudget {
public:
    virtual ~ConnectionBudget() = default;
    virtual size_t limit() const = 0;
    // Takes one slot, waiting until `deadline`; false when none came free in time.
    virtual bool acquire(Deadline deadline) = 0;
    virtual void release() noexcept = 0;
    // True while someone waits in acquire(): pools then close returned connections.
    virtual bool contended() const noexcept = 0;
    // Returns a handle for remove_reclaimer (0: not registered).
    virtual uint64_t add_reclaimer(void *context, ReclaimFn reclaim) = 0;
    // When this returns, the reclaimer is not running and will not run again.
    virtual void remove_reclaimer(uint64_t handle) noexcept = 0;
    // Closes every idle connection of the process; returns how many (the server is full).
    virtual size_t shed_idle() noexcept = 0;
};

// The budget itself: a counting semaphore that, when exhausted, asks registered pools to close an
// idle connection before it waits. [thread-safe]
class LocalConnectionBudget final : public ConnectionBudget {
public:
    explicit LocalConnectionBudget(size_t limit);
    size_t limit() const override { return limit_; }
    bool acquire(Deadline deadline) override;
    void release() noexcept override;
    bool contended() const noexcept override { return waiting_.load(std::memory_order_relaxed) > 0; }
    uint64_t add_reclaimer(void *context, ReclaimFn reclaim) override;
    void remove_reclaimer(uint64_t handle) noexcept override;
    size_t shed_idle() noexcept override;

    uint32_t waiting() const noexcept { return waiting_.load(std::memory_order_relaxed); }
    // Slots taken now (tests and metrics).
    size_t in_use() const;

private:
    bool reclaim_one() noexcept PLINTH_EXCLUDES(mutex_, reclaim_mutex_);

    const size_t limit_;
    mutable sdk::Mutex mutex_; // never held while reclaimers run
    std::condition_variable freed_;
    size_t open_ PLINTH_GUARDED_BY(mutex_) = 0;
    std::atomic<uint32_t> waiting_{0};
    sdk::Mutex reclaim_mutex_; // also serialises the reclaimers' calls
    std::map<uint64_t, std::pair<void *, ReclaimFn>> reclaimers_ PLINTH_GUARDED_BY(reclaim_mutex_);
    uint64_t next_handle_ PLINTH_GUARDED_BY(reclaim_mutex_) = 1;
};

// The host's plinth.connections/1 service seen as a ConnectionBudget. Valid while the module
// instance whose sdk::Host it was made from lives.
class HostConnectionBudget final : public ConnectionBudget {
public:
    HostConnectionBudget(const plinth_host *host, const plinth_connections_v1 &table);
    size_t limit() const override;
    bool acquire(Deadline deadline) override;
    void release() noexcept override;
    bool contended() const noexcept override;
    uint64_t add_reclaimer(void *context, ReclaimFn reclaim) override;
    void remove_reclaimer(uint64_t handle) noexcept override;
    size_t shed_idle() noexcept override;

private:
    const plinth_host *host_;
    plinth_connections_v1 table_{}; // min(struct_size, sizeof) of the host's table; the rest zero
};

// The host's budget for this module instance, or nullptr when the host offers none.
std::shared_ptr<ConnectionBudget> host_connection_budget(const sdk::Host &host);

// database.connection_budget from a host configuration ({"database":{...}}): 8 when absent.
// Throws sdk::Error(PLINTH_E_INVALID_ARGUMENT) unless it is an integer from 2 to 10000 (two,
// because a privacy request holds one connection while it works on another).
size_t connection_budget_limit(const boost::json::object &host_config);

// The plinth.connections/1 table a host offers, serving the budget `Of(host)` returns for each
// calling module instance. No exception leaves these functions.
template <LocalConnectionBudget &(*Of)(const plinth_host *)>
const plinth_connections_v1 &connections_service() {
    static const plinth_connections_v1 table = {
        sizeof(plinth_connections_v1),
        [](const plinth_host *h) -> uint32_t { return static_cast<uint32_t>(Of(h).limit()); },
        [](const plinth_host *h, uint32_t timeout_ms, plinth_error *error) -> int32_t {
            return sdk::guard(error, [&] {
                LocalConnectionBudget &budget = Of(h);
                if (!budget.acquire(std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms)))
                    throw sdk::unavailable("all " + std::to_string(budget.limit()) +
                                           " database connections of this process are in use "
                                           "(database.connection_budget); none came free within " +
                                           std::to_string(timeout_ms) + " ms");
            });
        },
        [](const plinth_host *h) { Of(h).release(); },
        [](const plinth_host *h) -> uint32_t { return Of(h).waiting(); },
        [](const plinth_host *h, void *context, int32_t (*reclaim)(void *)) -> uint64_t {
            try {
                return reclaim ? Of(h).add_reclaimer(context, reclaim) : 0;
            } catch (...) {
                return 0;
            }
        },
        [](const plinth_host *h, uint64_t handle) { Of(h).remove_reclaimer(handle); },
        [](const plinth_host *h) -> uint32_t { return static_cast<uint32_t>(Of(h).shed_idle()); },
    };
    return table;
}

} // namespace plinth::storage
