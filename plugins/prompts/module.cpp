// The prompts module: an AI prompt log written only against the public Plinth SDK, the way an
// integrator would write a module of their own (docs/writing-a-module.md walks through it).
//
// This file is ABI glue: it reads arguments, calls the service (service/prompts.hpp, where the
// rules are applied) and renders its typed results as JSON.
// It offers plinth.command/1, plinth.personal-data/1, plinth.data-inventory/1,
// plinth.retention/1, plinth.schema/1 and plinth.consent-listener/1, and asks every
// plinth.consent/1 provider (the privacy module, when loaded) before it stores a prompt.
#include "domain/calendar.hpp"
#include "domain/latency.hpp"
#include "domain/prompt.hpp"
#include "domain/settings.hpp"
#include "service/prompts.hpp"

#include <plinth/migrations/prompts.hpp>
#include <plinth/plinth.h>
#include <plinth/sdk/module.hpp>
#include <plinth/sdk/db.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>
#include <string>

namespace plinth::prompts {

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using sdk::Access;
using sdk::Args;
using sdk::Caller;

constexpr int64_t kMaxPageSize = 100;
constexpr int64_t kDefaultPageSize = 20;

Actor actor_of(const Caller &caller) {
    return Actor{caller.is_system(), caller.is_staff(), caller.is_user() ? caller.user_id : 0};
}

value optional_text(const std::optional<std::string> &s) { return s ? value(*s) : value(nullptr); }

object prompt_json(const StoredPrompt &p, bool with_user) {
    object o{{"id", p.id},
             {"feature", p.feature},
             {"model", p.model},
             {"prompt", p.prompt},
             {"response", optional_text(p.response)},
             {"input_tokens", p.input_tokens},
             {"output_tokens", p.output_tokens},
             {"latency_ms", p.latency_ms},
             {"created_at", p.created_at},
             {"day", format_day(day_of(p.created_at))}};
    if (with_user) o["user_id"] = p.user_id ? value(*p.user_id) : value(nullptr);
    return o;
}

object page_json(const PromptPage &page, bool with_user) {
    array list;
    for (const StoredPrompt &p : page.prompts) list.push_back(prompt_json(p, with_user));
    return {{"prompts", std::move(list)},
            {"next_before_id", page.next_before_id ? value(*page.next_before_id) : value(nullptr)}};
}

std::optional<int64_t> optional_day(Args &args, std::string_view name) {
    auto text = args.optional_string(name, 10);
    if (!text) return std::nullopt;
    auto day = parse_day(*text);
    if (!day) throw sdk::invalid_argument("argument '" + std::string(name) + "' must be a date YYYY-MM-DD");
    return day;
}

std::optional<std::string> optional_feature(Args &args) {
    auto feature = args.optional_string("feature", kMaxFeatureBytes);
    if (feature) check_feature(*feature);
    return feature;
}

std::optional<std::string> optional_model(Args &args) {
    auto model = args.optional_string("model", kMaxModelBytes);
    if (model) check_model(*model);
    return model;
}

} // namespace

class PromptsModule final : public sdk::Module,
                            public sdk::PersonalData,
                            public sdk::DataInventory,
                            public sdk::Retention,
                            public sdk::Schema {
public:
    explicit PromptsModule(const sdk::Host &host) : PromptsModule(host, host.config()) {}

    PromptsModule(const sdk::Host &host, const object &config)
        : Module(host),
          prompts_(Prompts::Options{Settings::from_json(config), host.raw(), [this] { return this->host().now_s(); },
                                    [this](int64_t user_id) { return analysis_refused_by(user_id); }}) {
        commands().add({"prompt.record", "Record an AI prompt and its response (asks privacy first)",
                        Access::customer, [this](const Caller &c, Args &a) { return record(c, a); }});
        commands().add({"prompt.list", "List your own prompts, newest first", Access::customer,
                        [this](const Caller &c, Args &a) { return list(c, a); }});
        commands().add({"prompt.search", "Staff: list prompts with filters", Access::staff,
                        [this](const Caller &c, Args &a) { return search(c, a); }});
        commands().add({"stats", "Staff: anonymous aggregates per day, feature and model", Access::staff,
                        [this](const Caller &c, Args &a) { return stats(c, a); }});
    }

    // ---- plinth.schema/1 ----
    object migrate() override {
        return sdk::db::migrate(prompts_.pool(), plinth::embedded::prompts_migrations());
    }

    // ---- plinth.data-inventory/1 ----
    std::vector<sdk::DataCategory> data_categories() const override { return {prompts_.data_category()}; }

    // ---- plinth.retention/1 ----
    std::vector<sdk::RetentionCount> sweep(int64_t now_us) override {
        std::vector<sdk::RetentionCount> counts = prompts_.sweep(now_us / 1000000);
        const int64_t unlinked = counts.at(0).count, deleted = counts.at(1).count;
        if (unlinked > 0 || deleted > 0)
            host().log(PLINTH_LOG_INFO, "retention: " + std::to_string(unlinked) + " prompts unlinked, " +
                                            std::to_string(deleted) + " deleted");
        return counts;
    }

    // ---- plinth.personal-data/1 ----
    void export_subject(const sdk::Subject &subject, const sdk::ExportSink &out) override {
        prompts_.export_user(subject.user_id, [&](const StoredPrompt &p) {
            object item = prompt_json(p, false);
            item["excluded_from_analysis"] = p.analysis_blocked;
            out.item(kCategory, item);
        });
    }

    void erase_subject(const sdk::Subject &subject, bool dry_run, const sdk::ErasureSink &out) override {
        // Each outcome is reported inside the transaction that deletes the prompt, before the
        // commit (plinth/ext/personal_data.h): a crash between the two loses no report, and the
        // privacy module keeps one outcome per item when a batch is reported again.
        prompts_.erase_user(subject.user_id, dry_run, [&](const sdk::ErasureOutcome &o) { out.report(o); });
    }

    // ---- plinth.consent-listener/1 ----
    void consent_changed(const sdk::Subject &subject, std::string_view purpose, bool allowed) {
        prompts_.consent_changed(subject.user_id, purpose, allowed);
    }

    std::vector<Offer> extra_interfaces() const override { return {{PLINTH_EXT_CONSENT_LISTENER, &kConsentListener}}; }

private:
    static const plinth_consent_listener_v1 kConsentListener;

    value record(const Caller &caller, Args &args) {
        const auto requested_user = args.optional_integer("user_id", 1, INT64_MAX);
        NewPrompt p;
        p.feature = args.string("feature", kMaxFeatureBytes);
        p.model = args.string("model", kMaxModelBytes);
        // Read with the largest size the SDK accepts, so an oversized text is reported against the
        // configured limit (PLINTH_E_LIMIT_EXCEEDED) rather than as a malformed argument.
        p.prompt = args.string("prompt", sdk::kMaxArgumentsBytes);
        p.response = args.optional_string("response", sdk::kMaxArgumentsBytes);
        p.input_tokens = args.integer("input_tokens", 0, kMaxTokens);
        p.output_tokens = args.integer("output_tokens", 0, kMaxTokens);
        p.latency_ms = args.integer("latency_ms", 0, kMaxLatencyMs);
        args.finish();
        const RecordOutcome outcome = prompts_.record(actor_of(caller), requested_user, std::move(p));
        if (!outcome.stored)
            return object{{"stored", false},
                          {"reason", "the user has objected to or restricted AI prompt analysis (answer of module '" +
                                         outcome.refused_by + "'); nothing was stored"}};
        return object{{"stored", true},
                      {"id", outcome.id},
                      {"created_at", outcome.created_at},
                      {"day", format_day(day_of(outcome.created_at))}};
    }

    // Asks every plinth.consent/1 provider; returns the id of the first that refuses. With none
    // loaded (no privacy module) recording goes ahead. A provider that fails to answer stops the
    // recording: storing without an answer could ignore an objection.
    std::optional<std::string> analysis_refused_by(int64_t user_id) const {
        for (const auto &entry : host().all<plinth_consent_v1>()) {
            const std::string module_id(entry.module_id);
            if (!entry.table)
                throw sdk::unavailable("module '" + module_id + "' offers an unusable plinth.consent/1: " +
                                       (entry.table.problem() ? entry.table.problem() : "no table"));
            plinth_subject subject{sizeof(plinth_subject), user_id, nullptr, 0};
            int32_t allowed = 0;
            plinth_error error = sdk::make_error();
            const int32_t status =
                entry.table->is_allowed(entry.module, &subject, sdk::to_str(kAnalysisPurpose), 0, &allowed, &error);
            if (status != PLINTH_OK)
                throw sdk::unavailable("could not ask module '" + module_id +
                                       "' whether AI prompt analysis is allowed: " + error.message);
            if (allowed == 0) return module_id;
        }
        return std::nullopt;
    }

    value list(const Caller &caller, Args &args) {
        const auto requested_user = args.optional_integer("user_id", 1, INT64_MAX);
        const int64_t limit = args.optional_integer("limit", 1, kMaxPageSize).value_or(kDefaultPageSize);
        const auto before_id = args.optional_integer("before_id", 1, INT64_MAX);
        args.finish();
        return page_json(prompts_.list(actor_of(caller), requested_user, limit, before_id), false);
    }

    value search(const Caller &caller, Args &args) {
        SearchFilter f;
        f.user_id = args.optional_integer("user_id", 1, INT64_MAX);
        f.feature = optional_feature(args);
        f.model = optional_model(args);
        f.from_day = optional_day(args, "from");
        f.to_day = optional_day(args, "to");
        f.text = args.optional_string("text", kMaxSearchTextBytes);
        f.limit = args.optional_integer("limit", 1, kMaxPageSize).value_or(kDefaultPageSize);
        f.before_id = args.optional_integer("before_id", 1, INT64_MAX);
        args.finish();
        return page_json(prompts_.search(actor_of(caller), f), true);
    }

    value stats(const Caller &caller, Args &args) {
        StatsQuery q;
        q.from_day = optional_day(args, "from");
        q.to_day = optional_day(args, "to");
        q.feature = optional_feature(args);
        q.model = optional_model(args);
        args.finish();
        const StatsReport report = prompts_.stats(actor_of(caller), q);
        array groups;
        for (const DailyGroup &g : report.groups) {
            groups.push_back(object{
                {"day", format_day(g.day)},
                {"feature", g.feature},
                {"model", g.model},
                {"prompts", g.prompts},
                {"input_tokens", g.input_tokens},
                {"output_tokens", g.output_tokens},
                {"latency_ms",
                 object{{"p50", percentile(g.latency, 50)},
                        {"p95", percentile(g.latency, 95)},
                        {"mean", g.prompts > 0 ? g.latency_ms_sum / g.prompts : 0},
                        {"max", g.latency_ms_max}}}});
        }
        return object{{"from", format_day(report.from_day)},
                      {"to", format_day(report.to_day)},
                      {"groups", std::move(groups)},
                      {"totals", object{{"prompts", report.prompts},
                                        {"input_tokens", report.input_tokens},
                                        {"output_tokens", report.output_tokens}}}};
    }

    Prompts prompts_;
};

const plinth_consent_listener_v1 PromptsModule::kConsentListener = {
    sizeof(plinth_consent_listener_v1),
    [](const plinth_module *m, const plinth_subject *subject, plinth_str purpose, int32_t allowed,
       plinth_error *error) -> int32_t {
        return sdk::guard(error, [&] {
            sdk::self<PromptsModule>(m).consent_changed(sdk::Subject::from(subject), sdk::to_view(purpose),
                                                        allowed != 0);
        });
    }};

} // namespace plinth::prompts

PLINTH_MODULE(plinth::prompts::PromptsModule, "prompts", "1.0.0",
              "AI prompt log: records prompts, honours objections, keeps anonymous aggregates")
