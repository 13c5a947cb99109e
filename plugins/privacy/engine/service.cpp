#include "service.hpp"

#include "../archive/digest.hpp"
#include "../archive/zip_writer.hpp"
#include "../domain/calendar.hpp"
#include "../domain/export_document.hpp"
#include "../domain/identifiers.hpp"
#include "../domain/text.hpp"
#include "archive_builder.hpp"
#include "export_staging.hpp"

#include <boost/json.hpp>
#include <sodium.h>

#include <algorithm>
#include <set>

namespace plinth::privacy {

namespace fs = std::filesystem;
using boost::json::array;
using boost::json::object;
using boost::json::value;

namespace {

constexpr int64_t kSelfPosition = 1'000'000; // the privacy module's own step always runs last

constexpr std::string_view kConsentBasis =
    "legal obligation to demonstrate consent (Art. 7(1) GDPR) and defence of legal claims (Art. 17(3)(e))";
constexpr std::string_view kRequestBasis =
    "accountability for handling data-subject requests (Art. 5(2), Art. 12 GDPR; Art. 17(3)(b))";
constexpr std::string_view kOpenRequestBasis = "a data-subject request still being answered (Art. 12(3) GDPR)";

// Thrown by the failure injection in "crash" mode: the run stops without recording a failure,
// exactly as if the process had died between two modules.
struct InjectedCrash : sdk::Error {
    using sdk::Error::Error;
};

std::string random_hex(size_t bytes) {
    std::vector<unsigned char> b(bytes);
    randombytes_buf(b.data(), b.size());
    std::string hex = to_hex(b.data(), b.size());
    sodium_memzero(b.data(), b.size());
    return hex;
}

// Decodes the 64 hex characters of a token; nullopt when malformed.
std::optional<std::string> token_bytes(std::string_view token) {
    if (token.size() != kTokenBytes * 2) return std::nullopt;
    std::string raw(kTokenBytes, '\0');
    size_t length = 0;
    if (sodium_hex2bin(reinterpret_cast<unsigned char *>(raw.data()), raw.size(), token.data(), token.size(), nullptr,
                       &length, nullptr) != 0 ||
        length != kTokenBytes)
        return std::nullopt;
    return raw;
}

std::string digest_string(std::string_view bytes) {
    Sha256 d = sha256(bytes);
    return std::string(reinterpret_cast<const char *>(d.data()), d.size());
}

value subject_json(const sdk::Subject &s) {
    array emails;
    for (const auto &e : s.emails) emails.emplace_back(e);
    return {{"user_id", s.user_id}, {"emails", std::move(emails)}};
}

sdk::Subject subject_from_json(const std::string &text) {
    boost::system::error_code ec;
    value v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) throw sdk::Error(PLINTH_E_INTERNAL, "a request's frozen subject is damaged");
    sdk::Subject s;
    const auto &o = v.get_object();
    if (const auto *id = o.if_contains("user_id"); id && id->is_int64()) s.user_id = id->get_int64();
    if (const auto *emails = o.if_contains("emails"); emails && emails->is_array())
        for (const auto &e : emails->get_array())
            if (e.is_string()) s.emails.emplace_back(e.get_string());
    return s;
}

value optional_time(const std::optional<int64_t> &t) { return t ? value(format_utc(*t)) : value(nullptr); }

// Holds a MariaDB named lock for one request's execution. The lock dies with the session, so a
// crashed run never blocks the next one, while two live runs of one request cannot overlap.
class RequestLock {
public:
    RequestLock(storage::Pool &pool, int64_t id) : lease_(pool.acquire()), name_(std::to_string(id)) {
        // Lock names are server-wide: the database's name goes in (hashed, to stay under the
        // 64-character limit) so two Plinth databases on one server never block each other.
        storage::Rows r = lease_->query(
            "SELECT GET_LOCK(CONCAT('plinth_privacy_', LEFT(SHA1(DATABASE()), 16), '_', ?), 0)", {name_});
        if (r.empty() || r[0].is_null(0) || r[0].i64(0) != 1)
            throw sdk::conflict("request " + std::to_string(id) + " is being executed right now");
    }
    ~RequestLock() {
        try {
            lease_->query("SELECT RELEASE_LOCK(CONCAT('plinth_privacy_', LEFT(SHA1(DATABASE()), 16), '_', ?))",
                          {name_});
        } catch (...) {
            // Released with the session anyway.
        }
    }
    RequestLock(const RequestLock &) = delete;
    RequestLock &operator=(const RequestLock &) = delete;

private:
    storage::Pool::Lease lease_;
    std::string name_;
};

// Refuses a customer naming another account before anything is looked up, so the answer does
// not reveal whether that account exists.
void precheck(const sdk::Caller &caller, const SubjectRef &who) {
    if (!caller.is_staff() && who.user_id && !(caller.is_user() && *who.user_id == caller.user_id))
        throw sdk::permission_denied("you can only act for your own account");
}

void require_self_or_staff(const sdk::Caller &caller, int64_t subject_user_id) {
    if (caller.is_staff()) return;
    if (caller.is_user() && subject_user_id > 0 && subject_user_id == caller.user_id) return;
    throw sdk::permission_denied("you can only act for your own account");
}

} // namespace

std::string actor_label(const sdk::Caller &caller) {
    if (caller.is_system()) return "system";
    if (caller.is_user())
        return std::string(caller.role >= PLINTH_ROLE_STAFF ? "staff:" : "user:") + std::to_string(caller.user_id);
    return "anonymous";
}

// The privacy module's own data, run through the same steps as every other module's.
class PrivacyService::SelfParticipant final : public Participant {
public:
    SelfParticipant(PrivacyService &service, int64_t running_request)
        : service_(service), running_request_(running_request) {}
    const std::string &module() const override { return id_; }
    void export_subject(const sdk::Subject &subject, ExportReceiver &out) override {
        service_.export_own(subject, out);
    }
    void erase_subject(const sdk::Subject &subject, bool dry_run, ErasureReceiver &out) override {
        service_.erase_own(subject, dry_run, running_request_, out);
    }

private:
    PrivacyService &service_;
    int64_t running_request_;
    std::string id_{kModuleId};
};

PrivacyService::PrivacyService(Settings settings, storage::Pool &pool, std::vector<uint8_t> hash_key,
                               Directory &directory, std::function<int64_t()> now_s, Log log)
    : settings_(std::move(settings)), pool_(pool), store_(pool), hash_key_(std::move(hash_key)),
      directory_(directory), now_s_(std::move(now_s)), log_(std::move(log)) {
    if (hash_key_.size() != crypto_auth_hmacsha256_KEYBYTES)
        throw sdk::Error(PLINTH_E_INTERNAL, "the subject hash key must be 32 bytes");
}

// ---------------------------------------------------------------------------------------------
// Subjects

std::string PrivacyService::email_hash(std::string_view email) const {
    const std::string normal = normalised_email(email);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, hash_key_.data(), hash_key_.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char *>(normal.data()), normal.size());
    crypto_auth_hmacsha256_final(&state, mac);
    return std::string(reinterpret_cast<const char *>(mac), sizeof mac);
}

sdk::Subject PrivacyService::resolve(std::string_view email) {
    const std::string given = checked_email(email);
    sdk::Subject subject;
    if (auto resolved = directory_.resolve(given); resolved && resolved->user_id > 0) subject = *resolved;
    // The address asked about is always part of the subject, even when accounts no longer lists
    // it: data keyed on it must be found.
    const std::string normal = normalised_email(given);
    bool present = std::any_of(subject.emails.begin(), subject.emails.end(),
                               [&](const std::string &e) { return normalised_email(e) == normal; });
    if (!present) subject.emails.push_back(given);
    return subject;
}

sdk::Subject PrivacyService::subject_of(const SubjectRef &who) {
    if (who.email && who.user_id) throw sdk::invalid_argument("give either 'email' or 'user_id', not both");
    if (who.email) return resolve(*who.email);
    if (who.user_id) {
        if (auto resolved = directory_.resolve_user(*who.user_id)) {
            if (resolved->user_id != *who.user_id) throw sdk::not_found("no account " + std::to_string(*who.user_id));
            return *resolved;
        }
        sdk::Subject s; // no accounts module: the id is all there is to go on
        s.user_id = *who.user_id;
        return s;
    }
    throw sdk::invalid_argument("missing argument 'email' or 'user_id'");
}

SubjectKeys PrivacyService::keys_of(const sdk::Subject &subject) const {
    SubjectKeys keys;
    keys.user_id = subject.user_id;
    std::set<std::string> seen;
    for (const auto &e : subject.emails) {
        if (e.empty() || e.size() > kMaxEmailBytes) continue;
        std::string h = email_hash(e);
        if (seen.insert(h).second) keys.email_hashes.push_back(std::move(h));
    }
    return keys;
}

std::string PrivacyService::open_slot(RequestKind kind, const sdk::Subject &subject, std::string_view email) const {
    std::string slot(kind_name(kind));
    if (subject.user_id > 0) return slot + ":u:" + std::to_string(subject.user_id);
    std::string h = email_hash(email);
    return slot + ":e:" + to_hex(reinterpret_cast<const unsigned char *>(h.data()), h.size());
}

// ---------------------------------------------------------------------------------------------
// Files

fs::path PrivacyService::privacy_dir() const {
    if (settings_.state_dir.empty())
        throw sdk::unavailable("the privacy module has no state folder (configuration 'state_dir'), so it cannot "
                               "write export archives");
    return fs::path(settings_.state_dir) / "privacy";
}

fs::path PrivacyService::exports_dir() const { return privacy_dir() / "exports"; }

fs::path PrivacyService::work_dir(int64_t request_id) const {
    return privacy_dir() / "work" / std::to_string(request_id);
}

void PrivacyService::delete_archive_file(const std::string &file_name) const {
    if (file_name.empty() || file_name.find('/') != std::string::npos || file_name.front() == '.') return;
    std::error_code ec;
    fs::remove(exports_dir() / file_name, ec);
    if (ec) throw sdk::Error(PLINTH_E_INTERNAL, "cannot delete export archive " + file_name + ": " + ec.message());
}

// ---------------------------------------------------------------------------------------------
// Audit

void PrivacyService::audit(std::optional<int64_t> request_id, std::string_view actor, std::string_view action,
                           std::string_view detail) {
    pool_.transaction([&](Connection &c) { store_.audit(c, now(), request_id, actor, action, detail); });
}

boost::json::value PrivacyService::verify_audit() {
    AuditVerification v = pool_.run([&](Connection &c) { return store_.verify_audit(c); });
    return {{"entries", v.entries},
            {"intact", v.intact},
            {"first_broken_id", v.first_broken_id ? value(*v.first_broken_id) : value(nullptr)}};
}

// ---------------------------------------------------------------------------------------------
// Own data

std::vector<sdk::DataCategory> PrivacyService::own_categories() const {
    const std::string consent_days = std::to_string(settings_.consent_retention_days);
    const std::string request_days = std::to_string(settings_.request_retention_days);
    const std::string export_days = std::to_string(settings_.export_retention_days);
    return {
        {std::string(kConsentCategory),
         "account id, keyed hash of the email address, purpose, action (grant, withdraw, object, restrict, lift "
         "restriction), policy version, source, time",
         "prove which consents, objections and restrictions a person gave, and let every module honour them",
         "legal obligation (Art. 6(1)(c), Art. 7(1) GDPR)",
         "while the account exists; after an erasure " + consent_days + " days, pseudonymised", 0, ""},
        {std::string(kRequestCategory),
         "email address (until erased), account id, kind, status, dates, per-module progress and outcomes, audit "
         "trail",
         "answer access, erasure, restriction and objection requests within the deadline, and prove it",
         "legal obligation (Art. 6(1)(c), Art. 12 and Art. 5(2) GDPR)",
         request_days + " days after the request is closed", settings_.request_retention_days, ""},
        {std::string(kArchiveCategory), "a copy of every exported item and file",
         "hand a person their data (right of access and portability)",
         "legal obligation (Art. 6(1)(c), Art. 15 and Art. 20 GDPR)", export_days + " days after it was created",
         settings_.export_retention_days, "the person who asked for it"},
    };
}

void PrivacyService::export_own(const sdk::Subject &subject, ExportReceiver &out) {
    SubjectKeys keys = keys_of(subject);
    std::vector<ConsentEventRow> events;
    std::vector<RequestRow> requests;
    std::vector<ExportRow> archives;
    pool_.run([&](Connection &c) {
        events = store_.consent_history(c, keys);
        requests = store_.subject_requests(c, keys);
        archives = store_.subject_exports(c, keys);
    });
    for (const auto &e : events) {
        object o{{"id", e.id},
                 {"purpose", e.purpose.empty() ? value(nullptr) : value(e.purpose)},
                 {"action", e.action},
                 {"policy_version", e.policy_version},
                 {"source", e.source},
                 {"recorded_by", e.actor},
                 {"recorded_at", format_utc(e.created_at)}};
        out.item(kConsentCategory, boost::json::serialize(o));
    }
    for (const auto &r : requests) {
        object o{{"request_id", r.id},
                 {"kind", kind_name(r.kind)},
                 {"purpose", r.purpose ? value(*r.purpose) : value(nullptr)},
                 {"status", status_name(r.status)},
                 {"email", r.email ? value(*r.email) : value(nullptr)},
                 {"created_at", format_utc(r.created_at)},
                 {"deadline", format_utc(r.deadline_at)},
                 {"confirmed_at", optional_time(r.confirmed_at)},
                 {"completed_at", optional_time(r.completed_at)}};
        out.item(kRequestCategory, boost::json::serialize(o));
    }
    for (const auto &a : archives) {
        object o{{"request_id", a.request_id},
                 {"created_at", format_utc(a.created_at)},
                 {"expires_at", format_utc(a.expires_at)},
                 {"size", a.size},
                 {"sha256", a.sha256}};
        out.item(kArchiveCategory, boost::json::serialize(o));
    }
}

void PrivacyService::erase_own(const sdk::Subject &subject, bool dry_run, int64_t running_request,
                               ErasureReceiver &out) {
    const SubjectKeys keys = keys_of(subject);
    const int64_t t = now();
    const int64_t consent_until = t + settings_.consent_retention_days * kSecondsPerDay;
    const int64_t request_until = t + settings_.request_retention_days * kSecondsPerDay;

    // Archives first: a copy of everything must not outlive the erasure of the originals.
    auto archives = pool_.run([&](Connection &c) { return store_.subject_exports(c, keys); });
    for (const auto &a : archives) {
        if (!dry_run) {
            delete_archive_file(a.file_name);
            pool_.run([&](Connection &c) { store_.mark_export_deleted(c, a.request_id, t); });
        }
        out.outcome({std::string(kModuleId), std::string(kArchiveCategory),
                     "export archive of request " + std::to_string(a.request_id), Outcome::removed, "", 0});
    }

    std::vector<int64_t> consent_ids;
    SubjectRequests requests;
    pool_.transaction([&](Connection &c) {
        consent_ids = store_.retain_consent(c, keys, consent_until, dry_run);
        requests = store_.pseudonymise_requests(c, keys, running_request, request_until, dry_run);
    });
    for (int64_t id : consent_ids)
        out.outcome({std::string(kModuleId), std::string(kConsentCategory), "consent record " + std::to_string(id),
                     Outcome::retained, std::string(kConsentBasis), consent_until});
    for (int64_t id : requests.closed)
        out.outcome({std::string(kModuleId), std::string(kRequestCategory), "request " + std::to_string(id),
                     Outcome::retained, std::string(kRequestBasis), request_until});
    for (const auto &[id, deadline] : requests.open)
        out.outcome({std::string(kModuleId), std::string(kRequestCategory),
                     "request " + std::to_string(id) + " (still open)", Outcome::retained,
                     std::string(kOpenRequestBasis), std::max(deadline, t + 1)});
}

std::vector<SweepCount> PrivacyService::sweep_own(int64_t t) {
    int64_t archives_removed = 0, staging_removed = 0;
    if (!settings_.state_dir.empty()) {
        auto expired = pool_.run([&](Connection &c) { return store_.expired_exports(c, t); });
        for (const auto &a : expired) {
            delete_archive_file(a.file_name);
            pool_.run([&](Connection &c) { store_.mark_export_deleted(c, a.request_id, t); });
            ++archives_removed;
        }
        // Staging of requests that are no longer open (closed while a copy was half-built).
        std::error_code ec;
        const fs::path work = privacy_dir() / "work";
        if (fs::is_directory(work, ec)) {
            for (const auto &entry : fs::directory_iterator(work, ec)) {
                const std::string name = entry.path().filename().string();
                int64_t id = 0;
                try {
                    id = std::stoll(name);
                } catch (...) {
                    continue;
                }
                auto r = pool_.run([&](Connection &c) { return store_.request(c, id); });
                if (!r || !is_open(r->status)) {
                    fs::remove_all(entry.path(), ec);
                    ++staging_removed;
                }
            }
        }
    }
    int64_t expired = 0, requests_removed = 0, consent_removed = 0, audit_removed = 0;
    const int64_t keep_expired_until = t + settings_.request_retention_days * kSecondsPerDay;
    pool_.transaction([&](Connection &c) {
        auto ids = store_.expire_lapsed(c, t, keep_expired_until);
        expired = static_cast<int64_t>(ids.size());
        for (int64_t id : ids) store_.audit(c, t, id, "system", "expired", "token lapsed without confirmation");
        requests_removed = store_.purge_requests(c, t);
        consent_removed = store_.purge_consent(c, t);
        audit_removed = store_.purge_audit(c, t - settings_.audit_retention_days * kSecondsPerDay);
    });
    return {{std::string(kArchiveCategory), "removed", archives_removed},
            {std::string(kArchiveCategory), "staging removed", staging_removed},
            {std::string(kRequestCategory), "expired", expired},
            {std::string(kRequestCategory), "removed", requests_removed},
            {std::string(kRequestCategory), "audit entries removed", audit_removed},
            {std::string(kConsentCategory), "removed", consent_removed}};
}

// ---------------------------------------------------------------------------------------------
// Inventory

boost::json::value PrivacyService::inventory(InventoryFormat format) {
    Register reg = directory_.inventory(now());
    std::string document = render(reg, format);
    return {{"format", format_name(format)}, {"document", std::move(document)}};
}

// ---------------------------------------------------------------------------------------------
// Consent

bool PrivacyService::is_allowed(const sdk::Subject &subject, std::string_view purpose, bool requires_opt_in) {
    if (purpose.empty()) throw sdk::invalid_argument("no purpose given");
    SubjectKeys keys = keys_of(subject);
    ConsentState state = pool_.run([&](Connection &c) { return store_.consent_state(c, keys, purpose); });
    return privacy::is_allowed(state, requires_opt_in);
}

boost::json::value PrivacyService::check_consent(const SubjectRef &who, std::string_view purpose,
                                                 std::optional<bool> requires_opt_in) {
    sdk::Subject subject = subject_of(who);
    const PurposeInfo *info = settings_.purpose(purpose);
    const bool opt_in = requires_opt_in.value_or(info ? info->requires_opt_in : false);
    return {{"purpose", purpose},
            {"user_id", subject.user_id},
            {"requires_opt_in", opt_in},
            {"allowed", is_allowed(subject, purpose, opt_in)}};
}

bool PrivacyService::answer_for(const ConsentState &state, std::string_view purpose) const {
    if (const PurposeInfo *info = settings_.purpose(purpose)) return privacy::is_allowed(state, info->requires_opt_in);
    return listener_answer(state);
}

boost::json::array PrivacyService::notify(const sdk::Subject &subject, const SubjectKeys &keys,
                                          const std::vector<std::string> &purposes) {
    array out;
    for (const auto &purpose : purposes) {
        ConsentState state = pool_.run([&](Connection &c) { return store_.consent_state(c, keys, purpose); });
        const bool allowed = answer_for(state, purpose);
        array listeners;
        for (const auto &r : directory_.notify_consent(subject, purpose, allowed)) {
            if (!r.error.empty())
                log_(PLINTH_LOG_WARNING, "consent listener '" + r.module + "' failed for purpose '" + purpose +
                                             "': " + r.error);
            listeners.push_back({{"module", r.module}, {"ok", r.error.empty()}, {"error", r.error}});
        }
        out.push_back({{"purpose", purpose}, {"allowed", allowed}, {"listeners", std::move(listeners)}});
    }
    return out;
}

boost::json::value PrivacyService::change_consent(const sdk::Caller &caller, const SubjectRef &who,
                                                  const ConsentChange &change) {
    if (change.action == ConsentAction::lift_restriction && !caller.is_staff())
        throw sdk::permission_denied("only staff can lift a restriction of processing");
    precheck(caller, who);
    sdk::Subject subject = subject_of(who);
    require_self_or_staff(caller, subject.user_id);
    if (subject.user_id == 0 && subject.emails.empty())
        throw sdk::invalid_argument("the subject has neither an account nor an email address");
    const SubjectKeys keys = keys_of(subject);
    const bool wide = is_subject_wide(change.action);

    NewConsentEvent e;
    e.user_id = subject.user_id;
    if (who.email) e.email_hash = email_hash(*who.email);
    else if (!subject.emails.empty()) e.email_hash = email_hash(subject.emails.front());
    e.purpose = wide ? std::string() : change.purpose;
    e.action = change.action;
    e.policy_version = change.policy_version;
    e.source = change.source;
    e.actor = actor_label(caller);
    e.at = now();
    const int64_t event_id = pool_.transaction([&](Connection &c) { return store_.add_consent_event(c, e); });

    std::vector<std::string> purposes;
    if (wide) {
        purposes = pool_.run([&](Connection &c) { return store_.consent_purposes(c, keys); });
        for (const auto &[name, info] : settings_.purposes)
            if (std::find(purposes.begin(), purposes.end(), name) == purposes.end()) purposes.push_back(name);
    } else {
        purposes.push_back(change.purpose);
    }
    array notified = notify(subject, keys, purposes);
    object result{{"event_id", event_id},
                  {"action", action_name(change.action)},
                  {"recorded_at", format_utc(e.at)},
                  {"user_id", subject.user_id},
                  {"notified", std::move(notified)}};
    if (!wide) {
        result["purpose"] = change.purpose;
        result["allowed"] = result["notified"].as_array().front().as_object().at("allowed");
    } else {
        result["restricted"] = change.action == ConsentAction::restrict;
    }
    return result;
}

boost::json::value PrivacyService::consent_history(const sdk::Caller &caller, const SubjectRef &who) {
    precheck(caller, who);
    sdk::Subject subject = subject_of(who);
    require_self_or_staff(caller, subject.user_id);
    const SubjectKeys keys = keys_of(subject);
    std::vector<ConsentEventRow> events;
    std::vector<std::string> purposes;
    bool restricted = false;
    pool_.run([&](Connection &c) {
        events = store_.consent_history(c, keys);
        purposes = store_.consent_purposes(c, keys);
        restricted = store_.consent_state(c, keys, "").restricted;
    });
    array history;
    for (const auto &ev : events)
        history.push_back({{"id", ev.id},
                           {"purpose", ev.purpose.empty() ? value(nullptr) : value(ev.purpose)},
                           {"action", ev.action},
                           {"policy_version", ev.policy_version},
                           {"source", ev.source},
                           {"recorded_by", ev.actor},
                           {"recorded_at", format_utc(ev.created_at)},
                           {"recorded_at_unix", ev.created_at},
                           {"archived", ev.retain_until.has_value()}});
    object current;
    for (const auto &p : purposes) {
        ConsentState s = pool_.run([&](Connection &c) { return store_.consent_state(c, keys, p); });
        current[p] = answer_for(s, p);
    }
    return {{"user_id", subject.user_id},
            {"restricted", restricted},
            {"current", std::move(current)},
            {"history", std::move(history)}};
}

// ---------------------------------------------------------------------------------------------
// Requests

PrivacyService::Created PrivacyService::create(const sdk::Caller &caller, std::string_view email_arg,
                                               RequestKind kind, std::optional<std::string> purpose) {
    const std::string email = checked_email(email_arg);
    if (kind == RequestKind::object) {
        if (!purpose) throw sdk::invalid_argument("an objection needs argument 'purpose'");
        purpose = checked_purpose(*purpose);
    } else if (purpose) {
        throw sdk::invalid_argument("argument 'purpose' applies only to objections");
    }
    sdk::Subject subject = resolve(email);
    require_self_or_staff(caller, subject.user_id);

    std::vector<unsigned char> raw(kTokenBytes);
    randombytes_buf(raw.data(), raw.size());
    Created created;
    created.token = to_hex(raw.data(), raw.size());
    const std::string token_hash =
        digest_string(std::string_view(reinterpret_cast<const char *>(raw.data()), raw.size()));
    sodium_memzero(raw.data(), raw.size());

    const int64_t t = now();
    NewRequest r;
    r.kind = kind;
    r.purpose = purpose;
    r.email = email;
    r.email_hash = email_hash(email);
    r.user_id = subject.user_id;
    r.open_slot = open_slot(kind, subject, email);
    r.token_hash = token_hash;
    r.token_expires_at = t + kTokenLifetimeSeconds;
    r.created_by = actor_label(caller);
    r.created_at = t;
    r.deadline_at = deadline_for(t);
    created.token_expires_at = r.token_expires_at;
    created.deadline_at = r.deadline_at;
    const int64_t keep_expired_until = t + settings_.request_retention_days * kSecondsPerDay;

    const SubjectKeys keys = keys_of(subject);
    for (const auto &h : keys.email_hashes) r.subject_hashes.push_back(h);
    created.id = pool_.transaction([&](Connection &c) {
        // Matched by account and by every address: after a half-finished erasure the account may
        // be gone while its request is still open.
        auto existing = store_.open_requests_of(c, kind, keys, true);
        if (auto slotted = store_.request_by_slot(c, r.open_slot, true)) existing.push_back(*slotted);
        for (const auto &e : existing) {
            if (!token_lapsed(e.status, e.token_expires_at, t))
                throw sdk::conflict("this person already has an open " + std::string(kind_name(kind)) +
                                    " request (request " + std::to_string(e.id) + ", " +
                                    std::string(status_name(e.status)) + ")");
        }
        std::set<int64_t> lapsed;
        for (const auto &e : existing) lapsed.insert(e.id);
        for (int64_t id : lapsed) {
            store_.mark_expired(c, id, keep_expired_until);
            store_.audit(c, t, id, "system", "expired", "token lapsed without confirmation");
        }
        int64_t id = store_.insert_request(c, r);
        store_.audit(c, t, id, r.created_by, "created",
                     std::string(kind_name(kind)) + (purpose ? " (purpose " + *purpose + ")" : "") +
                         (subject.user_id ? "; account " + std::to_string(subject.user_id) : "; no account"));
        return id;
    });
    return created;
}

boost::json::value PrivacyService::create_request(const sdk::Caller &caller, std::string_view email,
                                                  RequestKind kind, std::optional<std::string> purpose) {
    Created c = create(caller, email, kind, std::move(purpose));
    return {{"request_id", c.id},
            {"kind", kind_name(kind)},
            {"status", "pending"},
            {"token", c.token},
            {"token_expires_at", format_utc(c.token_expires_at)},
            {"deadline", format_utc(c.deadline_at)},
            {"deadline_at", c.deadline_at}};
}

boost::json::value PrivacyService::confirm_request(int64_t id, std::string_view token) {
    return confirm(id, token, "subject");
}

boost::json::value PrivacyService::confirm(int64_t id, std::string_view token, const std::string &actor) {
    auto raw = token_bytes(token);
    if (!raw) throw sdk::invalid_argument("argument 'token' must be 64 hexadecimal characters");
    const std::string presented = digest_string(*raw);
    const int64_t t = now();
    const int64_t keep_expired_until = t + settings_.request_retention_days * kSecondsPerDay;
    struct Outcome {
        ConfirmDecision decision;
        RequestRow row;
    };
    Outcome o = pool_.transaction([&](Connection &c) -> Outcome {
        auto row = store_.request(c, id, true);
        // An unknown request and a wrong token look the same: neither tells a guesser anything.
        if (!row) return {ConfirmDecision::wrong_token, {}};
        const bool matches = row->token_hash && row->token_hash->size() == presented.size() &&
                             sodium_memcmp(row->token_hash->data(), presented.data(), presented.size()) == 0;
        ConfirmDecision d = decide_confirm(row->status, row->token_expires_at, t, matches);
        if (d == ConfirmDecision::confirm) {
            store_.mark_confirmed(c, id, t);
            store_.audit(c, t, id, actor, "confirmed", "token accepted");
            row->status = RequestStatus::confirmed;
            row->confirmed_at = t;
        } else if (d == ConfirmDecision::expire) {
            store_.mark_expired(c, id, keep_expired_until);
            store_.audit(c, t, id, actor, "expired", "confirmation arrived after the token lapsed");
        }
        return {d, *row};
    });
    switch (o.decision) {
    case ConfirmDecision::wrong_token: throw sdk::unauthenticated("unknown request or wrong token");
    case ConfirmDecision::expire:
    case ConfirmDecision::expired:
        throw sdk::expired("the confirmation token has expired (tokens are valid for 24 hours); please make a new "
                           "request");
    case ConfirmDecision::confirm:
    case ConfirmDecision::already_done: break;
    }
    return {{"request_id", id},
            {"kind", kind_name(o.row.kind)},
            {"status", status_name(o.row.status)},
            {"deadline", format_utc(o.row.deadline_at)},
            {"deadline_at", o.row.deadline_at}};
}

boost::json::value PrivacyService::execute_request(const sdk::Caller &caller, int64_t id) {
    RequestLock lock(pool_, id);
    auto row = pool_.run([&](Connection &c) { return store_.request(c, id); });
    if (!row) throw sdk::not_found("no request " + std::to_string(id));
    const int64_t t = now();
    switch (decide_execute(row->status, row->token_expires_at, t)) {
    case ExecuteDecision::return_result: {
        boost::system::error_code ec;
        value v = boost::json::parse(row->result.value_or("{}"), ec);
        return ec ? value(object{{"request_id", id}}) : v;
    }
    case ExecuteDecision::not_confirmed:
        throw sdk::conflict("request " + std::to_string(id) + " has not been confirmed yet");
    case ExecuteDecision::expired:
        if (row->status == RequestStatus::pending) {
            pool_.transaction([&](Connection &c) {
                store_.mark_expired(c, id, t + settings_.request_retention_days * kSecondsPerDay);
                store_.audit(c, t, id, "system", "expired", "token lapsed without confirmation");
            });
        }
        throw sdk::expired("request " + std::to_string(id) + " has expired");
    case ExecuteDecision::run: break;
    }
    return run(caller, std::move(*row));
}

boost::json::value PrivacyService::run(const sdk::Caller &caller, RequestRow request) {
    const int64_t id = request.id;
    const std::string actor = actor_label(caller);
    sdk::Subject subject;
    std::optional<std::string> freeze;
    if (request.subject_json) {
        // A resumed run works on the subject frozen by the first run: by now accounts may have
        // erased the account that would let us resolve the address again.
        subject = subject_from_json(*request.subject_json);
    } else {
        if (!request.email) throw sdk::Error(PLINTH_E_INTERNAL, "request " + std::to_string(id) + " has no address");
        subject = resolve(*request.email);
        freeze = boost::json::serialize(subject_json(subject));
    }
    const int64_t t = now();
    pool_.transaction([&](Connection &c) {
        store_.mark_running(c, id, t, freeze);
        store_.audit(c, t, id, actor, "run started",
                     "run " + std::to_string(request.runs + 1) +
                         (request.status == RequestStatus::confirmed ? "" : " (resuming a " +
                                                                                std::string(status_name(request.status)) +
                                                                                " run)"));
    });
    request.status = RequestStatus::running;
    try {
        switch (request.kind) {
        case RequestKind::export_data: return run_export(request, subject);
        case RequestKind::erase: return run_erase(request, subject);
        case RequestKind::restrict:
        case RequestKind::object: return run_consent_request(request, subject);
        }
        throw sdk::Error(PLINTH_E_INTERNAL, "unknown request kind");
    } catch (const InjectedCrash &) {
        throw; // as if the process died: nothing more is recorded
    } catch (const std::exception &e) {
        const std::string message = e.what();
        try {
            pool_.transaction([&](Connection &c) {
                store_.mark_failed(c, id, message);
                store_.audit(c, now(), id, "system", "failed", message);
            });
        } catch (...) {
            // The run stays "running"; the next execute resumes it all the same.
        }
        log_(PLINTH_LOG_ERROR, "request " + std::to_string(id) + " failed: " + message);
        throw;
    }
}

std::vector<std::unique_ptr<Participant>> PrivacyService::participants_with_self(int64_t running_request) {
    auto list = directory_.participants();
    list.push_back(std::make_unique<SelfParticipant>(*this, running_request));
    return list;
}

void PrivacyService::plan_steps(int64_t request_id, const std::vector<std::unique_ptr<Participant>> &participants) {
    const int64_t t = now();
    pool_.transaction([&](Connection &c) {
        int64_t position = 0;
        for (const auto &p : participants) {
            const bool self = p->module() == kModuleId;
            store_.add_step(c, request_id, p->module(), self ? kSelfPosition : position++, t);
        }
    });
}

void PrivacyService::after_step(const RequestRow &request, int done_this_run, bool more_to_do) {
    // Only a request's first run is interrupted, so executing it again shows the resumption.
    if (!settings_.fail_after_modules || request.runs != 0 || !more_to_do ||
        done_this_run < *settings_.fail_after_modules)
        return;
    const std::string message =
        "injected failure after " + std::to_string(done_this_run) + " module(s) (configuration 'fail_after_modules')";
    if (settings_.fail_mode == FailMode::crash) throw InjectedCrash(PLINTH_E_INTERNAL, message);
    throw sdk::Error(PLINTH_E_INTERNAL, message);
}

namespace {

Participant *find_participant(const std::vector<std::unique_ptr<Participant>> &list, const std::string &module) {
    for (const auto &p : list)
        if (p->module() == module) return p.get();
    return nullptr;
}

[[noreturn]] void missing_module(const std::string &module) {
    throw sdk::unavailable("module '" + module + "' took part in this request but is not loaded now; load it and "
                           "execute the request again");
}

} // namespace

boost::json::value PrivacyService::run_export(RequestRow &request, const sdk::Subject &subject) {
    const int64_t id = request.id;
    auto participants = participants_with_self(0);
    plan_steps(id, participants);
    make_private_dir(privacy_dir());
    ExportStaging staging(work_dir(id));
    make_private_dir(staging.dir());

    auto steps = pool_.run([&](Connection &c) { return store_.steps(c, id); });
    int done_this_run = 0;
    for (size_t i = 0; i < steps.size(); ++i) {
        const StepRow &step = steps[i];
        if (step.done && staging.is_complete(step.module)) continue;
        Participant *p = find_participant(participants, step.module);
        if (p == nullptr) missing_module(step.module);
        pool_.run([&](Connection &c) { store_.begin_step(c, id, step.module, now()); });
        StagedModuleWriter writer(staging.module_dir(step.module));
        p->export_subject(subject, writer);
        writer.complete();
        StepCounts counts;
        counts.items = writer.items();
        counts.files = writer.files();
        pool_.transaction([&](Connection &c) {
            store_.finish_step(c, id, step.module, counts, now());
            store_.audit(c, now(), id, "system", "module exported",
                         step.module + ": " + std::to_string(counts.items) + " items, " +
                             std::to_string(counts.files) + " files");
        });
        ++done_this_run;
        bool more = false;
        for (size_t j = i + 1; j < steps.size(); ++j) more = more || !steps[j].done || !staging.is_complete(steps[j].module);
        after_step(request, done_this_run, more);
    }

    // Every module is staged: assemble the archive.
    const int64_t t = now();
    Register reg = directory_.inventory(t);
    ExportDocument doc;
    doc.request_id = id;
    doc.generated_at = t;
    doc.user_id = subject.user_id;
    doc.emails = subject.emails;
    std::map<std::string, fs::path> sources;
    std::set<std::string> taken;
    for (const auto &step : steps) {
        ModuleExport m;
        staging.load(step.module, reg, m, sources, taken);
        complete_groups(m, reg);
        doc.modules.push_back(std::move(m));
    }
    make_private_dir(exports_dir());
    if (auto old = pool_.run([&](Connection &c) { return store_.export_of(c, id); }); old && !old->deleted_at)
        delete_archive_file(old->file_name); // an earlier run built it but died before completing
    const std::string file_name = random_hex(16) + ".zip";
    const fs::path path = exports_dir() / file_name;
    BuiltArchive built;
    try {
        built = write_export_archive(doc, sources, path);
    } catch (...) {
        std::error_code ec;
        fs::remove(path, ec);
        throw;
    }
    const int64_t expires_at = t + settings_.export_retention_days * kSecondsPerDay;
    array files;
    for (const auto &e : built.entries) files.emplace_back(e);
    object result{{"request_id", id},
                  {"kind", "export"},
                  {"archive", path.string()},
                  {"items", doc.item_count()},
                  {"file_count", doc.file_count()},
                  {"size", built.size},
                  {"sha256", built.sha256},
                  {"expires_at", format_utc(expires_at)}};
    // The stored result leaves out the archive's file names: they may say something about the
    // person and outlive the archive by years.
    const std::string stored = boost::json::serialize(result);
    result["files"] = std::move(files);
    try {
        pool_.transaction([&](Connection &c) {
            store_.add_export(c, {id, file_name, static_cast<int64_t>(built.size), built.sha256, t, expires_at, {}});
            store_.mark_completed(c, id, t, stored, t + settings_.request_retention_days * kSecondsPerDay, false);
            store_.audit(c, t, id, "system", "completed",
                         "archive with " + std::to_string(doc.item_count()) + " items and " +
                             std::to_string(doc.file_count()) + " files, sha256 " + built.sha256);
        });
    } catch (...) {
        std::error_code ec;
        fs::remove(path, ec);
        throw;
    }
    staging.remove_all();
    log_(PLINTH_LOG_INFO, "export request " + std::to_string(id) + " completed: " +
                              std::to_string(doc.item_count()) + " items");
    return result;
}

boost::json::value PrivacyService::run_erase(RequestRow &request, const sdk::Subject &subject) {
    const int64_t id = request.id;
    auto participants = participants_with_self(id);
    plan_steps(id, participants);
    auto steps = pool_.run([&](Connection &c) { return store_.steps(c, id); });

    // Every outcome is stored the moment it is reported, keyed by module and item: a run that
    // dies inside a module loses nothing it already reported, and the module's second pass
    // (idempotent) cannot add duplicates.
    class Recorder final : public ErasureReceiver {
    public:
        Recorder(PrivacyStore &store, storage::Pool &pool, int64_t id) : store_(store), pool_(pool), id_(id) {}
        void outcome(const ErasureRecord &r) override {
            check_record(r);
            pool_.run([&](Connection &c) { store_.record_outcome(c, id_, r); });
            summary.add(r.outcome);
        }
        ErasureSummary summary;

    private:
        PrivacyStore &store_;
        storage::Pool &pool_;
        int64_t id_;
    };

    int done_this_run = 0;
    for (size_t i = 0; i < steps.size(); ++i) {
        const StepRow &step = steps[i];
        if (step.done) continue;
        Participant *p = find_participant(participants, step.module);
        if (p == nullptr) missing_module(step.module);
        pool_.run([&](Connection &c) { store_.begin_step(c, id, step.module, now()); });
        Recorder recorder(store_, pool_, id);
        p->erase_subject(subject, false, recorder);
        // Counts cover earlier, interrupted passes too.
        ErasureSummary total;
        for (const auto &r : pool_.run([&](Connection &c) { return store_.outcomes(c, id); }))
            if (r.module == step.module) total.add(r.outcome);
        StepCounts counts;
        counts.removed = total.removed;
        counts.anonymised = total.anonymised;
        counts.retained = total.retained;
        counts.items = total.removed + total.anonymised + total.retained;
        pool_.transaction([&](Connection &c) {
            store_.finish_step(c, id, step.module, counts, now());
            store_.audit(c, now(), id, "system", "module erased",
                         step.module + ": removed " + std::to_string(counts.removed) + ", anonymised " +
                             std::to_string(counts.anonymised) + ", retained " + std::to_string(counts.retained));
        });
        ++done_this_run;
        bool more = false;
        for (size_t j = i + 1; j < steps.size(); ++j) more = more || !steps[j].done;
        after_step(request, done_this_run, more);
    }

    auto records = pool_.run([&](Connection &c) { return store_.outcomes(c, id); });
    ErasureSummary summary = summarise(records);
    array outcomes;
    for (const auto &r : records) outcomes.push_back(to_json(r));
    object result{{"request_id", id}, {"kind", "erase"}, {"outcomes", std::move(outcomes)}, {"summary", to_json(summary)}};
    const int64_t t = now();
    pool_.transaction([&](Connection &c) {
        store_.mark_completed(c, id, t, boost::json::serialize(result),
                              t + settings_.request_retention_days * kSecondsPerDay, true);
        store_.audit(c, t, id, "system", "completed",
                     "removed " + std::to_string(summary.removed) + ", anonymised " +
                         std::to_string(summary.anonymised) + ", retained " + std::to_string(summary.retained));
    });
    log_(PLINTH_LOG_INFO, "erase request " + std::to_string(id) + " completed");
    return result;
}

boost::json::value PrivacyService::run_consent_request(RequestRow &request, const sdk::Subject &subject) {
    const int64_t id = request.id;
    const int64_t t = now();
    const SubjectKeys keys = keys_of(subject);
    const bool restrict = request.kind == RequestKind::restrict;
    const std::string purpose = request.purpose.value_or("");
    pool_.transaction([&](Connection &c) { store_.add_step(c, id, kModuleId, kSelfPosition, t); });
    auto steps = pool_.run([&](Connection &c) { return store_.steps(c, id); });
    const bool recorded = !steps.empty() && steps.front().done;
    if (!recorded) {
        pool_.transaction([&](Connection &c) {
            NewConsentEvent e;
            e.user_id = subject.user_id;
            if (request.email) e.email_hash = email_hash(*request.email);
            e.purpose = restrict ? std::string() : purpose;
            e.action = restrict ? ConsentAction::restrict : ConsentAction::object;
            e.source = "request " + std::to_string(id);
            e.actor = "request:" + std::to_string(id);
            e.request_id = id;
            e.at = t;
            store_.add_consent_event(c, e);
            StepCounts counts;
            counts.items = 1;
            store_.finish_step(c, id, kModuleId, counts, t);
            store_.audit(c, t, id, "system", "recorded",
                         restrict ? std::string("restriction of processing") : "objection to " + purpose);
        });
    }
    // Listeners are told on every run (they are idempotent), so a crash between recording and
    // telling them is healed by executing again.
    std::vector<std::string> purposes;
    if (restrict) {
        purposes = pool_.run([&](Connection &c) { return store_.consent_purposes(c, keys); });
        for (const auto &[name, info] : settings_.purposes)
            if (std::find(purposes.begin(), purposes.end(), name) == purposes.end()) purposes.push_back(name);
    } else {
        purposes.push_back(purpose);
    }
    array notified = notify(subject, keys, purposes);
    object result{{"request_id", id}, {"kind", kind_name(request.kind)}, {"notified", notified}};
    if (!restrict) result["purpose"] = purpose;
    pool_.transaction([&](Connection &c) {
        store_.mark_completed(c, id, now(), boost::json::serialize(result),
                              now() + settings_.request_retention_days * kSecondsPerDay, false);
        store_.audit(c, now(), id, "system", "completed", "listeners notified");
    });
    return result;
}

boost::json::object PrivacyService::request_json(const RequestRow &r, bool with_detail) {
    object o{{"request_id", r.id},
             {"kind", kind_name(r.kind)},
             {"purpose", r.purpose ? value(*r.purpose) : value(nullptr)},
             {"status", status_name(r.status)},
             {"user_id", r.user_id},
             {"email", r.email ? value(*r.email) : value(nullptr)},
             {"created_by", r.created_by},
             {"created_at", format_utc(r.created_at)},
             {"deadline", format_utc(r.deadline_at)},
             {"deadline_at", r.deadline_at},
             {"overdue", is_open(r.status) && now() > r.deadline_at},
             {"confirmed_at", optional_time(r.confirmed_at)},
             {"started_at", optional_time(r.started_at)},
             {"completed_at", optional_time(r.completed_at)},
             {"runs", r.runs},
             {"error", r.error ? value(*r.error) : value(nullptr)}};
    if (r.status == RequestStatus::pending) o["token_expires_at"] = format_utc(r.token_expires_at);
    if (!with_detail) return o;
    std::vector<StepRow> steps;
    std::vector<AuditEntry> trail;
    pool_.run([&](Connection &c) {
        steps = store_.steps(c, r.id);
        trail = store_.audit_for(c, r.id);
    });
    array progress, audit_trail;
    for (const auto &s : steps)
        progress.push_back({{"module", s.module},
                            {"status", s.done ? "done" : "pending"},
                            {"items", s.items},
                            {"files", s.files},
                            {"removed", s.removed},
                            {"anonymised", s.anonymised},
                            {"retained", s.retained},
                            {"attempts", s.attempts}});
    for (const auto &a : trail)
        audit_trail.push_back({{"at", format_utc(a.at)}, {"actor", a.actor}, {"action", a.action}, {"detail", a.detail}});
    o["progress"] = std::move(progress);
    o["audit"] = std::move(audit_trail);
    if (r.result) {
        boost::system::error_code ec;
        value v = boost::json::parse(*r.result, ec);
        o["result"] = ec ? value(nullptr) : v;
    } else {
        o["result"] = nullptr;
    }
    return o;
}

RequestRow PrivacyService::visible_request(const sdk::Caller &caller, int64_t id) {
    auto row = pool_.run([&](Connection &c) { return store_.request(c, id); });
    // Customers learn nothing about requests that are not theirs, not even that they exist.
    if (!row || (!caller.is_staff() && !(caller.is_user() && row->user_id > 0 && row->user_id == caller.user_id)))
        throw sdk::not_found("no request " + std::to_string(id));
    return *row;
}

boost::json::value PrivacyService::get_request(const sdk::Caller &caller, int64_t id) {
    RequestRow row = visible_request(caller, id);
    if (token_lapsed(row.status, row.token_expires_at, now())) {
        const int64_t t = now();
        pool_.transaction([&](Connection &c) {
            store_.mark_expired(c, id, t + settings_.request_retention_days * kSecondsPerDay);
            store_.audit(c, t, id, "system", "expired", "token lapsed without confirmation");
        });
        row = *pool_.run([&](Connection &c) { return store_.request(c, id); });
    }
    return request_json(row, true);
}

boost::json::value PrivacyService::archive_contents(const sdk::Caller &caller, int64_t id) {
    RequestRow row = visible_request(caller, id);
    auto archive = pool_.run([&](Connection &c) { return store_.export_of(c, id); });
    if (row.kind != RequestKind::export_data || !archive)
        throw sdk::not_found("request " + std::to_string(id) + " has no export archive");
    if (archive->deleted_at)
        throw sdk::not_found("the archive of request " + std::to_string(id) + " was deleted on " +
                             format_utc(*archive->deleted_at));
    const fs::path path = exports_dir() / archive->file_name;
    auto parse = [&](std::string_view entry) {
        boost::system::error_code ec;
        value v = boost::json::parse(read_zip_entry(path, entry), ec);
        if (ec || !v.is_object()) throw sdk::Error(PLINTH_E_INTERNAL, "the archive's " + std::string(entry) + " is damaged");
        return v;
    };
    value manifest = parse("manifest.json");
    value exported = parse("export.json");
    array entries;
    bool verified = true;
    for (const auto &f : manifest.as_object().at("files").as_array()) {
        const auto &o = f.as_object();
        const std::string name(o.at("path").as_string());
        const bool ok = sha256_hex(read_zip_entry(path, name)) == o.at("sha256").as_string();
        verified = verified && ok;
        entries.push_back({{"path", name}, {"size", o.at("size")}, {"sha256", o.at("sha256")}, {"verified", ok}});
    }
    array groups;
    for (const auto &m : exported.as_object().at("modules").as_array())
        for (const auto &g : m.as_object().at("categories").as_array())
            groups.push_back({{"module", m.as_object().at("module")},
                              {"category", g.as_object().at("category")},
                              {"items", g.as_object().at("items").as_array().size()},
                              {"files", g.as_object().at("files").as_array().size()}});
    return {{"request_id", id},
            {"archive", path.string()},
            {"size", archive->size},
            {"sha256", archive->sha256},
            {"expires_at", format_utc(archive->expires_at)},
            {"verified", verified},
            {"entries", std::move(entries)},
            {"groups", std::move(groups)}};
}

boost::json::value PrivacyService::list_requests(std::optional<RequestStatus> status, std::optional<int64_t> user_id,
                                                 int64_t limit, std::optional<int64_t> before_id) {
    auto rows = pool_.run([&](Connection &c) { return store_.list_requests(c, status, user_id, limit, before_id); });
    array list;
    for (const auto &r : rows) list.push_back(request_json(r, false));
    value next = rows.size() == static_cast<size_t>(limit) && !rows.empty() ? value(rows.back().id) : value(nullptr);
    return {{"requests", std::move(list)}, {"next_before_id", next}};
}

// ---------------------------------------------------------------------------------------------
// Operator shortcuts

boost::json::value PrivacyService::export_now(const sdk::Caller &caller, std::string_view email,
                                              const std::optional<std::string> &out) {
    if (!caller.is_system()) throw sdk::permission_denied("this command is for the host only");
    if (out && out->empty()) throw sdk::invalid_argument("argument 'out' must not be empty");
    Created c = create(caller, email, RequestKind::export_data, std::nullopt);
    confirm(c.id, c.token, actor_label(caller));
    value result = execute_request(caller, c.id);
    if (out) {
        const fs::path target(*out);
        const fs::path archive(std::string(result.as_object().at("archive").as_string()));
        std::error_code ec;
        fs::copy_file(archive, target, fs::copy_options::overwrite_existing, ec);
        if (!ec) fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
        if (ec)
            throw sdk::Error(PLINTH_E_INTERNAL, "request " + std::to_string(c.id) + " completed, but copying its archive to " +
                                                    *out + " failed: " + ec.message());
        audit(c.id, actor_label(caller), "archive copied", "copied to an operator-chosen file");
        result.as_object()["out"] = target.string();
    }
    return result;
}

boost::json::value PrivacyService::erase_now(const sdk::Caller &caller, std::string_view email, bool dry_run) {
    if (!caller.is_system()) throw sdk::permission_denied("this command is for the host only");
    if (!dry_run) {
        Created c = create(caller, email, RequestKind::erase, std::nullopt);
        confirm(c.id, c.token, actor_label(caller));
        return execute_request(caller, c.id);
    }
    sdk::Subject subject = resolve(email);
    class Collector final : public ErasureReceiver {
    public:
        void outcome(const ErasureRecord &r) override {
            check_record(r);
            records.push_back(r);
        }
        std::vector<ErasureRecord> records;
    } collector;
    for (const auto &p : participants_with_self(0)) p->erase_subject(subject, true, collector);
    ErasureSummary summary = summarise(collector.records);
    array outcomes;
    for (const auto &r : collector.records) outcomes.push_back(to_json(r));
    audit(std::nullopt, actor_label(caller), "erase preview",
          std::to_string(collector.records.size()) + " items would be affected" +
              (subject.user_id ? " (account " + std::to_string(subject.user_id) + ")" : ""));
    return {{"dry_run", true},
            {"user_id", subject.user_id},
            {"outcomes", std::move(outcomes)},
            {"summary", to_json(summary)}};
}

boost::json::value PrivacyService::sweep() {
    const int64_t now_s = now();
    array modules;
    int64_t total = 0;
    auto add = [&](const std::string &module, const std::vector<SweepCount> &counts, const std::string &error) {
        array list;
        for (const auto &c : counts) {
            list.push_back({{"category", c.category}, {"action", c.action}, {"count", c.count}});
            total += c.count;
        }
        object m{{"module", module}, {"counts", std::move(list)}};
        if (!error.empty()) m["error"] = error;
        modules.push_back(std::move(m));
    };
    std::vector<std::string> failed;
    for (const auto &m : directory_.sweep_others(now_s * 1000000)) {
        add(m.module, m.counts, m.error);
        if (!m.error.empty()) {
            failed.push_back(m.module);
            log_(PLINTH_LOG_WARNING, "retention sweep of module '" + m.module + "' failed: " + m.error);
        }
    }
    try {
        add(std::string(kModuleId), sweep_own(now_s), "");
    } catch (const std::exception &e) {
        add(std::string(kModuleId), {}, e.what());
        failed.push_back(std::string(kModuleId));
    }
    std::string detail = std::to_string(total) + " items affected across " + std::to_string(modules.size()) + " modules";
    if (!failed.empty()) {
        detail += "; failed:";
        for (const auto &f : failed) detail += " " + f;
    }
    audit(std::nullopt, "system", "retention sweep", detail);
    return {{"modules", std::move(modules)}};
}

} // namespace plinth::privacy
