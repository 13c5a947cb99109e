// Per-client token buckets, one set per named limit ("login", "activation", "check").
#pragma once

#include "server_config.hpp"

#include <plinth/sdk/thread_annotations.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace plinth::http {

// A monotonic clock read from the kernel's last tick (CLOCK_MONOTONIC_COARSE: a few milliseconds
// of resolution, read without steady_clock's precise clock source). Buckets that refill per
// minute need no more, and every limited request reads it.
struct CoarseSteadyClock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<CoarseSteadyClock>;
    static constexpr bool is_steady = true;
    static time_point now() noexcept;
};

class RateLimiter {
public:
    using Clock = CoarseSteadyClock;

    // `max_clients`: addresses remembered per limit; past it, buckets that have refilled are
    // forgotten first (they would admit anyway), and if none has, the oldest shard is cleared.
    RateLimiter(const std::map<std::string, RateLimitSettings> &limits, size_t max_clients);

    // One named limit's buckets.
    class Limit;

    // The limit called `name`; nullptr when the configuration has none of that name (it admits
    // everyone). Routes resolve their limits once, when they are registered: the per-request
    // path then does no lookup by name. [thread-safe] The result lives as long as the limiter.
    Limit *find(std::string_view name) const;

    // Takes one token from `client`'s bucket of `limit`. nullopt: admitted (always, for a null
    // `limit`). Otherwise the whole seconds to wait (for Retry-After, at least 1).
    // [thread-safe]
    std::optional<unsigned> admit(Limit *limit, std::string_view client, Clock::time_point now = Clock::now());

private:
    struct Bucket {
        double tokens;
        Clock::time_point updated;
    };
    // Looks a client up by string_view, so a check for a known client allocates nothing.
    struct ClientHash {
        using is_transparent = void;
        size_t operator()(std::string_view client) const noexcept { return std::hash<std::string_view>{}(client); }
    };
    struct Shard {
        sdk::Mutex mutex;
        std::unordered_map<std::string, Bucket, ClientHash, std::equal_to<>> buckets PLINTH_GUARDED_BY(mutex);
    };
    static constexpr size_t kShards = 16;
    std::map<std::string, std::unique_ptr<Limit>, std::less<>> limits_;
    size_t max_per_shard_;
};

class RateLimiter::Limit {
    friend class RateLimiter;
    RateLimitSettings settings;
    std::array<Shard, kShards> shards;
};

} // namespace plinth::http
