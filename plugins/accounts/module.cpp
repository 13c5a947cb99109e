// accounts/module.cpp — the C ABI face of the accounts module: JSON commands, the typed
// session check, the consent listener, and the personal-data, inventory, retention and schema
// interfaces. Only translation happens here; the behaviour, and who may do what, live in service/.
#include "domain/categories.hpp"
#include "service/accounts.hpp"

#include <plinth/ext/account_roles.h>
#include <plinth/ext/consent.h>
#include <plinth/ext/session_check.h>
#include <plinth/ext/subject_resolver.h>
#include <plinth/sdk/module.hpp>

#include <boost/json.hpp>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace plinth::accounts {
namespace {

using sdk::Access;
using sdk::Args;
using sdk::Caller;
namespace json = boost::json;

// Generous transport limits; the domain rules state the real ones in their errors.
constexpr size_t kMaxPasswordArg = 4096;
constexpr size_t kMaxTokenArg = 256;
constexpr size_t kMaxImportUsers = 1000;

// "14 days", "8 hours", "90 minutes", "45 seconds": the largest unit that divides it.
std::string duration(int64_t s) {
    auto unit = [&](int64_t n, const char *name) { return std::to_string(s / n) + " " + name + (s / n == 1 ? "" : "s"); };
    if (s % 86400 == 0) return unit(86400, "day");
    if (s % 3600 == 0) return unit(3600, "hour");
    if (s % 60 == 0) return unit(60, "minute");
    return unit(1, "second");
}

json::value nullable(const std::optional<std::string> &v) { return v ? json::value(*v) : json::value(nullptr); }
json::value nullable(const std::optional<int64_t> &v) { return v ? json::value(*v) : json::value(nullptr); }

json::object profile_json(const UserRecord &u) {
    return {{"user_id", u.id},
            {"email", u.email},
            {"username", u.username},
            {"first_name", u.first_name},
            {"last_name", u.last_name},
            {"role", role_name(u.role)},
            {"gravatar_url", nullable(u.gravatar_url)},
            {"created_at", u.created_at},
            {"updated_at", u.updated_at},
            {"password_changed_at", u.password_changed_at}};
}

json::object session_json(const SessionRecord &s, int64_t expires_at) {
    return {{"session_id", s.id},
            {"created_at", s.times.created_at},
            {"last_seen_at", s.times.last_seen_at},
            {"expires_at", expires_at}};
}

// The account a command names, if it names one (the service decides whether the caller may).
std::optional<int64_t> named_user(Args &args) { return args.optional_integer("user_id", 1, INT64_MAX); }

class AccountsModule final : public sdk::Module,
                             public sdk::PersonalData,
                             public sdk::DataInventory,
                             public sdk::Retention,
                             public sdk::Schema {
public:
    explicit AccountsModule(const sdk::Host &host) : Module(host) {
        json::object config = host.config();
        Accounts::Options o;
        o.config = AccountsConfig::from_json(config);
        o.database = host.raw();
        o.throttle_key = host.key("login-throttle", 32);
        o.now_us = [h = this->host()] { return h.now_us(); };
        o.warn = [h = this->host()](std::string_view m) { h.log(PLINTH_LOG_WARNING, m); };
        o.gravatar_allowed = [this](const UserRecord &u) { return privacy_allows_gravatar(u); };
        service_ = std::make_unique<Accounts>(std::move(o));
        add_commands();
    }

    Accounts &service() { return *service_; }

    std::vector<Offer> extra_interfaces() const override;

    // ---- sdk::Schema
    json::object migrate() override { return service_->migrate(); }

    // ---- sdk::PersonalData
    void export_subject(const sdk::Subject &subject, const sdk::ExportSink &out) override {
        auto id = service_->account_of(subject.user_id, subject.emails);
        if (!id) return;
        for (const ExportItem &item : service_->export_subject(*id)) out.item(item.category, item.object);
    }

    void erase_subject(const sdk::Subject &subject, bool dry_run, const sdk::ErasureSink &out) override {
        auto id = service_->account_of(subject.user_id, subject.emails);
        if (!id) return;
        service_->erase_subject(*id, dry_run, [&](const Erased &e) {
            out.report(sdk::ErasureOutcome{e.category, e.item, PLINTH_ERASURE_REMOVED, "", 0});
        });
    }

    // ---- sdk::DataInventory
    std::vector<sdk::DataCategory> data_categories() const override {
        const AccountsConfig &c = service_->config();
        const std::string contract = "contract (Art. 6(1)(b))";
        const std::string idle = duration(c.session.idle_timeout_s) + " without use";
        const std::string absolute = duration(c.session.absolute_timeout_s) + " after login";
        return {
            {category::kEmail, "email, email history (previous addresses with their dates)",
             "unique identifier for authorization; the only communication channel", contract,
             "while the account exists; previous addresses until the account is erased", 0, ""},
            {category::kUsername, "username, role", "identifier for authorization", contract, "while the account exists", 0, ""},
            {category::kName, "first name, last name", "identify the user, create invoices", contract, "while the account exists",
             0, ""},
            {category::kPassword, "password hash (Argon2id; imported bcrypt until the first login), date of the last change",
             "authorization", contract, "until replaced or the account is erased", 0, ""},
            {category::kLogins, "sessions (SHA-256 of the token, created, last seen, expiry), login and logout events "
                       "(time, outcome, session), failed-login counter",
             "temporary state of the user's link with the service; protecting accounts against password guessing",
             contract + "; legitimate interests in security (Art. 6(1)(f)) for events and counters",
             "sessions until they end (" + idle + " or " + absolute + "); events " +
                 std::to_string(c.login_events_days) + " days",
             c.login_events_days, ""},
            {category::kGravatar, "gravatar URL (SHA-256 of the normalised email), opt-in time",
             "link to the user's profile image (third party, opt-in)", "consent (Art. 6(1)(a))",
             "until the user opts out or withdraws consent", 0,
             "Gravatar (Automattic Inc.), which receives the address hash when the image is loaded"},
        };
    }

    // ---- sdk::Retention
    std::vector<sdk::RetentionCount> sweep(int64_t now_us) override {
        SweepCounts n = service_->sweep(now_us / 1000000);
        return {{category::kLogins, "expired", n.sessions_expired},
                {category::kLogins, "removed", n.events_removed},
                {category::kLogins, "reset", n.counters_removed}};
    }

private:
    // When the privacy module is loaded, a restriction or objection it recorded wins over an
    // opt-in made here. Without it there is nobody else to ask.
    bool privacy_allows_gravatar(const UserRecord &u) {
        auto e = host().find<plinth_consent_v1>("privacy");
        if (e.module == nullptr) return true;
        if (!e.table) throw sdk::unavailable("the privacy module offers no usable plinth.consent/1");
        plinth_str email = sdk::to_str(u.email_normalized);
        plinth_subject subject{sizeof(plinth_subject), u.id, &email, 1};
        int32_t allowed = 0;
        plinth_error error = sdk::make_error();
        sdk::throw_if_failed(e.table->is_allowed(e.module, &subject, sdk::to_str("gravatar"), 0, &allowed, &error),
                             error);
        return allowed != 0;
    }

    void add_commands();

    std::unique_ptr<Accounts> service_;
};

void AccountsModule::add_commands() {
    Accounts &s = *service_;

    commands().add({"register", "Creates an account (email, username, first_name, last_name?, password)",
                    Access::anonymous, [&s](const Caller &caller, Args &args) -> json::value {
                        Registration r;
                        r.email = args.string("email", 1024);
                        r.username = args.string("username", 1024);
                        r.first_name = args.string("first_name", 4096);
                        r.last_name = args.optional_string("last_name", 4096).value_or("");
                        r.password = args.string("password", kMaxPasswordArg);
                        if (auto role = args.optional_string("role", 32)) r.role = parse_role(*role);
                        args.finish();
                        return profile_json(s.register_user(caller, r));
                    }});

    commands().add({"login", "Opens a session (login: username or email, password); returns the token once",
                    Access::anonymous, [&s](const Caller &, Args &args) -> json::value {
                        std::string login = args.string("login", 1024);
                        std::string password = args.string("password", kMaxPasswordArg);
                        args.finish();
                        LoginResult r = s.login(login, password);
                        sodium_memzero(password.data(), password.size());
                        return json::object{{"token", r.token},
                                            {"user_id", r.user_id},
                                            {"role", role_name(r.role)},
                                            {"session_id", r.session_id},
                                            {"expires_at", r.expires_at}};
                    }});

    commands().add({"logout", "Ends the session of a token", Access::anonymous,
                    [&s](const Caller &, Args &args) -> json::value {
                        std::string token = args.string("token", kMaxTokenArg);
                        args.finish();
                        s.logout(token);
                        return json::object{{"logged_out", true}};
                    }});

    commands().add({"session.check", "Resolves a token to its account (same as plinth.session-check/1)",
                    Access::anonymous, [&s](const Caller &, Args &args) -> json::value {
                        std::string token = args.string("token", kMaxTokenArg);
                        args.finish();
                        SessionCheck r = s.check(token);
                        return json::object{{"user_id", r.user_id},
                                            {"role", role_name(r.role)},
                                            {"session_id", r.session_id},
                                            {"expires_at", r.expires_at}};
                    }});

    commands().add({"sessions.list", "Lists an account's live sessions (never their tokens)", Access::customer,
                    [&s](const Caller &caller, Args &args) -> json::value {
                        auto named = named_user(args);
                        args.finish();
                        json::array list;
                        for (const auto &x : s.sessions(caller, named))
                            list.push_back(session_json(x, s.session_expires_at(x.times)));
                        return json::object{{"sessions", std::move(list)}};
                    }});

    commands().add({"session.revoke", "Ends one session of an account by its id", Access::customer,
                    [&s](const Caller &caller, Args &args) -> json::value {
                        auto named = named_user(args);
                        int64_t session_id = args.integer("session_id", 1, INT64_MAX);
                        args.finish();
                        s.revoke_session(caller, named, session_id);
                        return json::object{{"revoked", true}};
                    }});

    commands().add({"profile.get", "Shows an account's profile and previous email addresses", Access::customer,
                    [&s](const Caller &caller, Args &args) -> json::value {
                        auto named = named_user(args);
                        args.finish();
                        Profile p = s.profile(caller, named);
                        json::object o = profile_json(p.user);
                        json::array history;
                        for (const auto &h : p.previous_emails)
                            history.push_back({{"email", h.email}, {"used_from", h.used_from}, {"replaced_at", h.replaced_at}});
                        o["previous_emails"] = std::move(history);
                        return o;
                    }});

    commands().add({"profile.update", "Corrects username, first_name or last_name (\"\" clears last_name)",
                    Access::customer, [&s](const Caller &caller, Args &raw) -> json::value {
                        // Args refuses empty strings by design; "" is meaningful only for last_name.
                        json::object members = raw.raw();
                        ProfileChanges c;
                        if (const json::value *v = members.if_contains("last_name");
                            v && v->is_string() && v->get_string().empty()) {
                            c.last_name = std::string();
                            members.erase("last_name");
                        }
                        Args args(members);
                        auto named = named_user(args);
                        c.username = args.optional_string("username", 1024);
                        c.first_name = args.optional_string("first_name", 4096);
                        if (!c.last_name) c.last_name = args.optional_string("last_name", 4096);
                        args.finish();
                        return profile_json(s.update_profile(caller, named, c));
                    }});

    commands().add({"email.change", "Changes the email address; the old one goes to the email history (password "
                                    "required for your own account)",
                    Access::customer, [&s](const Caller &caller, Args &args) -> json::value {
                        auto named = named_user(args);
                        std::string email = args.string("email", 1024);
                        auto password = args.optional_string("password", kMaxPasswordArg);
                        args.finish();
                        std::optional<std::string_view> confirm;
                        if (password) confirm = *password;
                        return profile_json(s.change_email(caller, named, email, confirm));
                    }});

    commands().add({"password.change", "Sets a new password and ends every other session (current_password "
                                       "required for your own account; token keeps that session)",
                    Access::customer, [&s](const Caller &caller, Args &args) -> json::value {
                        auto named = named_user(args);
                        std::string next = args.string("new_password", kMaxPasswordArg);
                        auto current = args.optional_string("current_password", kMaxPasswordArg);
                        auto keep = args.optional_string("token", kMaxTokenArg);
                        args.finish();
                        std::optional<std::string_view> confirm, keep_token;
                        if (current) confirm = *current;
                        if (keep) keep_token = *keep;
                        int64_t revoked = s.change_password(caller, named, confirm, next, keep_token);
                        sodium_memzero(next.data(), next.size());
                        return json::object{{"changed", true}, {"revoked_sessions", revoked}};
                    }});

    commands().add({"role.set", "Sets an account's role: customer, staff or admin", Access::admin,
                    [&s](const Caller &caller, Args &args) -> json::value {
                        int64_t id = args.integer("user_id", 1, INT64_MAX);
                        Role role = parse_role(args.string("role", 32));
                        args.finish();
                        return profile_json(s.set_role(caller, id, role));
                    }});

    commands().add({"users.search", "Finds accounts by email or username prefix or part of a name (query?, role?, "
                                    "limit?, offset?)",
                    Access::staff, [&s](const Caller &caller, Args &args) -> json::value {
                        std::string query = args.optional_string("query", 254).value_or("");
                        std::optional<Role> role;
                        if (auto r = args.optional_string("role", 32)) role = parse_role(*r);
                        int64_t limit = args.optional_integer("limit", 1, 100).value_or(20);
                        int64_t offset = args.optional_integer("offset", 0, 1000000).value_or(0);
                        args.finish();
                        json::array users;
                        for (const auto &u : s.search(caller, query, role, limit, offset)) users.push_back(profile_json(u));
                        return json::object{{"users", std::move(users)}};
                    }});

    auto gravatar = [&s](bool opt_in) {
        return [&s, opt_in](const Caller &caller, Args &args) -> json::value {
            auto named = named_user(args);
            args.finish();
            UserRecord u = s.change_gravatar(caller, named, opt_in);
            return json::object{{"opted_in", u.gravatar_url.has_value()}, {"gravatar_url", nullable(u.gravatar_url)}};
        };
    };
    commands().add({"gravatar.opt_in", "Shows a Gravatar profile image (sends a hash of the email to Gravatar)",
                    Access::customer, gravatar(true)});
    commands().add({"gravatar.opt_out", "Removes the Gravatar link", Access::customer, gravatar(false)});

    commands().add({"import.users", "Imports accounts with existing bcrypt ($2y$/$2b$/$2a$) or WordPress ($wp$2y$) "
                                    "hashes, all or nothing; each is upgraded to Argon2id at its first login",
                    Access::admin, [&s](const Caller &caller, Args &args) -> json::value {
                        const json::array *list = args.optional_array("users");
                        args.finish();
                        if (list == nullptr) throw sdk::invalid_argument("missing argument 'users' (array)");
                        if (list->size() > kMaxImportUsers)
                            throw sdk::limit_exceeded("at most " + std::to_string(kMaxImportUsers) + " users per import");
                        std::vector<ImportedUser> users;
                        for (size_t i = 0; i < list->size(); ++i) {
                            const std::string where = "users[" + std::to_string(i) + "]: ";
                            if (!(*list)[i].is_object()) throw sdk::invalid_argument(where + "must be an object");
                            try {
                                Args u((*list)[i].get_object());
                                ImportedUser in;
                                in.email = u.string("email", 1024);
                                in.username = u.string("username", 1024);
                                in.first_name = u.string("first_name", 4096);
                                in.last_name = u.optional_string("last_name", 4096).value_or("");
                                if (auto role = u.optional_string("role", 32)) in.role = parse_role(*role);
                                in.password_hash = u.string("password_hash", 255);
                                in.created_at = u.optional_integer("created_at", 0, INT64_MAX / 2);
                                u.finish();
                                users.push_back(std::move(in));
                            } catch (const sdk::Error &e) {
                                throw sdk::Error(e.status(), where + e.what());
                            }
                        }
                        json::array ids;
                        for (int64_t id : s.import_users(caller, users)) ids.push_back(id);
                        return json::object{{"imported", ids.size()}, {"user_ids", std::move(ids)}};
                    }});

    commands().add({"events.list", "Lists login, logout and session events of an account, newest first (limit?, "
                                   "before_id?)",
                    Access::customer, [&s](const Caller &caller, Args &args) -> json::value {
                        auto named = named_user(args);
                        int64_t limit = args.optional_integer("limit", 1, 500).value_or(50);
                        auto before = args.optional_integer("before_id", 1, INT64_MAX);
                        args.finish();
                        json::array events;
                        for (const auto &e : s.events(caller, named, limit, before))
                            events.push_back({{"event_id", e.id},
                                              {"at", e.at},
                                              {"event", e.event},
                                              {"session_id", nullable(e.session_id)}});
                        return json::object{{"events", std::move(events)}};
                    }});

    commands().add({"subject.resolve", "Resolves {email} or {user_id} to the account and every address it used "
                                       "(current first), for the privacy module",
                    Access::system, [&s](const Caller &, Args &args) -> json::value {
                        auto email = args.optional_string("email", 1024);
                        auto id = args.optional_integer("user_id", 1, INT64_MAX);
                        args.finish();
                        if (email.has_value() == id.has_value())
                            throw sdk::invalid_argument("give exactly one of 'email' and 'user_id'");
                        ResolvedSubject r = email ? s.resolve_by_email(*email) : s.resolve_by_id(*id);
                        json::array emails;
                        for (const auto &e : r.emails) emails.push_back(json::value(e));
                        return json::object{{"user_id", r.user_id}, {"emails", std::move(emails)}};
                    }});

    commands().add({"activity.flush", "Writes pending session last-seen times now (they are otherwise written in "
                                      "the background)",
                    Access::system, [&s](const Caller &, Args &args) -> json::value {
                        args.finish();
                        s.flush_activity();
                        return json::object{{"flushed", true}};
                    }});
}

// ---- typed interfaces

const plinth_session_check_v1 kSessionCheck = {
    sizeof(plinth_session_check_v1),
    [](const plinth_module *m, plinth_str token, plinth_session_info *out, plinth_error *error) -> int32_t {
        return sdk::guard(error, [&] {
            if (out == nullptr) throw sdk::invalid_argument("no output struct given");
            SessionCheck r = sdk::self<AccountsModule>(m).service().check(sdk::to_view(token));
            plinth_session_info info{};
            info.struct_size = out->struct_size;
            info.user_id = r.user_id;
            info.role = static_cast<int32_t>(r.role);
            info.expires_at = r.expires_at;
            // Rule 4: write no more than the caller's struct holds.
            std::memcpy(out, &info, std::min<size_t>(out->struct_size, sizeof info));
        });
    }};

const plinth_consent_listener_v1 kConsentListener = {
    sizeof(plinth_consent_listener_v1),
    [](const plinth_module *m, const plinth_subject *subject, plinth_str purpose, int32_t allowed,
       plinth_error *error) -> int32_t {
        return sdk::guard(error, [&] {
            if (sdk::to_view(purpose) != "gravatar") return;
            sdk::Subject s = sdk::Subject::from(subject);
            Accounts &accounts = sdk::self<AccountsModule>(m).service();
            auto id = accounts.account_of(s.user_id, s.emails);
            if (!id) return; // nothing held for this subject: nothing to do
            accounts.set_gravatar(*id, allowed != 0);
        });
    }};

// Resolves a person for the privacy module (and any other), the typed twin of subject.resolve.
const plinth_subject_resolver_v1 kSubjectResolver = {
    sizeof(plinth_subject_resolver_v1),
    [](const plinth_module *m, plinth_str email, int64_t user_id, const plinth_subject_sink *out,
       plinth_error *error) -> int32_t {
        return sdk::guard(error, [&] {
            if (out == nullptr || out->subject == nullptr) throw sdk::invalid_argument("no subject sink given");
            if ((email.size > 0) == (user_id != 0))
                throw sdk::invalid_argument("give exactly one of an email address and a user id");
            if (user_id < 0) throw sdk::invalid_argument("a user id is positive");
            Accounts &s = sdk::self<AccountsModule>(m).service();
            ResolvedSubject r = email.size > 0 ? s.resolve_by_email(sdk::to_view(email)) : s.resolve_by_id(user_id);
            std::vector<plinth_str> emails;
            for (const auto &e : r.emails) emails.push_back(sdk::to_str(e));
            plinth_subject subject{sizeof(plinth_subject), r.user_id, emails.empty() ? nullptr : emails.data(),
                                   emails.size()};
            if (out->subject(out->context, &subject) != 0) throw sdk::Error(PLINTH_E_SINK, "subject sink refused");
        });
    }};

// Tells another module the role an account holds now (privacy shields staff and administrators
// with it), without a JSON command or a made-up system caller.
const plinth_account_roles_v1 kAccountRoles = {
    sizeof(plinth_account_roles_v1),
    [](const plinth_module *m, int64_t user_id, int32_t *role, plinth_error *error) -> int32_t {
        return sdk::guard(error, [&] {
            if (role == nullptr) throw sdk::invalid_argument("no role output given");
            if (user_id <= 0) throw sdk::invalid_argument("a user id is positive");
            *role = static_cast<int32_t>(sdk::self<AccountsModule>(m).service().role_of(user_id));
        });
    }};

std::vector<sdk::Module::Offer> AccountsModule::extra_interfaces() const {
    return {{PLINTH_EXT_SESSION_CHECK, &kSessionCheck},
            {PLINTH_EXT_CONSENT_LISTENER, &kConsentListener},
            {PLINTH_EXT_SUBJECT_RESOLVER, &kSubjectResolver},
            {PLINTH_EXT_ACCOUNT_ROLES, &kAccountRoles}};
}

} // namespace
} // namespace plinth::accounts

PLINTH_MODULE(plinth::accounts::AccountsModule, "accounts", "1.0.0",
              "Accounts: identities, Argon2id passwords, sessions, login events, gravatar opt-in")
