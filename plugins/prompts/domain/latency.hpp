// prompts/domain/latency.hpp — latency percentiles from a histogram that forgets who asked.
//
// Rationale: percentiles must survive the deletion of the prompts they were computed from, and
// must not need the prompts at all. Each day keeps, per feature and model, how many prompts fell
// into each latency bucket. Buckets keep three significant digits: exact below one second, at
// most 1% low above it, and never more than ~900 buckets per decade, so the table stays small
// whatever the traffic.
#pragma once

#include <cstdint>
#include <span>

namespace plinth::prompts {

struct LatencyBucket {
    int64_t bucket_ms = 0; // lower bound of the bucket (see latency_bucket)
    int64_t count = 0;     // prompts in it
};

// The bucket `latency_ms` falls into: the value truncated to three significant digits.
// REQUIRES: latency_ms >= 0.
int64_t latency_bucket(int64_t latency_ms);

// Nearest-rank percentile (`percent` in 1..100) over buckets sorted by bucket_ms ascending:
// the smallest bucket at or below which at least ceil(percent/100 * total) prompts fall.
// Returns 0 for an empty histogram.
int64_t percentile(std::span<const LatencyBucket> sorted_buckets, int percent);

} // namespace plinth::prompts
