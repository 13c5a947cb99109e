// Prometheus text exposition of the server's counters: requests by route and status, latency
// histograms by route, connections, and whatever the collectors add (module caches, database).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace plinth::http {

class Metrics {
public:
    // One series per route name, plus one for requests that matched no route (label "none").
    explicit Metrics(std::vector<std::string> route_names);

    size_t unmatched_route() const { return routes_.size() - 1; }

    // Counts one answered request. [thread-safe, lock-free]
    void record(size_t route, unsigned status, std::chrono::nanoseconds duration) noexcept;

    std::atomic<int64_t> open_connections{0};
    std::atomic<uint64_t> accepted_connections{0};
    std::atomic<uint64_t> refused_connections{0}; // over max_connections
    std::atomic<uint64_t> timed_out_connections{0};
    std::atomic<uint64_t> malformed_requests{0};
    std::atomic<uint64_t> rate_limited_requests{0};

    // Adds text to every scrape (appended after the server's own series; must be valid exposition
    // text). Collectors run on the scraping thread. [main-thread] before the server starts.
    void add_collector(std::function<void(std::string &)> collector);

    // The whole exposition. [thread-safe]
    std::string render() const;

    // Histogram upper bounds in seconds.
    static constexpr std::array<double, 12> kBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                     0.01,   0.025,   0.05,   0.1,   0.5,    2.5};

private:
    struct Series {
        std::string name;
        std::array<std::atomic<uint64_t>, 500> by_status{}; // index: status - 100
        std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{}; // last: +Inf
        std::atomic<uint64_t> sum_ns{0};
        std::atomic<uint64_t> count{0};
    };
    std::vector<std::unique_ptr<Series>> routes_;
    std::vector<std::function<void(std::string &)>> collectors_;
};

// Appends `text` as a Prometheus label value (escapes \, " and newlines).
void append_label_value(std::string &out, std::string_view text);

} // namespace plinth::http
