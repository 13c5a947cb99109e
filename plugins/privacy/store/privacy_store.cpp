#include "privacy_store.hpp"

#include <plinth/sdk/error.hpp>

#include <algorithm>
#include <set>
#include <cstring>

namespace plinth::privacy {

using sdk::db::DbError;
using sdk::db::Param;
using sdk::db::Rows;

namespace {

// "(user_id = ? OR <email match>)" for a subject, with its parameters appended to `params`.
// Kept as prepared statements: the text varies only with the number of addresses. An account id
// of 0 never matches (people without an account are matched by address only). `email_match`
// holds the expression around the placeholder list, e.g. "email_hash IN (%)".
std::string clause_for(const SubjectKeys &s, std::vector<Param> &params, std::string_view prefix,
                       std::string_view email_match) {
    std::string clause = "(";
    bool any = false;
    if (s.user_id > 0) {
        clause += std::string(prefix) + "user_id = ?";
        params.emplace_back(static_cast<long long>(s.user_id));
        any = true;
    }
    if (!s.email_hashes.empty()) {
        std::string placeholders;
        for (size_t i = 0; i < s.email_hashes.size(); ++i) {
            placeholders += i ? ", ?" : "?";
            params.push_back(Param::bytes(s.email_hashes[i].data(), s.email_hashes[i].size()));
        }
        size_t hole = email_match.find('%');
        if (any) clause += " OR ";
        clause += std::string(prefix) + std::string(email_match.substr(0, hole)) + placeholders +
                  std::string(email_match.substr(hole + 1));
        any = true;
    }
    if (!any) clause += "FALSE";
    clause += ")";
    return clause;
}

std::string subject_clause(const SubjectKeys &s, std::vector<Param> &params, std::string_view prefix = "") {
    return clause_for(s, params, prefix, "email_hash IN (%)");
}

// A request belongs to its subject, never to an address string: one made for an account is found
// by that account alone, one made for an address without an account by the address hashes it
// recorded. The one exception keeps a half-done erasure reachable: an open request of an account
// is also found by its addresses when the person has no account now (accounts may already have
// erased it), so it can be resumed rather than duplicated. Someone who later registers one of
// those addresses has an account of their own and never matches another account's request.
std::string request_clause(const SubjectKeys &s, std::vector<Param> &params, std::string_view prefix = "") {
    const std::string p(prefix);
    std::string by_address;
    if (!s.email_hashes.empty()) {
        by_address = p + "id IN (SELECT request_id FROM privacy_request_emails WHERE email_hash IN (";
        for (size_t i = 0; i < s.email_hashes.size(); ++i) by_address += i ? ", ?" : "?";
        by_address += "))";
    }
    const auto add_hashes = [&] {
        for (const auto &h : s.email_hashes) params.push_back(Param::bytes(h.data(), h.size()));
    };
    if (s.user_id > 0) {
        params.emplace_back(static_cast<long long>(s.user_id));
        if (by_address.empty()) return "(" + p + "user_id = ?)";
        add_hashes();
        return "(" + p + "user_id = ? OR (" + p + "user_id = 0 AND " + by_address + "))";
    }
    if (by_address.empty()) return "(FALSE)";
    add_hashes();
    return "(" + by_address + " AND (" + p + "user_id = 0 OR " + p +
           "status IN ('pending', 'confirmed', 'running', 'failed')))";
}

const char *kRequestColumns =
    "id, kind, purpose, status, email, email_hash, user_id, subject_json, token_hash, token_expires_at, created_by, "
    "created_at, deadline_at, confirmed_at, started_at, completed_at, runs, result, error, retain_until, cancelled_by";

RequestRow request_from(const sdk::db::Row &r) {
    RequestRow q;
    q.id = r.i64(0);
    q.kind = parse_kind(r.str(1));
    q.purpose = r.optional_str(2);
    q.status = parse_status(r.str(3));
    q.email = r.optional_str(4);
    q.email_hash = r.str(5);
    q.user_id = r.i64(6);
    q.subject_json = r.optional_str(7);
    q.token_hash = r.optional_str(8);
    q.token_expires_at = r.i64(9);
    q.created_by = r.str(10);
    q.created_at = r.i64(11);
    q.deadline_at = r.i64(12);
    q.confirmed_at = r.optional_i64(13);
    q.started_at = r.optional_i64(14);
    q.completed_at = r.optional_i64(15);
    q.runs = r.i64(16);
    q.result = r.optional_str(17);
    q.error = r.optional_str(18);
    q.retain_until = r.optional_i64(19);
    q.cancelled_by = r.optional_i64(20);
    return q;
}

const char *kExportColumns = "request_id, file_name, size, sha256, created_at, expires_at, deleted_at";

ExportRow export_from(const sdk::db::Row &r) {
    return ExportRow{r.i64(0), r.str(1), r.i64(2), r.str(3), r.i64(4), r.i64(5), r.optional_i64(6)};
}

std::vector<Param> with_first(Param first, const std::vector<Param> &rest) {
    std::vector<Param> all{std::move(first)};
    all.insert(all.end(), rest.begin(), rest.end());
    return all;
}

std::vector<int64_t> ids_of(const Rows &rows) {
    std::vector<int64_t> ids;
    ids.reserve(rows.size());
    for (const auto &r : rows) ids.push_back(r.i64(0));
    return ids;
}

} // namespace

// ---- consent ledger ----

int64_t PrivacyStore::add_consent_event(Connection &c, const NewConsentEvent &e) {
    std::optional<std::string> hash = e.email_hash;
    c.execute("INSERT INTO privacy_consent_events (user_id, email_hash, purpose, action, policy_version, source, "
              "actor, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {static_cast<long long>(e.user_id),
               hash ? Param::bytes(hash->data(), hash->size()) : Param(nullptr), e.purpose,
               action_name(e.action), e.policy_version, e.source, e.actor,
               e.request_id ? Param(static_cast<long long>(*e.request_id)) : Param(nullptr),
               static_cast<long long>(e.at)});
    return static_cast<int64_t>(c.last_insert_id());
}

ConsentState PrivacyStore::consent_state(Connection &c, const SubjectKeys &s, std::string_view purpose) {
    std::vector<Param> params{Param(purpose)};
    // Events kept only as proof after an erasure no longer decide anything: a person who comes
    // back starts with a clean slate rather than with a consent given by their erased self.
    std::string sql = "SELECT purpose, action FROM privacy_consent_events WHERE purpose IN (?, '') AND "
                      "retain_until IS NULL AND " +
                      subject_clause(s, params) + " ORDER BY id DESC";
    ConsentState state;
    bool have_restriction = false;
    for (const auto &row : c.query(sql, params)) {
        ConsentAction action = parse_action(row.str(1));
        if (row.str(0).empty()) {
            if (!have_restriction) {
                state.restricted = action == ConsentAction::restrict;
                have_restriction = true;
            }
            continue;
        }
        if (!state.last) state.last = action;
        if (action == ConsentAction::grant || action == ConsentAction::withdraw) state.consent_asked = true;
    }
    return state;
}

std::vector<std::string> PrivacyStore::consent_purposes(Connection &c, const SubjectKeys &s) {
    std::vector<Param> params;
    std::string sql = "SELECT DISTINCT purpose FROM privacy_consent_events WHERE purpose <> '' AND "
                      "retain_until IS NULL AND " +
                      subject_clause(s, params) + " ORDER BY purpose";
    std::vector<std::string> out;
    for (const auto &row : c.query(sql, params)) out.push_back(row.str(0));
    return out;
}

std::vector<ConsentEventRow> PrivacyStore::consent_history(Connection &c, const SubjectKeys &s) {
    std::vector<Param> params;
    std::string sql = "SELECT id, user_id, purpose, action, policy_version, source, actor, request_id, created_at, "
                      "retain_until FROM privacy_consent_events WHERE retain_until IS NULL AND " +
                      subject_clause(s, params) + " ORDER BY id";
    std::vector<ConsentEventRow> out;
    for (const auto &r : c.query(sql, params))
        out.push_back({r.i64(0), r.i64(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6), r.optional_i64(7),
                       r.i64(8), r.optional_i64(9)});
    return out;
}

std::vector<Retained> PrivacyStore::retain_consent(Connection &c, const SubjectKeys &s, int64_t retain_until,
                                                   bool dry_run) {
    std::vector<Param> params;
    std::string where = subject_clause(s, params);
    std::vector<Retained> out;
    // An until-date already set by an earlier erasure is kept if it is later; what is reported is
    // what is stored, so the sweep keeps every reported date.
    for (const auto &r : c.query("SELECT id, GREATEST(COALESCE(retain_until, 0), ?) FROM privacy_consent_events "
                                 "WHERE " + where + " ORDER BY id" + (dry_run ? "" : " FOR UPDATE"),
                                 with_first(Param(static_cast<long long>(retain_until)), params)))
        out.push_back({r.i64(0), r.i64(1)});
    if (!dry_run && !out.empty())
        c.execute("UPDATE privacy_consent_events SET retain_until = GREATEST(COALESCE(retain_until, 0), ?) WHERE " +
                      where,
                  with_first(Param(static_cast<long long>(retain_until)), params));
    return out;
}

int64_t PrivacyStore::purge_consent(Connection &c, int64_t now) {
    return static_cast<int64_t>(c.execute(
        "DELETE FROM privacy_consent_events WHERE retain_until IS NOT NULL AND retain_until <= ?",
        {static_cast<long long>(now)}));
}

// ---- requests ----

int64_t PrivacyStore::insert_request(Connection &c, const NewRequest &r) {
    try {
        c.execute("INSERT INTO privacy_requests (kind, purpose, status, email, email_hash, user_id, open_slot, "
                  "token_hash, token_expires_at, created_by, created_at, deadline_at) "
                  "VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {kind_name(r.kind), r.purpose, r.email, Param::bytes(r.email_hash.data(), r.email_hash.size()),
                   static_cast<long long>(r.user_id), Param::bytes(r.open_slot.data(), r.open_slot.size()),
                   Param::bytes(r.token_hash.data(), r.token_hash.size()),
                   static_cast<long long>(r.token_expires_at), r.created_by, static_cast<long long>(r.created_at),
                   static_cast<long long>(r.deadline_at)});
    } catch (const DbError &e) {
        if (e.duplicate_key())
            throw sdk::conflict("this person already has an open " + std::string(kind_name(r.kind)) + " request");
        throw;
    }
    const auto id = static_cast<int64_t>(c.last_insert_id());
    std::vector<std::string> hashes = r.subject_hashes;
    hashes.push_back(r.email_hash);
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    for (const auto &h : hashes)
        c.execute("INSERT INTO privacy_request_emails (request_id, email_hash) VALUES (?, ?)",
                  {static_cast<long long>(id), Param::bytes(h.data(), h.size())});
    return id;
}

std::vector<RequestRow> PrivacyStore::open_requests_of(Connection &c, RequestKind kind, const SubjectKeys &s,
                                                       bool for_update) {
    std::vector<Param> params{Param(kind_name(kind))};
    std::string sql = std::string("SELECT ") + kRequestColumns +
                      " FROM privacy_requests WHERE kind = ? AND status IN ('pending', 'confirmed', 'running', "
                      "'failed') AND " +
                      request_clause(s, params) + " ORDER BY id" + (for_update ? " FOR UPDATE" : "");
    std::vector<RequestRow> out;
    for (const auto &r : c.query(sql, params)) out.push_back(request_from(r));
    return out;
}

std::optional<RequestRow> PrivacyStore::request(Connection &c, int64_t id, bool for_update) {
    std::string sql = std::string("SELECT ") + kRequestColumns + " FROM privacy_requests WHERE id = ?" +
                      (for_update ? " FOR UPDATE" : "");
    Rows rows = c.query(sql, {static_cast<long long>(id)});
    if (rows.empty()) return std::nullopt;
    return request_from(rows[0]);
}

std::optional<RequestRow> PrivacyStore::request_by_slot(Connection &c, std::string_view slot, bool for_update) {
    std::string sql = std::string("SELECT ") + kRequestColumns + " FROM privacy_requests WHERE open_slot = ?" +
                      (for_update ? " FOR UPDATE" : "");
    Rows rows = c.query(sql, {Param::bytes(slot.data(), slot.size())});
    if (rows.empty()) return std::nullopt;
    return request_from(rows[0]);
}

std::vector<RequestRow> PrivacyStore::list_requests(Connection &c, std::optional<RequestStatus> status,
                                                    std::optional<int64_t> user_id, int64_t limit,
                                                    std::optional<int64_t> before_id) {
    std::string sql = std::string("SELECT ") + kRequestColumns + " FROM privacy_requests WHERE TRUE";
    std::vector<Param> params;
    std::string status_text = status ? std::string(status_name(*status)) : std::string();
    if (status) {
        sql += " AND status = ?";
        params.emplace_back(status_text);
    }
    if (user_id) {
        sql += " AND user_id = ?";
        params.emplace_back(static_cast<long long>(*user_id));
    }
    if (before_id) {
        sql += " AND id < ?";
        params.emplace_back(static_cast<long long>(*before_id));
    }
    sql += " ORDER BY id DESC LIMIT ?";
    params.emplace_back(static_cast<long long>(limit));
    std::vector<RequestRow> out;
    for (const auto &r : c.query(sql, params)) out.push_back(request_from(r));
    return out;
}

std::vector<RequestRow> PrivacyStore::subject_requests(Connection &c, const SubjectKeys &s) {
    std::vector<Param> params;
    std::string sql = std::string("SELECT ") + kRequestColumns + " FROM privacy_requests WHERE " +
                      request_clause(s, params) + " ORDER BY id";
    std::vector<RequestRow> out;
    for (const auto &r : c.query(sql, params)) out.push_back(request_from(r));
    return out;
}

void PrivacyStore::mark_confirmed(Connection &c, int64_t id, int64_t now) {
    // The token hash stays until the request closes, so a second click on the link is answered
    // rather than refused.
    c.execute("UPDATE privacy_requests SET status = 'confirmed', confirmed_at = ? WHERE id = ?",
              {static_cast<long long>(now), static_cast<long long>(id)});
}

void PrivacyStore::mark_expired(Connection &c, int64_t id, int64_t retain_until) {
    // An unconfirmed request may have been made by someone else in the person's name: its
    // address is not kept beyond what proves the request existed.
    c.execute("UPDATE privacy_requests SET status = 'expired', open_slot = NULL, token_hash = NULL, email = NULL, "
              "subject_json = NULL, retain_until = COALESCE(retain_until, ?) WHERE id = ?",
              {static_cast<long long>(retain_until), static_cast<long long>(id)});
}

bool PrivacyStore::mark_running(Connection &c, int64_t id, int64_t now, const std::optional<std::string> &subject) {
    // Conditional, so a request cancelled between the caller's read and this update stays so.
    const char *open = " WHERE id = ? AND status IN ('confirmed', 'running', 'failed')";
    if (subject)
        return c.execute(std::string("UPDATE privacy_requests SET status = 'running', started_at = COALESCE(started_at, "
                                     "?), runs = runs + 1, error = NULL, subject_json = ?") + open,
                         {static_cast<long long>(now), *subject, static_cast<long long>(id)}) > 0;
    return c.execute(std::string("UPDATE privacy_requests SET status = 'running', started_at = COALESCE(started_at, ?), "
                                 "runs = runs + 1, error = NULL") + open,
                     {static_cast<long long>(now), static_cast<long long>(id)}) > 0;
}

void PrivacyStore::mark_failed(Connection &c, int64_t id, std::string_view error) {
    std::string text(error.substr(0, 500));
    // Only a run still in progress fails: a request cancelled meanwhile stays cancelled.
    c.execute("UPDATE privacy_requests SET status = 'failed', error = ? WHERE id = ? AND status = 'running'",
              {text, static_cast<long long>(id)});
}

void PrivacyStore::mark_completed(Connection &c, int64_t id, int64_t now, std::string_view result,
                                  int64_t retain_until, bool cut_address_links) {
    // An until-date already reported by an erasure (pseudonymise_requests) stands.
    c.execute("UPDATE privacy_requests SET status = 'completed', completed_at = ?, result = ?, open_slot = NULL, "
              "subject_json = NULL, token_hash = NULL, error = NULL, email = NULL, "
              "retain_until = COALESCE(retain_until, ?) WHERE id = ?",
              {static_cast<long long>(now), result, static_cast<long long>(retain_until), static_cast<long long>(id)});
    if (cut_address_links)
        c.execute("DELETE FROM privacy_request_emails WHERE request_id = ?", {static_cast<long long>(id)});
}

void PrivacyStore::cancel(Connection &c, int64_t id, std::optional<int64_t> cancelled_by, int64_t now,
                          int64_t retain_until) {
    c.execute("UPDATE privacy_requests SET status = 'cancelled', completed_at = ?, cancelled_by = ?, open_slot = NULL, "
              "subject_json = NULL, token_hash = NULL, email = NULL, retain_until = GREATEST(COALESCE(retain_until, 0), ?) "
              "WHERE id = ?",
              {static_cast<long long>(now),
               cancelled_by ? Param(static_cast<long long>(*cancelled_by)) : Param(nullptr),
               static_cast<long long>(retain_until), static_cast<long long>(id)});
}

std::vector<int64_t> PrivacyStore::exports_cancelled_by(Connection &c, int64_t request_id) {
    return ids_of(c.query("SELECT id FROM privacy_requests WHERE cancelled_by = ? AND kind = 'export' ORDER BY id",
                          {static_cast<long long>(request_id)}));
}

void PrivacyStore::set_cancelled_by(Connection &c, int64_t id, int64_t cancelled_by) {
    c.execute("UPDATE privacy_requests SET cancelled_by = ? WHERE id = ?",
              {static_cast<long long>(cancelled_by), static_cast<long long>(id)});
}

std::vector<RequestRow> PrivacyStore::open_requests(Connection &c, const SubjectKeys &s, bool for_update) {
    std::vector<Param> params;
    std::string sql = std::string("SELECT ") + kRequestColumns +
                      " FROM privacy_requests WHERE status IN ('pending', 'confirmed', 'running', 'failed') AND " +
                      request_clause(s, params) + " ORDER BY id" + (for_update ? " FOR UPDATE" : "");
    std::vector<RequestRow> out;
    for (const auto &r : c.query(sql, params)) out.push_back(request_from(r));
    return out;
}

std::vector<int64_t> PrivacyStore::expire_lapsed(Connection &c, int64_t now, int64_t retain_until) {
    auto ids = ids_of(c.query("SELECT id FROM privacy_requests WHERE status = 'pending' AND token_expires_at <= ? "
                              "ORDER BY id FOR UPDATE",
                              {static_cast<long long>(now)}));
    for (int64_t id : ids) mark_expired(c, id, retain_until);
    return ids;
}

std::vector<Retained> PrivacyStore::pseudonymise_requests(Connection &c, const SubjectKeys &s, int64_t keep_id,
                                                          int64_t retain_until, bool dry_run) {
    std::vector<Param> params;
    std::string where = request_clause(s, params);
    // Open requests other than `keep_id` were cancelled before this runs (settle_open_requests);
    // on a dry run they would have been, so they are reported the same way.
    std::vector<Retained> out;
    for (const auto &r : c.query("SELECT id, GREATEST(COALESCE(retain_until, 0), ?) FROM privacy_requests WHERE " +
                                     where + " ORDER BY id" + (dry_run ? "" : " FOR UPDATE"),
                                 with_first(Param(static_cast<long long>(retain_until)), params)))
        out.push_back({r.i64(0), r.i64(1)});
    if (dry_run || out.empty()) return out;
    c.execute("UPDATE privacy_requests SET email = NULL, retain_until = GREATEST(COALESCE(retain_until, 0), ?) WHERE " +
                  where,
              with_first(Param(static_cast<long long>(retain_until)), params));
    // The addresses no longer lead to the closed requests (a new holder of one must not see
    // them); `keep_id` keeps its links until it completes, so an interrupted erasure is still
    // found by address once accounts has erased the account.
    for (const Retained &r : out)
        if (r.id != keep_id)
            c.execute("DELETE FROM privacy_request_emails WHERE request_id = ?", {static_cast<long long>(r.id)});
    return out;
}

int64_t PrivacyStore::purge_requests(Connection &c, int64_t now) {
    auto ids = ids_of(c.query(
        "SELECT r.id FROM privacy_requests r WHERE r.status IN ('completed', 'expired', 'cancelled') AND "
        "r.retain_until IS NOT NULL "
        "AND r.retain_until <= ? AND NOT EXISTS (SELECT 1 FROM privacy_exports e WHERE e.request_id = r.id AND "
        "e.deleted_at IS NULL) ORDER BY r.id FOR UPDATE",
        {static_cast<long long>(now)}));
    for (int64_t id : ids) {
        c.execute("DELETE FROM privacy_erasure_outcomes WHERE request_id = ?", {static_cast<long long>(id)});
        c.execute("DELETE FROM privacy_request_steps WHERE request_id = ?", {static_cast<long long>(id)});
        c.execute("DELETE FROM privacy_request_emails WHERE request_id = ?", {static_cast<long long>(id)});
        c.execute("DELETE FROM privacy_exports WHERE request_id = ?", {static_cast<long long>(id)});
        c.execute("DELETE FROM privacy_requests WHERE id = ?", {static_cast<long long>(id)});
    }
    return static_cast<int64_t>(ids.size());
}

// ---- export archives ----

void PrivacyStore::add_export(Connection &c, const ExportRow &e) {
    c.execute("INSERT INTO privacy_exports (request_id, file_name, size, sha256, created_at, expires_at) VALUES "
              "(?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE file_name = VALUES(file_name), size = VALUES(size), "
              "sha256 = VALUES(sha256), created_at = VALUES(created_at), expires_at = VALUES(expires_at), "
              "deleted_at = NULL",
              {static_cast<long long>(e.request_id), e.file_name, static_cast<long long>(e.size), e.sha256,
               static_cast<long long>(e.created_at), static_cast<long long>(e.expires_at)});
}

std::optional<ExportRow> PrivacyStore::export_of(Connection &c, int64_t request_id) {
    Rows rows = c.query(std::string("SELECT ") + kExportColumns + " FROM privacy_exports WHERE request_id = ?",
                        {static_cast<long long>(request_id)});
    if (rows.empty()) return std::nullopt;
    return export_from(rows[0]);
}

std::vector<ExportRow> PrivacyStore::expired_exports(Connection &c, int64_t now) {
    std::vector<ExportRow> out;
    for (const auto &r : c.query(std::string("SELECT ") + kExportColumns +
                                     " FROM privacy_exports WHERE deleted_at IS NULL AND expires_at <= ? "
                                     "ORDER BY request_id",
                                 {static_cast<long long>(now)}))
        out.push_back(export_from(r));
    return out;
}

std::vector<ExportRow> PrivacyStore::subject_exports(Connection &c, const SubjectKeys &s) {
    std::vector<Param> params;
    std::string sql = "SELECT e.request_id, e.file_name, e.size, e.sha256, e.created_at, e.expires_at, e.deleted_at "
                      "FROM privacy_exports e JOIN privacy_requests r ON r.id = e.request_id WHERE "
                      "e.deleted_at IS NULL AND " +
                      request_clause(s, params, "r.") + " ORDER BY e.request_id";
    std::vector<ExportRow> out;
    for (const auto &r : c.query(sql, params)) out.push_back(export_from(r));
    return out;
}

std::set<std::string> PrivacyStore::live_export_files(Connection &c) {
    std::set<std::string> out;
    for (const auto &r : c.query("SELECT file_name FROM privacy_exports WHERE deleted_at IS NULL")) out.insert(r.str(0));
    return out;
}

void PrivacyStore::mark_export_deleted(Connection &c, int64_t request_id, int64_t now) {
    c.execute("UPDATE privacy_exports SET deleted_at = ? WHERE request_id = ? AND deleted_at IS NULL",
              {static_cast<long long>(now), static_cast<long long>(request_id)});
}

} // namespace plinth::privacy
