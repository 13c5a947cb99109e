#include "rate_limiter.hpp"

#include <cmath>
#include <ctime>

namespace plinth::http {

CoarseSteadyClock::time_point CoarseSteadyClock::now() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

RateLimiter::RateLimiter(const std::map<std::string, RateLimitSettings> &limits, size_t max_clients)
    : max_per_shard_(std::max<size_t>(1, max_clients / kShards)) {
    for (const auto &[name, settings] : limits) {
        auto l = std::make_unique<Limit>();
        l->settings = settings;
        limits_.emplace(name, std::move(l));
    }
}

RateLimiter::Limit *RateLimiter::find(std::string_view name) const {
    auto it = limits_.find(name);
    return it == limits_.end() ? nullptr : it->second.get();
}

std::optional<unsigned> RateLimiter::admit(Limit *limit, std::string_view client, Clock::time_point now) {
    if (limit == nullptr) return std::nullopt;
    Limit &l = *limit;
    const double per_second = l.settings.per_minute / 60.0;
    const double burst = l.settings.burst;
    Shard &shard = l.shards[std::hash<std::string_view>{}(client) % kShards];
    sdk::MutexLock lock(shard.mutex);

    auto refill = [&](Bucket &b) {
        double elapsed = std::chrono::duration<double>(now - b.updated).count();
        if (elapsed > 0) b.tokens = std::min(burst, b.tokens + elapsed * per_second);
        b.updated = now;
    };
    auto found = shard.buckets.find(client);
    if (found == shard.buckets.end()) {
        if (shard.buckets.size() >= max_per_shard_) {
            // Forget clients whose bucket is full again: they lose nothing.
            for (auto b = shard.buckets.begin(); b != shard.buckets.end();) {
                refill(b->second);
                b = b->second.tokens >= burst ? shard.buckets.erase(b) : std::next(b);
            }
            // Still full: a flood of distinct addresses. Start over rather than grow without bound.
            if (shard.buckets.size() >= max_per_shard_) shard.buckets.clear();
        }
        found = shard.buckets.emplace(std::string(client), Bucket{burst, now}).first;
    }
    Bucket &b = found->second;
    refill(b);
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return std::nullopt;
    }
    double wait = (1.0 - b.tokens) / per_second;
    return static_cast<unsigned>(std::max(1.0, std::ceil(wait)));
}

} // namespace plinth::http
