#include "credential_store.hpp"

namespace plinth::tickets::CredentialStore {
using sdk::db::Connection;
using sdk::db::Param;
using sdk::db::Row;

namespace {

constexpr const char *kColumns = "id, ticket_id, created_by, created_at, expires_at, purged_at, purge_reason";

CredentialRow row(const Row &r) {
    return CredentialRow{r.i64(0), r.i64(1), r.i64(2), r.i64(3), r.i64(4), r.optional_i64(5), r.optional_str(6)};
}

} // namespace

int64_t count_live(Connection &c, int64_t ticket_id, int64_t now) {
    return c
        .query("SELECT COUNT(*) FROM tickets_credentials WHERE ticket_id = ? AND purged_at IS NULL AND expires_at > ?",
               {ticket_id, now})
        .at(0)
        .i64(0);
}

int64_t insert(Connection &c, int64_t ticket_id, int64_t created_by, int64_t now, int64_t expires_at) {
    c.execute("INSERT INTO tickets_credentials (ticket_id, created_by, created_at, expires_at, key_version) "
              "VALUES (?, ?, ?, ?, ?)",
              {ticket_id, created_by, now, expires_at, CredentialCipher::kKeyVersion});
    return static_cast<int64_t>(c.last_insert_id());
}

void store_sealed(Connection &c, int64_t credential_id, const SealedCredential &sealed) {
    c.execute("UPDATE tickets_credentials SET nonce = ?, ciphertext = ? WHERE id = ?",
              {Param::bytes(sealed.nonce.data(), sealed.nonce.size()),
               Param::bytes(sealed.ciphertext.data(), sealed.ciphertext.size()), credential_id});
}

std::optional<int64_t> ticket_of(Connection &c, int64_t credential_id) {
    sdk::db::Rows rows = c.query("SELECT ticket_id FROM tickets_credentials WHERE id = ?", {credential_id});
    if (rows.empty()) return std::nullopt;
    return rows[0].i64(0);
}

std::optional<StoredCredential> lock(Connection &c, int64_t credential_id) {
    sdk::db::Rows rows = c.query(std::string("SELECT ") + kColumns +
                                     ", key_version, nonce, ciphertext FROM tickets_credentials WHERE id = ? FOR UPDATE",
                                 {credential_id});
    if (rows.empty()) return std::nullopt;
    const Row &r = rows[0];
    StoredCredential out{row(r), {}};
    out.sealed.key_version = static_cast<int32_t>(r.i64(7));
    const std::string nonce = r.optional_str(8).value_or("");
    const std::string ciphertext = r.optional_str(9).value_or("");
    out.sealed.nonce.assign(nonce.begin(), nonce.end());
    out.sealed.ciphertext.assign(ciphertext.begin(), ciphertext.end());
    return out;
}

void purge(Connection &c, int64_t credential_id, PurgeReason reason, int64_t now) {
    c.execute("UPDATE tickets_credentials SET nonce = NULL, ciphertext = NULL, purged_at = ?, purge_reason = ? "
              "WHERE id = ?",
              {now, purge_reason_name(reason), credential_id});
}

int64_t purge_ticket(Connection &c, int64_t ticket_id, PurgeReason reason, int64_t now) {
    return static_cast<int64_t>(
        c.execute("UPDATE tickets_credentials SET nonce = NULL, ciphertext = NULL, purged_at = ?, purge_reason = ? "
                  "WHERE ticket_id = ? AND purged_at IS NULL",
                  {now, purge_reason_name(reason), ticket_id}));
}

RevealRow insert_reveal(Connection &c, int64_t credential_id, int64_t ticket_id, int64_t revealed_by, int64_t now) {
    c.execute("INSERT INTO tickets_credential_reveals (credential_id, ticket_id, revealed_by, revealed_at) "
              "VALUES (?, ?, ?, ?)",
              {credential_id, ticket_id, revealed_by, now});
    return RevealRow{static_cast<int64_t>(c.last_insert_id()), credential_id, ticket_id, revealed_by, now};
}

std::vector<CredentialRow> list(Connection &c, int64_t ticket_id) {
    std::vector<CredentialRow> out;
    for (const Row &r : c.query(std::string("SELECT ") + kColumns +
                                    " FROM tickets_credentials WHERE ticket_id = ? ORDER BY id",
                                {ticket_id}))
        out.push_back(row(r));
    return out;
}

std::vector<RevealRow> reveals(Connection &c, int64_t ticket_id) {
    std::vector<RevealRow> out;
    for (const Row &r : c.query("SELECT id, credential_id, ticket_id, revealed_by, revealed_at FROM "
                                "tickets_credential_reveals WHERE ticket_id = ? ORDER BY id",
                                {ticket_id}))
        out.push_back(RevealRow{r.i64(0), r.i64(1), r.i64(2), r.i64(3), r.i64(4)});
    return out;
}

int64_t expire_due(Connection &c, int64_t now) {
    return static_cast<int64_t>(
        c.execute("UPDATE tickets_credentials SET nonce = NULL, ciphertext = NULL, purged_at = ?, purge_reason = ? "
                  "WHERE purged_at IS NULL AND expires_at <= ?",
                  {now, purge_reason_name(PurgeReason::expired), now}));
}

int64_t remove_reveals_before(Connection &c, int64_t cutoff) {
    return static_cast<int64_t>(c.execute("DELETE FROM tickets_credential_reveals WHERE revealed_at < ?", {cutoff}));
}

} // namespace plinth::tickets::CredentialStore
