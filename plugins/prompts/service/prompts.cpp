#include "prompts.hpp"

#include "../domain/calendar.hpp"

#include <plinth/sdk/error.hpp>

#include <utility>

namespace plinth::prompts {
using sdk::db::Connection;

Prompts::Prompts(Options options)
    : settings_(std::move(options.settings)),
      now_s_(std::move(options.now_s)),
      analysis_refused_by_(std::move(options.analysis_refused_by)),
      pool_(sdk::Host(options.database)) {}

void Prompts::require_staff(const Actor &actor) {
    if (!actor.staff && !actor.system) throw sdk::permission_denied("this command is for staff members");
}

RecordOutcome Prompts::record(const Actor &actor, std::optional<int64_t> requested_user, NewPrompt prompt) {
    check_feature(prompt.feature);
    check_model(prompt.model);
    check_text_size("prompt", prompt.prompt.size(), settings_.limits.prompt_bytes, "prompts.limits.prompt_bytes");
    if (prompt.response)
        check_text_size("response", prompt.response->size(), settings_.limits.response_bytes,
                        "prompts.limits.response_bytes");
    prompt.user_id = resolve_owner(actor, requested_user);

    RecordOutcome outcome;
    if (analysis_refused_by_) {
        if (auto refused_by = analysis_refused_by_(prompt.user_id)) {
            // Nothing at all is kept, not even in the aggregates: counting the prompt would itself
            // be the analysis the subject objected to or asked to restrict.
            outcome.refused_by = std::move(*refused_by);
            return outcome;
        }
    }
    outcome.created_at = now_s_();
    // The prompt and its aggregates are written together or not at all.
    outcome.id = pool_.transaction([&](Connection &c) { return PromptStore::record(c, prompt, outcome.created_at); });
    outcome.stored = true;
    return outcome;
}

PromptPage Prompts::list(const Actor &actor, std::optional<int64_t> requested_user, int64_t limit,
                         std::optional<int64_t> before_id) {
    const int64_t user_id = resolve_owner(actor, requested_user);
    return pool_.run([&](Connection &c) { return PromptStore::list_for_user(c, user_id, limit, before_id); });
}

PromptPage Prompts::search(const Actor &actor, const SearchFilter &filter) {
    require_staff(actor);
    if (filter.feature) check_feature(*filter.feature);
    if (filter.model) check_model(*filter.model);
    if (filter.from_day && filter.to_day && *filter.from_day > *filter.to_day)
        throw sdk::invalid_argument("argument 'from' must not be after 'to'");
    return pool_.run([&](Connection &c) { return PromptStore::search(c, filter); });
}

StatsReport Prompts::stats(const Actor &actor, const StatsQuery &query) {
    require_staff(actor);
    if (query.feature) check_feature(*query.feature);
    if (query.model) check_model(*query.model);
    StatsFilter f;
    f.feature = query.feature;
    f.model = query.model;
    f.to_day = query.to_day ? *query.to_day
                            : (query.from_day ? *query.from_day + kDefaultStatsDays - 1 : day_of(now_s_()));
    f.from_day = query.from_day ? *query.from_day : f.to_day - (kDefaultStatsDays - 1);
    if (f.from_day > f.to_day) throw sdk::invalid_argument("argument 'from' must not be after 'to'");
    if (f.to_day - f.from_day + 1 > kMaxStatsDays)
        throw sdk::invalid_argument("at most " + std::to_string(kMaxStatsDays) + " days per request");

    StatsReport report;
    report.from_day = f.from_day;
    report.to_day = f.to_day;
    // One transaction: counts and histograms come from one consistent snapshot.
    report.groups = pool_.transaction([&](Connection &c) { return PromptStore::stats(c, f); });
    for (const DailyGroup &g : report.groups) {
        report.prompts += g.prompts;
        report.input_tokens += g.input_tokens;
        report.output_tokens += g.output_tokens;
    }
    return report;
}

std::vector<sdk::RetentionCount> Prompts::sweep(int64_t now_s) {
    const RetentionPolicy &policy = settings_.retention;
    // In bounded batches, each its own statement, so a year of backlog never holds locks for long.
    // Deleting first means a prompt past both periods is counted once, as deleted.
    auto repeat = [&](int64_t (*batch)(Connection &, int64_t), int64_t cutoff) {
        int64_t total = 0;
        for (;;) {
            const int64_t n = pool_.run([&](Connection &c) { return batch(c, cutoff); });
            total += n;
            if (n < PromptStore::kBatchRows) return total;
        }
    };
    const int64_t deleted = repeat(&PromptStore::delete_batch, policy.delete_cutoff(now_s));
    const int64_t unlinked = repeat(&PromptStore::unlink_batch, policy.unlink_cutoff(now_s));
    return {{std::string(kCategory), "anonymised", unlinked}, {std::string(kCategory), "removed", deleted}};
}

void Prompts::export_user(int64_t user_id, const std::function<void(const StoredPrompt &)> &visit) {
    // Prompts are linked by account only; a person without one has none here.
    if (user_id <= 0) return;
    int64_t after = 0;
    for (;;) {
        const std::vector<StoredPrompt> batch =
            pool_.run([&](Connection &c) { return PromptStore::of_user_after(c, user_id, after); });
        for (const StoredPrompt &p : batch) {
            after = p.id;
            visit(p);
        }
        if (static_cast<int64_t>(batch.size()) < PromptStore::kBatchRows) return;
    }
}

void Prompts::erase_user(int64_t user_id, bool dry_run,
                         const std::function<void(const sdk::ErasureOutcome &)> &report) {
    if (user_id <= 0) return;
    bool first = true;
    auto removed = [&](int64_t id) {
        if (first) {
            // Reported with the first prompt, so a resumed run that finds nothing left does not
            // need to report it again.
            report({std::string(kCategory), "daily aggregates (counts, token sums, latency histogram)",
                    PLINTH_ERASURE_ANONYMISED, "", 0});
            first = false;
        }
        report({std::string(kCategory), "prompt " + std::to_string(id), PLINTH_ERASURE_REMOVED, "", 0});
    };
    if (dry_run) {
        pool_.run([&](Connection &c) {
            for (int64_t id : PromptStore::ids_of_user(c, user_id)) removed(id);
        });
        return;
    }
    for (;;) {
        // FOR UPDATE locks the batch, so a concurrent erasure cannot report the same prompts as
        // removed by itself; a prompt recorded meanwhile is taken by a later batch.
        const int64_t done = pool_.transaction([&](Connection &c) -> int64_t {
            const std::vector<int64_t> ids = PromptStore::lock_batch_of_user(c, user_id);
            for (int64_t id : ids) {
                removed(id);
                PromptStore::remove(c, id);
            }
            return static_cast<int64_t>(ids.size());
        });
        if (done < PromptStore::kEraseBatch) return;
    }
}

void Prompts::consent_changed(int64_t user_id, std::string_view purpose, bool allowed) {
    if (purpose != kAnalysisPurpose || user_id <= 0) return;
    pool_.run([&](Connection &c) { return PromptStore::set_analysis_blocked(c, user_id, !allowed); });
}

sdk::DataCategory Prompts::data_category() const {
    const RetentionPolicy &r = settings_.retention;
    sdk::DataCategory c;
    c.name = std::string(kCategory);
    c.fields = "feature, prompt, response, model, input and output token counts, latency, time, user link";
    c.purpose = "analysed as a collection to improve the service";
    c.legal_basis = "legitimate interest (Art. 6(1)(f))";
    c.retention = "user link removed after " + std::to_string(r.unlink_days) + " days, prompt and response "
                  "deleted after " + std::to_string(r.delete_days) +
                  " days; only anonymous daily aggregates are kept";
    c.retention_days = r.delete_days;
    c.recipients = "staff (analysis)";
    return c;
}

} // namespace plinth::prompts
