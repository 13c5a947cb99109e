// privacy/store/privacy_store.hpp — every SQL statement of the privacy module.
//
// Methods take the Connection to run on, so a caller composes several of them inside one
// Pool::transaction (a state change and its audit entry commit together or not at all).
#pragma once

#include "../domain/consent.hpp"
#include "../domain/erasure.hpp"
#include "../domain/request.hpp"

#include <plinth/sdk/db.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::privacy {

using sdk::db::Connection;

// A subject as the database matches it: the account id (0 when none) and the keyed hashes of
// every address (32-byte binary strings).
struct SubjectKeys {
    int64_t user_id = 0;
    std::vector<std::string> email_hashes;
};

struct NewConsentEvent {
    int64_t user_id = 0;
    std::optional<std::string> email_hash;
    std::string purpose; // "" for subject-wide actions
    ConsentAction action = ConsentAction::grant;
    std::string policy_version;
    std::string source;
    std::string actor;
    std::optional<int64_t> request_id;
    int64_t at = 0;
};

struct ConsentEventRow {
    int64_t id = 0;
    int64_t user_id = 0;
    std::string purpose;
    std::string action;
    std::string policy_version;
    std::string source;
    std::string actor;
    std::optional<int64_t> request_id;
    int64_t created_at = 0;
    std::optional<int64_t> retain_until;
};

struct NewRequest {
    RequestKind kind = RequestKind::export_data;
    std::optional<std::string> purpose;
    std::string email;
    std::string email_hash;
    std::vector<std::string> subject_hashes; // every address of the subject, hashed
    int64_t user_id = 0;
    std::string open_slot;
    std::string token_hash;
    int64_t token_expires_at = 0;
    std::string created_by;
    int64_t created_at = 0;
    int64_t deadline_at = 0;
};

struct RequestRow {
    int64_t id = 0;
    RequestKind kind = RequestKind::export_data;
    std::optional<std::string> purpose;
    RequestStatus status = RequestStatus::pending;
    std::optional<std::string> email;
    std::string email_hash;
    int64_t user_id = 0;
    std::optional<std::string> subject_json;
    std::optional<std::string> token_hash;
    int64_t token_expires_at = 0;
    std::string created_by;
    int64_t created_at = 0;
    int64_t deadline_at = 0;
    std::optional<int64_t> confirmed_at, started_at, completed_at;
    int64_t runs = 0;
    std::optional<std::string> result, error;
    std::optional<int64_t> retain_until;
    std::optional<int64_t> cancelled_by; // the request that cancelled this one
};

// A record kept after an erasure and the until-date stored for it (what is reported is what the
// sweep honours).
struct Retained {
    int64_t id = 0;
    int64_t until = 0;
};

struct StepRow {
    std::string module;
    int64_t position = 0;
    bool done = false;
    int64_t items = 0, files = 0, removed = 0, anonymised = 0, retained = 0;
    int64_t attempts = 0;
};

struct StepCounts {
    int64_t items = 0, files = 0, removed = 0, anonymised = 0, retained = 0;
};

struct ExportRow {
    int64_t request_id = 0;
    std::string file_name;
    int64_t size = 0;
    std::string sha256;
    int64_t created_at = 0;
    int64_t expires_at = 0;
    std::optional<int64_t> deleted_at;
};

struct AuditEntry {
    int64_t id = 0;
    int64_t at = 0;
    std::optional<int64_t> request_id;
    std::string actor, action, detail;
};

struct AuditVerification {
    int64_t entries = 0;
    bool intact = true;
    std::optional<int64_t> first_broken_id;
};

class PrivacyStore {
public:
    explicit PrivacyStore(sdk::db::Database &pool) : pool_(pool) {}
    sdk::db::Database &pool() { return pool_; }

    // ---- consent ledger ----
    int64_t add_consent_event(Connection &c, const NewConsentEvent &e);
    // Latest purpose event and restriction state for the subject.
    ConsentState consent_state(Connection &c, const SubjectKeys &s, std::string_view purpose);
    // Every purpose the subject has an event for.
    std::vector<std::string> consent_purposes(Connection &c, const SubjectKeys &s);
    std::vector<ConsentEventRow> consent_history(Connection &c, const SubjectKeys &s);
    // Marks the subject's events to be kept until `retain_until` (then purged; a later date set
    // before stands); returns each event with its stored until-date. With `dry_run` nothing
    // changes. History and answers ignore such events from then on.
    std::vector<Retained> retain_consent(Connection &c, const SubjectKeys &s, int64_t retain_until, bool dry_run);
    int64_t purge_consent(Connection &c, int64_t now);

    // ---- requests ----
    // Throws sdk::Error(PLINTH_E_CONFLICT) when the subject already has an open request of the kind.
    int64_t insert_request(Connection &c, const NewRequest &r);
    std::optional<RequestRow> request(Connection &c, int64_t id, bool for_update = false);
    std::optional<RequestRow> request_by_slot(Connection &c, std::string_view open_slot, bool for_update);
    // The subject's open requests of `kind`, matched by account or by any address hash.
    std::vector<RequestRow> open_requests_of(Connection &c, RequestKind kind, const SubjectKeys &s, bool for_update);
    std::vector<RequestRow> list_requests(Connection &c, std::optional<RequestStatus> status,
                                          std::optional<int64_t> user_id, int64_t limit,
                                          std::optional<int64_t> before_id);
    std::vector<RequestRow> subject_requests(Connection &c, const SubjectKeys &s);
    // Every open request of the subject, of any kind.
    std::vector<RequestRow> open_requests(Connection &c, const SubjectKeys &s, bool for_update);
    void mark_confirmed(Connection &c, int64_t id, int64_t now);
    // Closes an unconfirmed request; only what proves it existed is kept until `retain_until`.
    void mark_expired(Connection &c, int64_t id, int64_t retain_until);
    // False when the request is no longer open (cancelled meanwhile): nothing changed.
    bool mark_running(Connection &c, int64_t id, int64_t now, const std::optional<std::string> &subject_json);
    // A running request becomes failed (executing it again resumes it); any other is left alone.
    void mark_failed(Connection &c, int64_t id, std::string_view error);
    // Closes the request: the plain address and the frozen subject go (only the keyed hash
    // stays), the until-date is `retain_until` unless an erasure already reported one. With
    // `cut_address_links` its address hashes no longer find it (an erasure's own request).
    void mark_completed(Connection &c, int64_t id, int64_t now, std::string_view result, int64_t retain_until,
                        bool cut_address_links);
    // Closes an open request for good (the subject was erased, or a new request replaced a
    // failed one), keeping only what proves it existed until `retain_until`.
    void cancel(Connection &c, int64_t id, std::optional<int64_t> cancelled_by, int64_t now, int64_t retain_until);
    void set_cancelled_by(Connection &c, int64_t id, int64_t cancelled_by);
    // Export requests that request `request_id` cancelled.
    std::vector<int64_t> exports_cancelled_by(Connection &c, int64_t request_id);
    // Pending requests whose token lapsed become expired; returns their ids.
    std::vector<int64_t> expire_lapsed(Connection &c, int64_t now, int64_t retain_until);
    // Drops the plain address of every request of the subject, sets their until-date (a later
    // one set before stands) and cuts their address links, except for `keep_id` (the erasure
    // being executed) whose links go when it completes. Returns each with its stored date.
    std::vector<Retained> pseudonymise_requests(Connection &c, const SubjectKeys &s, int64_t keep_id, int64_t retain_until,
                                          bool dry_run);
    // Deletes closed requests (and their steps and outcomes) whose retention ended.
    int64_t purge_requests(Connection &c, int64_t now);

    // ---- progress ----
    std::vector<StepRow> steps(Connection &c, int64_t request_id);
    void add_step(Connection &c, int64_t request_id, std::string_view module, int64_t position, int64_t now);
    void begin_step(Connection &c, int64_t request_id, std::string_view module, int64_t now);
    void finish_step(Connection &c, int64_t request_id, std::string_view module, const StepCounts &counts,
                     int64_t now);

    // ---- erasure outcomes (one row per request, module and item) ----
    void record_outcome(Connection &c, int64_t request_id, const ErasureRecord &r);
    std::vector<ErasureRecord> outcomes(Connection &c, int64_t request_id);
    int64_t count_outcomes(Connection &c, int64_t request_id, std::string_view module);

    // ---- export archives ----
    void add_export(Connection &c, const ExportRow &e);
    std::optional<ExportRow> export_of(Connection &c, int64_t request_id);
    std::vector<ExportRow> expired_exports(Connection &c, int64_t now);
    std::vector<ExportRow> subject_exports(Connection &c, const SubjectKeys &s);
    void mark_export_deleted(Connection &c, int64_t request_id, int64_t now);
    // File names of every archive not yet deleted (the sweep removes files no row vouches for).
    std::set<std::string> live_export_files(Connection &c);

    // ---- audit (append-only, hash-chained) ----
    void audit(Connection &c, int64_t at, std::optional<int64_t> request_id, std::string_view actor,
               std::string_view action, std::string_view detail);
    std::vector<AuditEntry> audit_for(Connection &c, int64_t request_id);
    AuditVerification verify_audit(Connection &c);
    // Removes the oldest entries up to the newest one made at or before `cutoff` (a prefix, so
    // the rest of the chain still verifies).
    int64_t purge_audit(Connection &c, int64_t cutoff);

private:
    sdk::db::Database &pool_;
};

} // namespace plinth::privacy
