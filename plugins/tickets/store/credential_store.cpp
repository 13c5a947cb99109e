#include "credential_store.hpp"

#include "../domain/content.hpp"
#include "ticket_store.hpp"

#include <plinth/sdk/error.hpp>

#include <variant>

namespace plinth::tickets {
using sdk::db::Connection;
using sdk::db::Param;
using sdk::db::Row;

const char *const CredentialStore::kColumns =
    "id, ticket_id, created_by, created_at, expires_at, purged_at, purge_reason";

namespace {

struct Located {
    TicketRow ticket;
    sdk::db::Row credential; // kColumns, key_version, nonce, ciphertext
};

// Locks the ticket and then the credential, the order every writer of tickets uses (closing a
// ticket locks it before purging its credentials), so the two cannot deadlock. A credential on a
// ticket the viewer may not read is reported as not found, like a missing one.
Located locate(Connection &c, const Viewer &viewer, int64_t credential_id) {
    std::string which = "credential " + std::to_string(credential_id);
    sdk::db::Rows owner = c.query("SELECT ticket_id FROM tickets_credentials WHERE id = ?", {credential_id});
    if (owner.empty()) throw sdk::not_found(which + " not found");
    int64_t ticket_id = owner[0].i64(0);
    auto ticket = TicketStore::find(c, ticket_id, true);
    if (!ticket || !viewer.can_read(ticket->owner_id)) throw sdk::not_found(which + " not found");
    sdk::db::Rows rows = c.query(std::string("SELECT ") + CredentialStore::kColumns +
                                     ", key_version, nonce, ciphertext FROM tickets_credentials WHERE id = ? FOR UPDATE",
                                 {credential_id});
    // The row changed tickets between the two reads: treat it as gone rather than guess.
    if (rows.empty() || rows[0].i64(1) != ticket_id) throw sdk::not_found(which + " not found");
    return Located{std::move(*ticket), std::move(rows[0])};
}

} // namespace

CredentialRow CredentialStore::row(const Row &r) {
    return CredentialRow{r.i64(0), r.i64(1), r.i64(2), r.i64(3), r.i64(4), r.optional_i64(5), r.optional_str(6)};
}

int64_t CredentialStore::purge_ticket(Connection &c, int64_t ticket_id, PurgeReason reason, int64_t now) {
    return static_cast<int64_t>(
        c.execute("UPDATE tickets_credentials SET nonce = NULL, ciphertext = NULL, purged_at = ?, purge_reason = ? "
                  "WHERE ticket_id = ? AND purged_at IS NULL",
                  {now, purge_reason_name(reason), ticket_id}));
}

CredentialRow CredentialStore::add(const Viewer &viewer, int64_t ticket_id, const CredentialSecret &secret,
                                   int64_t ttl_days, const CredentialLimits &limits, int64_t now) {
    return pool_.transaction([&](Connection &c) {
        TicketRow ticket = TicketStore::lock_visible(c, viewer, ticket_id);
        if (!viewer.owns(ticket.owner_id))
            throw sdk::permission_denied("only the ticket's owner can share credentials on it");
        TicketStore::require_changeable(ticket);
        sdk::db::Rows live = c.query("SELECT COUNT(*) FROM tickets_credentials WHERE ticket_id = ? AND purged_at IS "
                                     "NULL AND expires_at > ?",
                                     {ticket_id, now});
        if (live.at(0).i64(0) >= static_cast<int64_t>(limits.per_ticket))
            throw sdk::limit_exceeded("ticket " + std::to_string(ticket_id) + " already holds " +
                                      std::to_string(limits.per_ticket) + " active credentials");
        int64_t expires = credential_expiry(now, ttl_days);
        c.execute("INSERT INTO tickets_credentials (ticket_id, created_by, created_at, expires_at, key_version) "
                  "VALUES (?, ?, ?, ?, ?)",
                  {ticket_id, viewer.user_id, now, expires, CredentialCipher::kKeyVersion});
        int64_t id = static_cast<int64_t>(c.last_insert_id());
        std::string plaintext = serialise_secret(secret);
        SealedCredential sealed = cipher_.seal(ticket_id, id, plaintext);
        wipe(plaintext);
        c.execute("UPDATE tickets_credentials SET nonce = ?, ciphertext = ? WHERE id = ?",
                  {Param::bytes(sealed.nonce.data(), sealed.nonce.size()),
                   Param::bytes(sealed.ciphertext.data(), sealed.ciphertext.size()), id});
        TicketStore::touch(c, ticket_id, now);
        return CredentialRow{id, ticket_id, viewer.user_id, now, expires, std::nullopt, std::nullopt};
    });
}

RevealedCredential CredentialStore::reveal(const Viewer &viewer, int64_t credential_id, int64_t now) {
    if (!viewer.staff || viewer.system || viewer.user_id == 0)
        throw sdk::permission_denied("only staff members can reveal credentials");
    std::string which = "credential " + std::to_string(credential_id);
    // An expired credential is purged and committed before the refusal is thrown, so the
    // transaction returns either the revealed secret or the expiry to report.
    using Outcome = std::variant<RevealedCredential, sdk::Error>;
    Outcome outcome = pool_.transaction([&](Connection &c) -> Outcome {
        Located found = locate(c, viewer, credential_id);
        const Row &stored = found.credential;
        CredentialRow meta = row(stored);
        if (meta.purged_at)
            return sdk::expired(which + " was purged (" + meta.purge_reason.value_or("unknown") + ") at " +
                                std::to_string(*meta.purged_at));
        if (credential_state(now, meta.expires_at, meta.purged_at) == CredentialState::expired) {
            c.execute("UPDATE tickets_credentials SET nonce = NULL, ciphertext = NULL, purged_at = ?, purge_reason = ? "
                      "WHERE id = ?",
                      {now, purge_reason_name(PurgeReason::expired), credential_id});
            return sdk::expired(which + " expired at " + std::to_string(meta.expires_at) + " and has been purged");
        }
        SealedCredential sealed;
        sealed.key_version = static_cast<int32_t>(stored.i64(7));
        const std::string &nonce = stored.str(8);
        const std::string &ciphertext = stored.str(9);
        sealed.nonce.assign(nonce.begin(), nonce.end());
        sealed.ciphertext.assign(ciphertext.begin(), ciphertext.end());
        std::string plaintext = cipher_.open(meta.ticket_id, credential_id, sealed);
        RevealedCredential revealed{meta, parse_secret(plaintext), {}};
        wipe(plaintext);
        c.execute("INSERT INTO tickets_credential_reveals (credential_id, ticket_id, revealed_by, revealed_at) "
                  "VALUES (?, ?, ?, ?)",
                  {credential_id, meta.ticket_id, viewer.user_id, now});
        revealed.log = RevealRow{static_cast<int64_t>(c.last_insert_id()), credential_id, meta.ticket_id,
                                 viewer.user_id, now};
        return revealed;
    });
    if (auto *error = std::get_if<sdk::Error>(&outcome)) throw *error;
    return std::move(std::get<RevealedCredential>(outcome));
}

CredentialRow CredentialStore::withdraw(const Viewer &viewer, int64_t credential_id, int64_t now) {
    return pool_.transaction([&](Connection &c) {
        std::string which = "credential " + std::to_string(credential_id);
        Located found = locate(c, viewer, credential_id);
        CredentialRow meta = row(found.credential);
        const TicketRow &ticket = found.ticket;
        if (meta.purged_at) throw sdk::conflict(which + " was already purged (" + meta.purge_reason.value_or("") + ")");
        c.execute("UPDATE tickets_credentials SET nonce = NULL, ciphertext = NULL, purged_at = ?, purge_reason = ? "
                  "WHERE id = ?",
                  {now, purge_reason_name(PurgeReason::withdrawn), credential_id});
        TicketStore::touch(c, ticket.id, now);
        meta.purged_at = now;
        meta.purge_reason = std::string(purge_reason_name(PurgeReason::withdrawn));
        return meta;
    });
}

std::vector<CredentialRow> CredentialStore::list(int64_t ticket_id) {
    return pool_.run([&](Connection &c) {
        std::vector<CredentialRow> out;
        for (const Row &r : c.query(std::string("SELECT ") + kColumns +
                                        " FROM tickets_credentials WHERE ticket_id = ? ORDER BY id",
                                    {ticket_id}))
            out.push_back(row(r));
        return out;
    });
}

std::vector<RevealRow> CredentialStore::reveals(int64_t ticket_id) {
    return pool_.run([&](Connection &c) {
        std::vector<RevealRow> out;
        for (const Row &r : c.query("SELECT id, credential_id, ticket_id, revealed_by, revealed_at FROM "
                                    "tickets_credential_reveals WHERE ticket_id = ? ORDER BY id",
                                    {ticket_id}))
            out.push_back(RevealRow{r.i64(0), r.i64(1), r.i64(2), r.i64(3), r.i64(4)});
        return out;
    });
}

int64_t CredentialStore::expire_due(int64_t now) {
    return pool_.transaction([&](Connection &c) {
        return static_cast<int64_t>(
            c.execute("UPDATE tickets_credentials SET nonce = NULL, ciphertext = NULL, purged_at = ?, purge_reason = ? "
                      "WHERE purged_at IS NULL AND expires_at <= ?",
                      {now, purge_reason_name(PurgeReason::expired), now}));
    });
}

int64_t CredentialStore::remove_reveals_before(int64_t cutoff) {
    return pool_.transaction([&](Connection &c) {
        return static_cast<int64_t>(
            c.execute("DELETE FROM tickets_credential_reveals WHERE revealed_at < ?", {cutoff}));
    });
}

} // namespace plinth::tickets
