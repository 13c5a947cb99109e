// privacy/service/own_data.cpp — the privacy module's own records as a participant: their
// categories, export, erasure and retention sweep.
#include "service_internal.hpp"

#include "../domain/calendar.hpp"
#include "export_staging.hpp"

#include <algorithm>
#include <chrono>
#include <set>

namespace plinth::privacy {

using namespace internal;

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
         "email address (while the request is open; afterwards only its keyed hash), account id, kind, status, "
         "dates, per-module progress and outcomes, audit trail",
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

std::vector<RequestRow> PrivacyService::settle_open_requests(const SubjectKeys &keys, int64_t running_request,
                                                             bool dry_run) {
    const int64_t t = now();
    const int64_t until = t + settings_.request_retention_days * kSecondsPerDay;
    std::vector<RequestRow> settled = pool_.transaction([&](Connection &c) {
        std::vector<RequestRow> open;
        for (auto &r : store_.open_requests(c, keys, !dry_run)) {
            if (r.id == running_request) continue;
            if (!dry_run) {
                // Cancelled rather than finished: an export finished now would hold data that is
                // being erased, and the person asked for the erasure last. A live run of it notices
                // when it tries to complete (run_export) and stops without an archive.
                store_.cancel(c, r.id, running_request ? std::optional<int64_t>(running_request) : std::nullopt, t,
                              until);
                store_.audit(c, t, r.id, "system", "cancelled",
                             running_request ? "the subject is being erased (request " + std::to_string(running_request) +
                                                   ")"
                                             : std::string("the subject was erased"));
            }
            open.push_back(std::move(r));
        }
        return open;
    });
    if (!dry_run && !settings_.state_dir.empty())
        for (const auto &r : settled)
            if (r.kind == RequestKind::export_data) ExportStaging(work_dir(r.id)).remove_all();
    return settled;
}

void PrivacyService::erase_own(const sdk::Subject &subject, bool dry_run, int64_t running_request,
                               ErasureReceiver &out) {
    const SubjectKeys keys = keys_of(subject);
    const int64_t t = now();
    const int64_t consent_until = t + settings_.consent_retention_days * kSecondsPerDay;
    const int64_t request_until = t + settings_.request_retention_days * kSecondsPerDay;
    const auto record = [](std::string_view category, std::string item, Outcome outcome, std::string_view basis,
                           int64_t until) {
        return ErasureRecord{std::string(kModuleId), std::string(category), std::move(item), outcome,
                             std::string(basis), until};
    };

    // Every open request of the subject is settled first (run_erase did so already; this catches
    // one made since). Each cancelled export loses its staging, a half-built copy of the data.
    std::set<int64_t> staged;
    for (const auto &r : settle_open_requests(keys, running_request, dry_run))
        if (r.kind == RequestKind::export_data) staged.insert(r.id);
    if (running_request > 0) // a resumed run reports what its first run cancelled, too
        for (int64_t id : pool_.run([&](Connection &c) { return store_.exports_cancelled_by(c, running_request); }))
            staged.insert(id);
    for (int64_t id : staged)
        out.outcome(record(kArchiveCategory, "export staging of request " + std::to_string(id), Outcome::removed, "", 0));

    // Archives next: a copy of everything must not outlive the erasure of the originals. Each
    // outcome is recorded in the transaction that marks the archive deleted.
    for (const auto &a : pool_.run([&](Connection &c) { return store_.subject_exports(c, keys); })) {
        if (!dry_run) delete_archive_file(a.file_name);
        pool_.transaction([&](Connection &c) {
            if (!dry_run) store_.mark_export_deleted(c, a.request_id, t);
            out.outcome_within(c, record(kArchiveCategory, "export archive of request " + std::to_string(a.request_id),
                                         Outcome::removed, "", 0));
        });
    }

    // Consent records and requests are kept (as proof) with the until-date actually stored, and
    // reported in the same transaction that stores it: a crash loses neither.
    pool_.transaction([&](Connection &c) {
        for (const Retained &r : store_.retain_consent(c, keys, consent_until, dry_run))
            out.outcome_within(c, record(kConsentCategory, "consent record " + std::to_string(r.id), Outcome::retained,
                                         kConsentBasis, r.until));
        for (const Retained &r : store_.pseudonymise_requests(c, keys, running_request, request_until, dry_run))
            out.outcome_within(c, record(kRequestCategory, "request " + std::to_string(r.id), Outcome::retained,
                                         kRequestBasis, r.until));
    });
}

std::vector<SweepCount> PrivacyService::sweep_own(int64_t t) {
    int64_t archives_removed = 0, staging_removed = 0, unrecorded_removed = 0;
    if (!settings_.state_dir.empty()) {
        auto expired = pool_.run([&](Connection &c) { return store_.expired_exports(c, t); });
        for (const auto &a : expired) {
            delete_archive_file(a.file_name);
            pool_.run([&](Connection &c) { store_.mark_export_deleted(c, a.request_id, t); });
            ++archives_removed;
        }
        std::error_code ec;
        // Archive files no row vouches for: written by a run that died before recording its
        // archive. An hour's grace spares a run writing one right now (file times are real time).
        const auto live = pool_.run([&](Connection &c) { return store_.live_export_files(c); });
        if (fs::is_directory(exports_dir(), ec))
            for (const auto &entry : fs::directory_iterator(exports_dir(), ec)) {
                if (entry.path().extension() != ".zip" || live.count(entry.path().filename().string())) continue;
                std::error_code age_ec;
                const auto age = fs::file_time_type::clock::now() - fs::last_write_time(entry.path(), age_ec);
                if (age_ec || age < std::chrono::hours(1)) continue;
                if (fs::remove(entry.path(), age_ec)) ++unrecorded_removed;
            }
        // Staging of requests that are no longer open (closed while a copy was half-built).
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
            {std::string(kArchiveCategory), "unrecorded archives removed", unrecorded_removed},
            {std::string(kRequestCategory), "expired", expired},
            {std::string(kRequestCategory), "removed", requests_removed},
            {std::string(kRequestCategory), "audit entries removed", audit_removed},
            {std::string(kConsentCategory), "removed", consent_removed}};
}
} // namespace plinth::privacy
