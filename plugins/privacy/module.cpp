// The privacy module: GDPR rights across every loaded module.
//
// This file is ABI glue: it reads command arguments, hands them to PrivacyService
// (service/service.hpp) and renders its typed results (views.cpp). The service reaches the other
// modules only through the host registry and the plinth.personal-data/1,
// plinth.data-inventory/1, plinth.retention/1, plinth.subject-resolver/1,
// plinth.account-roles/1 and plinth.consent-listener/1 interfaces
// (service/registry_directory.cpp). It offers
// plinth.command/1, plinth.consent/1, plinth.personal-data/1 (its own records),
// plinth.data-inventory/1, plinth.retention/1 and plinth.schema/1.
#include "domain/identifiers.hpp"
#include "domain/settings.hpp"
#include "service/registry_directory.hpp"
#include "service/service.hpp"
#include "views.hpp"

#include <plinth/migrations/privacy.hpp>
#include <plinth/plinth.h>
#include <plinth/sdk/module.hpp>
#include <plinth/sdk/db.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstring>
#include <span>

namespace plinth::privacy {

namespace {

using boost::json::object;
using boost::json::value;
using sdk::Access;
using sdk::Args;
using sdk::Caller;

constexpr size_t kMaxLabelBytes = 128;
constexpr size_t kMaxPolicyVersionBytes = 64;
constexpr size_t kMaxTokenBytes = 128;
constexpr size_t kMaxPathBytes = 4096;
constexpr int64_t kMaxListLimit = 200;
constexpr int64_t kDefaultListLimit = 50;

// {"email"} or {"user_id"}; a signed-in customer who gives neither means themselves.
SubjectRef subject_ref(const Caller &caller, Args &args) {
    SubjectRef who;
    if (auto email = args.optional_string("email", kMaxEmailBytes + 16)) who.email = checked_email(*email);
    who.user_id = args.optional_integer("user_id", 1, INT64_MAX);
    if (!who.email && !who.user_id && caller.is_user() && !caller.is_staff()) who.user_id = caller.user_id;
    return who;
}

// plinth.notify/1 of the host as the service's delivery, looked up at each use: the host offers
// it only while it can deliver (an older host never does), and tokens then reach only the
// console operator.
PrivacyService::Deliver deliver_through(const sdk::Host &host) {
    auto table = [host]() -> std::optional<plinth_notify_v1> {
        const auto *notify = host.service<plinth_notify_v1>(PLINTH_SERVICE_NOTIFY);
        if (notify == nullptr) return std::nullopt;
        plinth_notify_v1 copy{};
        std::memcpy(&copy, notify, std::min<size_t>(notify->struct_size, sizeof copy));
        if (copy.send == nullptr) return std::nullopt;
        return copy;
    };
    PrivacyService::Deliver d;
    d.available = [table] { return table().has_value(); };
    d.send = [host, table](const OutboundMessage &m) {
        auto t = table();
        if (!t) throw sdk::unavailable("the host delivers no messages to people");
        plinth_notification n{sizeof n, sdk::to_str(m.recipient), sdk::to_str(m.topic), sdk::to_str(m.subject),
                              sdk::to_str(m.body)};
        plinth_error error = sdk::make_error();
        sdk::throw_if_failed(t->send(host.raw(), &n, &error), error);
    };
    return d;
}

std::string optional_label(Args &args, std::string_view name, size_t max) {
    auto v = args.optional_string(name, max);
    return v ? checked_label(*v, name, max) : std::string();
}

} // namespace

class PrivacyModule final : public sdk::Module,
                            public sdk::PersonalData,
                            public sdk::DataInventory,
                            public sdk::Retention,
                            public sdk::Schema {
public:
    explicit PrivacyModule(const sdk::Host &host) : PrivacyModule(host, host.config()) {}

    PrivacyModule(const sdk::Host &host, const object &config)
        : Module(host), pool_(host), directory_(host, std::string(kModuleId)),
          service_(Settings::from_json(config), pool_, host.key("subject-hash", 32), directory_,
                   [h = host] { return h.now_s(); },
                   [h = host](plinth_log_level level, std::string_view message) { h.log(level, message); },
                   deliver_through(host)) {
        // Signed-in people may read it too: it is what Art. 13/15(1) says they are told (purposes,
        // categories, recipients, retention); it names no one. The /account/ portal shows it.
        add("inventory", "Register of processing from every loaded module (md, html or json)", Access::customer,
            &PrivacyModule::inventory);
        add("export.run", "Operator: export a person's data now and return the archive", Access::system,
            &PrivacyModule::export_run);
        add("erase.run", "Operator: erase a person's data now (or preview with dry_run)", Access::system,
            &PrivacyModule::erase_run);
        add("sweep", "Operator: apply every module's retention rules", Access::system, &PrivacyModule::sweep_command);

        add("consent.grant", "Record consent to a purpose", Access::customer, &PrivacyModule::consent_grant);
        add("consent.withdraw", "Record the withdrawal of a consent", Access::customer,
            &PrivacyModule::consent_withdraw);
        add("consent.object", "Record an objection to a purpose (Art. 21)", Access::customer,
            &PrivacyModule::consent_object);
        add("consent.restrict", "Restrict processing of a person's data (Art. 18)", Access::customer,
            &PrivacyModule::consent_restrict);
        add("consent.lift_restriction", "Staff: end a restriction of processing", Access::staff,
            &PrivacyModule::consent_lift);
        add("consent.history", "A person's consent history and current answers", Access::customer,
            &PrivacyModule::consent_history);
        add("consent.check", "Staff: may this person's data be processed for a purpose?", Access::staff,
            &PrivacyModule::consent_check);

        add("request.create", "Open an export, erase, restrict or object request (returns its token once)",
            Access::customer, &PrivacyModule::request_create);
        add("request.confirm", "Confirm a request with the token sent to the person", Access::anonymous,
            &PrivacyModule::request_confirm);
        add("request.execute", "Staff: run (or resume) a confirmed request", Access::staff,
            &PrivacyModule::request_execute);
        add("request.get", "A request with its progress, outcome and audit trail", Access::customer,
            &PrivacyModule::request_get);
        add("request.list", "Staff: requests, newest first", Access::staff, &PrivacyModule::request_list);
        add("request.archive", "What a completed export's archive holds, checked against its manifest",
            Access::customer, &PrivacyModule::request_archive);
        add("audit.verify", "Staff: check the audit log's hash chain", Access::staff, &PrivacyModule::audit_verify);
    }

    // ---- plinth.schema/1 ----
    object migrate() override { return sdk::db::migrate(pool_, plinth::embedded::privacy_migrations()); }

    // ---- plinth.data-inventory/1 ----
    std::vector<sdk::DataCategory> data_categories() const override { return service_.own_categories(); }

    // ---- plinth.retention/1 ----
    std::vector<sdk::RetentionCount> sweep(int64_t now_us) override {
        std::vector<sdk::RetentionCount> out;
        for (const auto &c : service_.sweep_own(now_us / 1000000)) out.push_back({c.category, c.action, c.count});
        return out;
    }

    // ---- plinth.personal-data/1 (the module's own records) ----
    void export_subject(const sdk::Subject &subject, const sdk::ExportSink &out) override {
        struct Adapter final : ExportReceiver {
            const sdk::ExportSink &sink;
            explicit Adapter(const sdk::ExportSink &s) : sink(s) {}
            void item(std::string_view category, std::string_view json) override {
                sink.item(category, boost::json::parse(json).as_object());
            }
            void file(std::string_view category, std::string_view name, std::string_view media_type,
                      const uint8_t *bytes, size_t size) override {
                sink.file(category, name, media_type, bytes, size);
            }
        } adapter(out);
        service_.export_own(subject, adapter);
    }

    void erase_subject(const sdk::Subject &subject, bool dry_run, const sdk::ErasureSink &out) override {
        struct Adapter final : ErasureReceiver {
            const sdk::ErasureSink &sink;
            explicit Adapter(const sdk::ErasureSink &s) : sink(s) {}
            void outcome(const ErasureRecord &r) override {
                sink.report({r.category, r.item, static_cast<plinth_erasure_outcome>(r.outcome), r.legal_basis,
                             r.retained_until});
            }
        } adapter(out);
        service_.erase_own(subject, dry_run, 0, adapter);
    }

    // ---- plinth.consent/1 ----
    std::vector<Offer> extra_interfaces() const override { return {{PLINTH_EXT_CONSENT, &kConsent}}; }

private:
    static const plinth_consent_v1 kConsent;

    using Handler = value (PrivacyModule::*)(const Caller &, Args &);
    void add(const char *name, const char *summary, Access access, Handler handler) {
        commands().add({name, summary, access, [this, handler](const Caller &c, Args &a) { return (this->*handler)(c, a); }});
    }

    value inventory(const Caller &, Args &args) {
        auto format = args.optional_string("format", 16);
        args.finish();
        return inventory_json(service_.inventory(parse_format(format.value_or("md"))));
    }

    value export_run(const Caller &caller, Args &args) {
        std::string email = args.string("email", kMaxEmailBytes + 16);
        auto out = args.optional_string("out", kMaxPathBytes);
        args.finish();
        return request_result_json(service_.export_now(caller, email, out));
    }

    value erase_run(const Caller &caller, Args &args) {
        std::string email = args.string("email", kMaxEmailBytes + 16);
        bool dry_run = args.boolean("dry_run", false);
        args.finish();
        if (dry_run) return erasure_preview_json(service_.preview_erasure(caller, email));
        return request_result_json(service_.erase_now(caller, email));
    }

    value sweep_command(const Caller &, Args &args) {
        args.finish();
        return sweep_report_json(service_.sweep());
    }

    value consent_change(const Caller &caller, Args &args, ConsentAction action) {
        SubjectRef who = subject_ref(caller, args);
        ConsentChange change;
        change.action = action;
        if (!is_subject_wide(action)) change.purpose = checked_purpose(args.string("purpose", kMaxPurposeBytes));
        if (action == ConsentAction::grant) {
            // Art. 7(1): a consent must be provable, which needs the wording agreed to and where.
            change.policy_version = checked_label(args.string("policy_version", kMaxPolicyVersionBytes),
                                                  "policy_version", kMaxPolicyVersionBytes);
            change.source = checked_label(args.string("source", kMaxLabelBytes), "source", kMaxLabelBytes);
        } else {
            change.policy_version = optional_label(args, "policy_version", kMaxPolicyVersionBytes);
            change.source = optional_label(args, "source", kMaxLabelBytes);
        }
        args.finish();
        return consent_change_json(service_.change_consent(caller, who, change));
    }

    value consent_grant(const Caller &c, Args &a) { return consent_change(c, a, ConsentAction::grant); }
    value consent_withdraw(const Caller &c, Args &a) { return consent_change(c, a, ConsentAction::withdraw); }
    value consent_object(const Caller &c, Args &a) { return consent_change(c, a, ConsentAction::object); }
    value consent_restrict(const Caller &c, Args &a) { return consent_change(c, a, ConsentAction::restrict); }
    value consent_lift(const Caller &c, Args &a) { return consent_change(c, a, ConsentAction::lift_restriction); }

    value consent_history(const Caller &caller, Args &args) {
        SubjectRef who = subject_ref(caller, args);
        args.finish();
        return consent_history_json(service_.consent_history(caller, who));
    }

    value consent_check(const Caller &caller, Args &args) {
        SubjectRef who = subject_ref(caller, args);
        std::string purpose = checked_purpose(args.string("purpose", kMaxPurposeBytes));
        auto opt_in = args.has("requires_opt_in") ? std::optional<bool>(args.boolean("requires_opt_in", false))
                                                  : std::nullopt;
        args.finish();
        return consent_answer_json(service_.check_consent(who, purpose, opt_in));
    }

    value request_create(const Caller &caller, Args &args) {
        std::string email = args.string("email", kMaxEmailBytes + 16);
        RequestKind kind = parse_kind(args.string("kind", 16));
        auto purpose = args.optional_string("purpose", kMaxPurposeBytes);
        args.finish();
        return request_created_json(service_.create_request(caller, email, kind, purpose));
    }

    value request_confirm(const Caller &, Args &args) {
        int64_t id = args.integer("request_id", 1, INT64_MAX);
        std::string token = args.string("token", kMaxTokenBytes);
        args.finish();
        return request_confirmed_json(service_.confirm_request(id, token));
    }

    value request_execute(const Caller &caller, Args &args) {
        int64_t id = args.integer("request_id", 1, INT64_MAX);
        args.finish();
        return request_result_json(service_.execute_request(caller, id));
    }

    value request_get(const Caller &caller, Args &args) {
        int64_t id = args.integer("request_id", 1, INT64_MAX);
        args.finish();
        return request_detail_json(service_.get_request(caller, id));
    }

    value request_archive(const Caller &caller, Args &args) {
        int64_t id = args.integer("request_id", 1, INT64_MAX);
        args.finish();
        return archive_contents_json(service_.archive_contents(caller, id));
    }

    value request_list(const Caller &, Args &args) {
        auto status = args.optional_string("status", 16);
        auto user_id = args.optional_integer("user_id", 1, INT64_MAX);
        int64_t limit = args.optional_integer("limit", 1, kMaxListLimit).value_or(kDefaultListLimit);
        auto before_id = args.optional_integer("before_id", 1, INT64_MAX);
        args.finish();
        return request_page_json(service_.list_requests(status ? std::optional(parse_status(*status)) : std::nullopt,
                                                        user_id, limit, before_id));
    }

    value audit_verify(const Caller &, Args &args) {
        args.finish();
        return audit_verification_json(service_.verify_audit());
    }

    sdk::db::Database pool_;
    RegistryDirectory directory_;
    PrivacyService service_;
};

const plinth_consent_v1 PrivacyModule::kConsent = {
    sizeof(plinth_consent_v1),
    [](const plinth_module *m, const plinth_subject *subject, plinth_str purpose, int32_t requires_opt_in,
       int32_t *allowed, plinth_error *error) -> int32_t {
        return sdk::guard(error, [&] {
            if (allowed == nullptr) throw sdk::invalid_argument("no output for the answer");
            *allowed = 0; // fail closed if anything below throws
            *allowed = sdk::self<PrivacyModule>(m).service_.is_allowed(sdk::Subject::from(subject),
                                                                          sdk::to_view(purpose), requires_opt_in != 0)
                           ? 1
                           : 0;
        });
    }};

} // namespace plinth::privacy

PLINTH_MODULE(plinth::privacy::PrivacyModule, "privacy", "1.0.0",
              "GDPR rights across modules: register, consent ledger, export, erasure, retention")
