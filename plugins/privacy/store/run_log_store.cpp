// privacy/store/run_log_store.cpp — PrivacyStore's statements for what a request's run leaves
// behind: its per-module steps, the erasure outcomes, and the hash-chained audit log.
#include "privacy_store.hpp"

#include "../archive/digest.hpp"

namespace plinth::privacy {

using sdk::db::Connection;
using sdk::db::Param;
using sdk::db::Row;
using sdk::db::Rows;

namespace {

void put_le64(std::string &out, int64_t v) {
    auto u = static_cast<uint64_t>(v);
    for (int i = 0; i < 8; ++i) out += static_cast<char>((u >> (8 * i)) & 0xff);
}

std::string audit_hash(std::string_view prev, int64_t at, std::optional<int64_t> request_id, std::string_view actor,
                       std::string_view action, std::string_view detail) {
    std::string message(prev);
    put_le64(message, at);
    put_le64(message, request_id.value_or(-1));
    message.append(actor).push_back('\0');
    message.append(action).push_back('\0');
    message.append(detail);
    Sha256 d = sha256(message);
    return std::string(reinterpret_cast<const char *>(d.data()), d.size());
}

} // namespace

// ---- progress ----

std::vector<StepRow> PrivacyStore::steps(Connection &c, int64_t request_id) {
    std::vector<StepRow> out;
    for (const auto &r : c.query("SELECT module, position, status, items, files, removed, anonymised, retained, "
                                 "attempts FROM privacy_request_steps WHERE request_id = ? ORDER BY position, module",
                                 {static_cast<long long>(request_id)}))
        out.push_back({r.str(0), r.i64(1), r.str(2) == "done", r.i64(3), r.i64(4), r.i64(5), r.i64(6), r.i64(7),
                       r.i64(8)});
    return out;
}

void PrivacyStore::add_step(Connection &c, int64_t request_id, std::string_view module, int64_t position,
                            int64_t now) {
    c.execute("INSERT IGNORE INTO privacy_request_steps (request_id, module, position, status, updated_at) "
              "VALUES (?, ?, ?, 'pending', ?)",
              {static_cast<long long>(request_id), module, static_cast<long long>(position),
               static_cast<long long>(now)});
}

void PrivacyStore::begin_step(Connection &c, int64_t request_id, std::string_view module, int64_t now) {
    c.execute("UPDATE privacy_request_steps SET status = 'pending', attempts = attempts + 1, updated_at = ? "
              "WHERE request_id = ? AND module = ?",
              {static_cast<long long>(now), static_cast<long long>(request_id), module});
}

void PrivacyStore::finish_step(Connection &c, int64_t request_id, std::string_view module, const StepCounts &n,
                               int64_t now) {
    c.execute("UPDATE privacy_request_steps SET status = 'done', items = ?, files = ?, removed = ?, anonymised = ?, "
              "retained = ?, updated_at = ? WHERE request_id = ? AND module = ?",
              {static_cast<long long>(n.items), static_cast<long long>(n.files), static_cast<long long>(n.removed),
               static_cast<long long>(n.anonymised), static_cast<long long>(n.retained), static_cast<long long>(now),
               static_cast<long long>(request_id), module});
}

// ---- erasure outcomes ----

void PrivacyStore::record_outcome(Connection &c, int64_t request_id, const ErasureRecord &r) {
    std::string key_material = r.category;
    key_material.push_back('\0');
    key_material += r.item;
    Sha256 key = sha256(key_material);
    c.execute("INSERT INTO privacy_erasure_outcomes (request_id, module, item_key, category, item, outcome, "
              "legal_basis, retained_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
              "outcome = VALUES(outcome), legal_basis = VALUES(legal_basis), retained_until = VALUES(retained_until)",
              {static_cast<long long>(request_id), r.module, Param::bytes(key.data(), key.size()), r.category, r.item,
               outcome_name(r.outcome), r.legal_basis.substr(0, 255), static_cast<long long>(r.retained_until)});
}

std::vector<ErasureRecord> PrivacyStore::outcomes(Connection &c, int64_t request_id) {
    std::vector<ErasureRecord> out;
    for (const auto &r : c.query("SELECT o.module, o.category, o.item, o.outcome, o.legal_basis, o.retained_until "
                                 "FROM privacy_erasure_outcomes o LEFT JOIN privacy_request_steps s ON "
                                 "s.request_id = o.request_id AND s.module = o.module WHERE o.request_id = ? "
                                 "ORDER BY COALESCE(s.position, 0), o.id",
                                 {static_cast<long long>(request_id)}))
        out.push_back({r.str(0), r.str(1), r.str(2), parse_outcome(r.str(3)), r.str(4), r.i64(5)});
    return out;
}

int64_t PrivacyStore::count_outcomes(Connection &c, int64_t request_id, std::string_view module) {
    Rows rows = c.query("SELECT COUNT(*) FROM privacy_erasure_outcomes WHERE request_id = ? AND module = ?",
                        {static_cast<long long>(request_id), module});
    return rows.empty() ? 0 : rows[0].i64(0);
}

// ---- audit ----

void PrivacyStore::audit(Connection &c, int64_t at, std::optional<int64_t> request_id, std::string_view actor,
                         std::string_view action, std::string_view detail) {
    Rows head = c.query("SELECT last_hash FROM privacy_audit_head WHERE id = 1 FOR UPDATE");
    if (head.empty()) throw sdk::Error(PLINTH_E_INTERNAL, "privacy audit head row is missing");
    const std::string prev = head[0].str(0);
    const std::string detail_text(detail.substr(0, 1024));
    const std::string hash = audit_hash(prev, at, request_id, actor, action, detail_text);
    c.execute("INSERT INTO privacy_audit (at, request_id, actor, action, detail, prev_hash, hash) VALUES "
              "(?, ?, ?, ?, ?, ?, ?)",
              {static_cast<long long>(at), request_id ? Param(static_cast<long long>(*request_id)) : Param(nullptr),
               actor, action, detail_text, Param::bytes(prev.data(), prev.size()),
               Param::bytes(hash.data(), hash.size())});
    c.execute("UPDATE privacy_audit_head SET last_hash = ? WHERE id = 1", {Param::bytes(hash.data(), hash.size())});
}

std::vector<AuditEntry> PrivacyStore::audit_for(Connection &c, int64_t request_id) {
    std::vector<AuditEntry> out;
    for (const auto &r : c.query("SELECT id, at, request_id, actor, action, detail FROM privacy_audit WHERE "
                                 "request_id = ? ORDER BY id",
                                 {static_cast<long long>(request_id)}))
        out.push_back({r.i64(0), r.i64(1), r.optional_i64(2), r.str(3), r.str(4), r.str(5)});
    return out;
}

AuditVerification PrivacyStore::verify_audit(Connection &c) {
    AuditVerification v;
    std::optional<std::string> expected_prev;
    int64_t after = 0;
    for (;;) {
        Rows rows = c.query("SELECT id, at, request_id, actor, action, detail, prev_hash, hash FROM privacy_audit "
                            "WHERE id > ? ORDER BY id LIMIT 1000",
                            {static_cast<long long>(after)});
        if (rows.empty()) break;
        for (const auto &r : rows) {
            ++v.entries;
            after = r.i64(0);
            const std::string prev = r.str(6);
            // The oldest remaining entry anchors the chain (older ones may have been purged).
            bool linked = !expected_prev || *expected_prev == prev;
            bool sealed = audit_hash(prev, r.i64(1), r.optional_i64(2), r.str(3), r.str(4), r.str(5)) == r.str(7);
            if ((!linked || !sealed) && v.intact) {
                v.intact = false;
                v.first_broken_id = r.i64(0);
            }
            expected_prev = r.str(7);
        }
    }
    Rows head = c.query("SELECT last_hash FROM privacy_audit_head WHERE id = 1");
    const std::string last = head.empty() ? std::string() : head[0].str(0);
    if (v.intact && v.entries > 0 && last != *expected_prev) {
        v.intact = false; // the newest entries were removed
        v.first_broken_id = after;
    }
    return v;
}

int64_t PrivacyStore::purge_audit(Connection &c, int64_t cutoff) {
    Rows rows = c.query("SELECT MAX(id) FROM privacy_audit WHERE at <= ?", {static_cast<long long>(cutoff)});
    if (rows.empty() || rows[0].is_null(0)) return 0;
    return static_cast<int64_t>(
        c.execute("DELETE FROM privacy_audit WHERE id <= ?", {static_cast<long long>(rows[0].i64(0))}));
}

} // namespace plinth::privacy
