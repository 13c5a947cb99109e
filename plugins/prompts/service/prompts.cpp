#include "prompts.hpp"

#include "../domain/calendar.hpp"

#include <plinth/sdk/error.hpp>

#include <utility>

namespace plinth::prompts {

Prompts::Prompts(Options options)
    : settings_(std::move(options.settings)),
      now_s_(std::move(options.now_s)),
      analysis_refused_by_(std::move(options.analysis_refused_by)),
      pool_(sdk::Host(options.database)),
      store_(pool_) {}

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
    outcome.id = store_.record(prompt, outcome.created_at);
    outcome.stored = true;
    return outcome;
}

PromptPage Prompts::list(const Actor &actor, std::optional<int64_t> requested_user, int64_t limit,
                         std::optional<int64_t> before_id) {
    const int64_t user_id = resolve_owner(actor, requested_user);
    return store_.list_for_user(user_id, limit, before_id);
}

PromptPage Prompts::search(const Actor &actor, const SearchFilter &filter) {
    require_staff(actor);
    if (filter.feature) check_feature(*filter.feature);
    if (filter.model) check_model(*filter.model);
    if (filter.from_day && filter.to_day && *filter.from_day > *filter.to_day)
        throw sdk::invalid_argument("argument 'from' must not be after 'to'");
    return store_.search(filter);
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
    report.groups = store_.stats(f);
    for (const DailyGroup &g : report.groups) {
        report.prompts += g.prompts;
        report.input_tokens += g.input_tokens;
        report.output_tokens += g.output_tokens;
    }
    return report;
}

std::vector<sdk::RetentionCount> Prompts::sweep(int64_t now_s) {
    const RetentionPolicy &policy = settings_.retention;
    SweepResult r = store_.sweep(policy.unlink_cutoff(now_s), policy.delete_cutoff(now_s));
    return {{std::string(kCategory), "anonymised", r.unlinked}, {std::string(kCategory), "removed", r.deleted}};
}

void Prompts::export_user(int64_t user_id, const std::function<void(const StoredPrompt &)> &visit) {
    // Prompts are linked by account only; a person without one has none here.
    if (user_id <= 0) return;
    store_.for_each_of_user(user_id, visit);
}

void Prompts::erase_user(int64_t user_id, bool dry_run,
                         const std::function<void(const sdk::ErasureOutcome &)> &report) {
    if (user_id <= 0) return;
    bool first = true;
    store_.erase_user(user_id, dry_run, [&](int64_t id) {
        if (first) {
            // Reported with the first prompt, so a resumed run that finds nothing left does not
            // need to report it again.
            report({std::string(kCategory), "daily aggregates (counts, token sums, latency histogram)",
                    PLINTH_ERASURE_ANONYMISED, "", 0});
            first = false;
        }
        report({std::string(kCategory), "prompt " + std::to_string(id), PLINTH_ERASURE_REMOVED, "", 0});
    });
}

void Prompts::consent_changed(int64_t user_id, std::string_view purpose, bool allowed) {
    if (purpose != kAnalysisPurpose || user_id <= 0) return;
    store_.set_analysis_blocked(user_id, !allowed);
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
