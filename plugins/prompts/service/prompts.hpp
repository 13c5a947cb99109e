// prompts/service/prompts.hpp — the prompts module's use cases, free of JSON and of the C ABI.
//
// Prompts composes the domain rules and the store into what the module offers: it validates a
// prompt against the configured limits, decides whose prompt it is (domain/prompt.hpp's
// resolve_owner), asks whether the subject refused analysis, and returns typed results that
// module.cpp renders. Every method is [thread-safe]; times come from the injected clock.
#pragma once

#include "../domain/prompt.hpp"
#include "../domain/settings.hpp"
#include "../store/prompt_store.hpp"

#include <plinth/sdk/db.hpp>
#include <plinth/sdk/module.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace plinth::prompts {

// What prompt.record did: either stored (id, time) or refused by a consent provider (who).
struct RecordOutcome {
    bool stored = false;
    int64_t id = 0;
    int64_t created_at = 0;  // Unix seconds
    std::string refused_by;  // the module that reported an objection or restriction
};

// A stats request as the caller gave it; absent bounds default to the last 30 days.
struct StatsQuery {
    std::optional<int64_t> from_day, to_day;
    std::optional<std::string> feature, model;
};

struct StatsReport {
    int64_t from_day = 0, to_day = 0; // inclusive UTC days
    std::vector<DailyGroup> groups;
    int64_t prompts = 0, input_tokens = 0, output_tokens = 0; // totals over the groups
};

inline constexpr int64_t kMaxStatsDays = 366;
inline constexpr int64_t kDefaultStatsDays = 30;

class Prompts {
public:
    struct Options {
        Settings settings;
        const plinth_host *database = nullptr; // whose plinth.db/1 to use
        std::function<int64_t()> now_s;        // the host clock, Unix seconds
        // The id of the first plinth.consent/1 provider that refuses AI prompt analysis for a
        // user, nullopt when none does. Throws when a provider cannot answer.
        std::function<std::optional<std::string>(int64_t user_id)> analysis_refused_by;
    };

    explicit Prompts(Options options);

    const Settings &settings() const { return settings_; }
    sdk::db::Database &pool() { return pool_; }

    // Validates `prompt` (its user_id is ignored), decides whose it is, and stores it unless the
    // subject refused analysis. Throws PLINTH_E_INVALID_ARGUMENT, PLINTH_E_LIMIT_EXCEEDED,
    // PLINTH_E_PERMISSION_DENIED, PLINTH_E_UNAUTHENTICATED or PLINTH_E_UNAVAILABLE.
    RecordOutcome record(const Actor &actor, std::optional<int64_t> requested_user, NewPrompt prompt);

    // The prompts of `requested_user` (default: the actor's own), newest first.
    PromptPage list(const Actor &actor, std::optional<int64_t> requested_user, int64_t limit,
                    std::optional<int64_t> before_id);

    // Staff only: prompts across users, filtered.
    PromptPage search(const Actor &actor, const SearchFilter &filter);

    // Staff only: anonymous daily aggregates with totals.
    StatsReport stats(const Actor &actor, const StatsQuery &query);

    // Retention: unlinks and deletes what is due at `now_s`; the counts in the SDK's terms.
    std::vector<sdk::RetentionCount> sweep(int64_t now_s);

    // Personal data of one account, oldest first.
    void export_user(int64_t user_id, const std::function<void(const StoredPrompt &)> &visit);
    // Reports every outcome inside the transaction that deletes it, before the commit, in batches of
    // PromptStore::kEraseBatch: a crash never loses the report of a committed deletion, and a
    // retried or resumed batch reports its prompts again (the receiver keeps one outcome per item).
    void erase_user(int64_t user_id, bool dry_run, const std::function<void(const sdk::ErasureOutcome &)> &report);

    // A consent change told by plinth.consent-listener/1: marks the user's prompts as excluded
    // from analysis (or not) when it concerns kAnalysisPurpose.
    void consent_changed(int64_t user_id, std::string_view purpose, bool allowed);

    // The module's one data-inventory category, with the configured retention.
    sdk::DataCategory data_category() const;

private:
    static void require_staff(const Actor &actor);

    Settings settings_;
    std::function<int64_t()> now_s_;
    std::function<std::optional<std::string>(int64_t)> analysis_refused_by_;
    sdk::db::Database pool_;
};

} // namespace plinth::prompts
