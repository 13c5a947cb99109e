// prompts/store/prompt_store.hpp — every SQL statement of the prompts module.
//
// Rules live in domain/, use cases and transactions in service/; these functions only read and
// write rows over a connection they are handed. [thread-safe]: they keep no state.
#pragma once

#include "../domain/latency.hpp"
#include "../domain/prompt.hpp"

#include <plinth/sdk/db.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace plinth::prompts {

struct PromptPage {
    std::vector<StoredPrompt> prompts; // newest first
    std::optional<int64_t> next_before_id; // pass as before_id for the next page; nullopt at the end
};

struct SearchFilter {
    std::optional<int64_t> user_id;
    std::optional<std::string> feature;
    std::optional<std::string> model;
    std::optional<int64_t> from_day, to_day; // inclusive UTC days
    std::optional<std::string> text;         // substring of the prompt or the response
    std::optional<int64_t> before_id;
    int64_t limit = 20;
};

struct StatsFilter {
    int64_t from_day = 0, to_day = 0; // inclusive
    std::optional<std::string> feature;
    std::optional<std::string> model;
};

// One day, feature and model of the anonymous aggregates.
struct DailyGroup {
    int64_t day = 0;
    std::string feature;
    std::string model;
    int64_t prompts = 0;
    int64_t input_tokens = 0;
    int64_t output_tokens = 0;
    int64_t latency_ms_sum = 0;
    int64_t latency_ms_max = 0;
    std::vector<LatencyBucket> latency; // sorted by bucket_ms
};

// Stateless SQL over the caller's connection: the service (service/prompts.cpp) decides which
// transaction each call runs in and how batches are repeated.
namespace PromptStore {

// Retention and erasure touch at most this many rows per statement or transaction, so a long
// backlog never holds locks for long.
inline constexpr int64_t kBatchRows = 1000;
inline constexpr int64_t kEraseBatch = 500;

// Stores `prompt` as recorded at `now_s` and adds it to that day's aggregates. Returns the new
// prompt id. REQUIRES: inside a transaction (the three rows must agree).
int64_t record(sdk::db::Connection &c, const NewPrompt &prompt, int64_t now_s);

// The prompts still linked to `user_id`, newest first, `limit` at most, ids below `before_id`.
PromptPage list_for_user(sdk::db::Connection &c, int64_t user_id, int64_t limit, std::optional<int64_t> before_id);

// Staff view: linked or not, newest first. Prompts whose subject blocked analysis are left out.
PromptPage search(sdk::db::Connection &c, const SearchFilter &filter);

// Aggregates in [from_day, to_day], ordered by day, feature, model. REQUIRES: inside a
// transaction, so counts and histograms come from one consistent snapshot.
std::vector<DailyGroup> stats(sdk::db::Connection &c, const StatsFilter &filter);

// One batch of retention: deletes up to kBatchRows prompts created at or before `cutoff`, or
// removes the user link of up to kBatchRows; returns how many rows changed.
int64_t delete_batch(sdk::db::Connection &c, int64_t cutoff);
int64_t unlink_batch(sdk::db::Connection &c, int64_t cutoff);

// Up to kBatchRows prompts linked to `user_id` with ids above `after_id`, oldest first.
std::vector<StoredPrompt> of_user_after(sdk::db::Connection &c, int64_t user_id, int64_t after_id);

// The ids of every prompt linked to `user_id` (dry runs), and a batch of up to kEraseBatch of
// them locked FOR UPDATE, so a concurrent erasure cannot report the same prompts as its own.
std::vector<int64_t> ids_of_user(sdk::db::Connection &c, int64_t user_id);
std::vector<int64_t> lock_batch_of_user(sdk::db::Connection &c, int64_t user_id);
void remove(sdk::db::Connection &c, int64_t id);

// Marks (or unmarks) every prompt linked to `user_id` as excluded from analysis. Returns the
// number of prompts changed.
int64_t set_analysis_blocked(sdk::db::Connection &c, int64_t user_id, bool blocked);

} // namespace PromptStore

} // namespace plinth::prompts
