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

class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    // `max_clients`: addresses remembered per limit; past it, buckets that have refilled are
    // forgotten first (they would admit anyway), and if none has, the oldest shard is cleared.
    RateLimiter(const std::map<std::string, RateLimitSettings> &limits, size_t max_clients);

    // Takes one token from `client`'s bucket of `limit`. nullopt: admitted. Otherwise the whole
    // seconds to wait (for Retry-After, at least 1). An unknown limit name admits.
    // [thread-safe]
    std::optional<unsigned> admit(std::string_view limit, std::string_view client, Clock::time_point now = Clock::now());

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
    struct Limit {
        RateLimitSettings settings;
        std::array<Shard, kShards> shards;
    };
    std::map<std::string, std::unique_ptr<Limit>, std::less<>> limits_;
    size_t max_per_shard_;
};

} // namespace plinth::http
