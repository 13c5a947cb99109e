// privacy/service/service.cpp — PrivacyService's construction, subjects, files, audit, inventory,
// the operator shortcuts and the cross-module sweep. The rest of the service lives beside it:
// consent_ledger.cpp, own_data.cpp, requests.cpp and request_runs.cpp.
#include "service_internal.hpp"

#include "../domain/identifiers.hpp"

#include <algorithm>
#include <set>


namespace plinth::privacy {

using namespace internal;
namespace fs = std::filesystem;

std::string actor_label(const sdk::Caller &caller) {
    if (caller.is_system()) return "system";
    if (caller.is_user())
        return std::string(caller.role >= PLINTH_ROLE_STAFF ? "staff:" : "user:") + std::to_string(caller.user_id);
    return "anonymous";
}

PrivacyService::PrivacyService(Settings settings, sdk::db::Database &pool, std::vector<uint8_t> hash_key,
                               Directory &directory, std::function<int64_t()> now_s, Log log, Deliver deliver)
    : settings_(std::move(settings)), pool_(pool), store_(pool), hash_key_(std::move(hash_key)),
      directory_(directory), now_s_(std::move(now_s)), log_(std::move(log)), deliver_(std::move(deliver)) {
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
    return slot + ":e:" + sdk::encoding::to_hex(h);
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

AuditVerification PrivacyService::verify_audit() {
    return pool_.run([&](Connection &c) { return store_.verify_audit(c); });
}


// ---------------------------------------------------------------------------------------------
// Inventory

InventoryDocument PrivacyService::inventory(InventoryFormat format) {
    Register reg = directory_.inventory(now());
    return {format, render(reg, format)};
}


// ---------------------------------------------------------------------------------------------
// Operator shortcuts

RequestResult PrivacyService::export_now(const sdk::Caller &caller, std::string_view email,
                                         const std::optional<std::string> &out) {
    if (!caller.is_system()) throw sdk::permission_denied("this command is for the host only");
    if (out && out->empty()) throw sdk::invalid_argument("argument 'out' must not be empty");
    Created c = create(caller, email, RequestKind::export_data, std::nullopt);
    confirm(c.id, c.token, actor_label(caller));
    RequestResult result = execute_request(caller, c.id);
    if (out) {
        auto *run = std::get_if<ExportRun>(&result.outcome);
        if (run == nullptr)
            throw sdk::Error(PLINTH_E_INTERNAL, "request " + std::to_string(c.id) + " gave no archive to copy");
        const fs::path target(*out);
        const fs::path archive(run->archive);
        std::error_code ec;
        fs::copy_file(archive, target, fs::copy_options::overwrite_existing, ec);
        if (!ec) fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
        if (ec)
            throw sdk::Error(PLINTH_E_INTERNAL, "request " + std::to_string(c.id) + " completed, but copying its archive to " +
                                                    *out + " failed: " + ec.message());
        audit(c.id, actor_label(caller), "archive copied", "copied to an operator-chosen file");
        run->copied_to = target.string();
    }
    return result;
}

RequestResult PrivacyService::erase_now(const sdk::Caller &caller, std::string_view email) {
    if (!caller.is_system()) throw sdk::permission_denied("this command is for the host only");
    // An erasure of this person that is already open (interrupted, failed, or waiting for a
    // confirmation) is resumed rather than refused: the operator asked for the same thing.
    const sdk::Subject subject = resolve(email);
    const int64_t t = now();
    auto open = pool_.run(
        [&](Connection &c) { return store_.open_requests_of(c, RequestKind::erase, keys_of(subject), false); });
    for (const auto &r : open) {
        if (token_lapsed(r.status, r.token_expires_at, t)) continue; // create() expires it
        if (r.status == RequestStatus::pending) confirm_by_operator(r.id);
        RequestResult result = execute_request(caller, r.id);
        result.resumed = true;
        return result;
    }
    Created c = create(caller, email, RequestKind::erase, std::nullopt);
    confirm(c.id, c.token, actor_label(caller));
    return execute_request(caller, c.id);
}

ErasurePreview PrivacyService::preview_erasure(const sdk::Caller &caller, std::string_view email) {
    if (!caller.is_system()) throw sdk::permission_denied("this command is for the host only");
    // A preview reads only: no request, no audit entry, no change anywhere (docs/gdpr.md).
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
    return {subject.user_id, std::move(collector.records), summary};
}

SweepReport PrivacyService::sweep() {
    const int64_t now_s = now();
    SweepReport report;
    std::vector<ModuleSweep> &modules = report.modules;
    int64_t total = 0;
    auto add = [&](const std::string &module, const std::vector<SweepCount> &counts, const std::string &error) {
        for (const auto &c : counts) total += c.count;
        modules.push_back({module, counts, error});
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
    return report;
}

} // namespace plinth::privacy
