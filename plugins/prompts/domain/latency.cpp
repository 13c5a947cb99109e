#include "latency.hpp"

namespace plinth::prompts {

int64_t latency_bucket(int64_t latency_ms) {
    if (latency_ms < 1000) return latency_ms < 0 ? 0 : latency_ms;
    int64_t unit = 1;
    while (latency_ms / unit >= 1000) unit *= 10;
    return latency_ms / unit * unit;
}

int64_t percentile(std::span<const LatencyBucket> sorted_buckets, int percent) {
    int64_t total = 0;
    for (const LatencyBucket &b : sorted_buckets) total += b.count;
    if (total <= 0) return 0;
    if (percent < 1) percent = 1;
    if (percent > 100) percent = 100;
    // ceil(percent * total / 100) in integers, so p50 of {a,b} is a and p100 is the maximum.
    const int64_t rank = (static_cast<int64_t>(percent) * total + 99) / 100;
    int64_t seen = 0;
    for (const LatencyBucket &b : sorted_buckets) {
        seen += b.count;
        if (seen >= rank) return b.bucket_ms;
    }
    return sorted_buckets.back().bucket_ms;
}

} // namespace plinth::prompts
