// prompts/store/prompt_store.hpp — every SQL statement of the prompts module.
//
// A thin class over the module's sdk::db::Database. Rules live in domain/; this class only keeps
// rows consistent: a prompt and its aggregates are written in one transaction, retention and
// erasure work in bounded batches. [thread-safe] like the Pool it uses.
#pragma once

#include "../domain/latency.hpp"
#include "../domain/prompt.hpp"

#include <plinth/sdk/db.hpp>

#include <cstdint>
#include <functional>
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

struct SweepResult {
    int64_t unlinked = 0;
    int64_t deleted = 0;
};

class PromptStore {
public:
    explicit PromptStore(sdk::db::Database &pool) : pool_(pool) {}

    // Stores `prompt` as recorded at `now_s` and adds it to that day's aggregates, atomically.
    // Returns the new prompt id.
    int64_t record(const NewPrompt &prompt, int64_t now_s);

    // The prompts still linked to `user_id`, newest first, `limit` at most, ids below `before_id`.
    PromptPage list_for_user(int64_t user_id, int64_t limit, std::optional<int64_t> before_id);

    // Staff view: linked or not, newest first. Prompts whose subject blocked analysis are left out.
    PromptPage search(const SearchFilter &filter);

    // Aggregates in [from_day, to_day], ordered by day, feature, model. Read in one consistent
    // snapshot so counts and histograms always agree.
    std::vector<DailyGroup> stats(const StatsFilter &filter);

    // Deletes prompts created at or before `delete_cutoff`, then removes the user link of prompts
    // created at or before `unlink_cutoff`. Idempotent; aggregates are untouched.
    SweepResult sweep(int64_t unlink_cutoff, int64_t delete_cutoff);

    // Calls `visit` for every prompt linked to `user_id`, oldest first, in batches.
    void for_each_of_user(int64_t user_id, const std::function<void(const StoredPrompt &)> &visit);

    // Calls `report(id)` for every prompt linked to `user_id` and, unless `dry_run`, deletes it:
    // in batches of `kEraseBatch`, each reported inside the transaction that deletes it, before
    // the commit. So a crash never loses the report of a committed deletion, and a retried or
    // resumed batch reports its prompts again (the receiver keeps one outcome per item).
    // Returns how many were reported. Aggregates are untouched: they never held the link.
    static constexpr int64_t kEraseBatch = 500;
    int64_t erase_user(int64_t user_id, bool dry_run, const std::function<void(int64_t id)> &report);

    // Marks (or unmarks) every prompt linked to `user_id` as excluded from analysis. Returns the
    // number of prompts changed.
    int64_t set_analysis_blocked(int64_t user_id, bool blocked);

    // Prompts rows in total (tests and the demo show it).
    int64_t count_all();

private:
    PromptPage page(const std::string &where, std::vector<sdk::db::Param> params, int64_t limit);

    sdk::db::Database &pool_;
};

} // namespace plinth::prompts
