// tickets/store/credential_store.hpp — sealed credentials, their purge and the reveal log.
//
// Stateless SQL over the caller's connection. A credential row is inserted first (to get its id),
// then sealed by the service with the ticket and credential ids as associated data and stored
// with store_sealed, in one transaction the service holds. Purging nulls the nonce and the
// ciphertext and records when and why; the row itself stays as the trace that it existed.
#pragma once

#include "../domain/credential_cipher.hpp"
#include "../domain/credentials.hpp"
#include "records.hpp"

#include <plinth/sdk/db.hpp>

#include <optional>
#include <vector>

namespace plinth::tickets {

// A credential row with its sealed secret (empty nonce and ciphertext once purged).
struct StoredCredential {
    CredentialRow meta;
    SealedCredential sealed;
};

namespace CredentialStore {

// Credentials of the ticket neither purged nor expired at `now`.
int64_t count_live(sdk::db::Connection &c, int64_t ticket_id, int64_t now);
// Inserts an unsealed row and returns its id.
int64_t insert(sdk::db::Connection &c, int64_t ticket_id, int64_t created_by, int64_t now, int64_t expires_at);
void store_sealed(sdk::db::Connection &c, int64_t credential_id, const SealedCredential &sealed);

// The ticket a credential belongs to; nullopt when there is no such credential.
std::optional<int64_t> ticket_of(sdk::db::Connection &c, int64_t credential_id);
// The credential, locked FOR UPDATE; nullopt when it is gone.
std::optional<StoredCredential> lock(sdk::db::Connection &c, int64_t credential_id);
// Purges one credential (nonce and ciphertext nulled, time and reason recorded).
void purge(sdk::db::Connection &c, int64_t credential_id, PurgeReason reason, int64_t now);
// Purges every live credential of the ticket; returns how many.
int64_t purge_ticket(sdk::db::Connection &c, int64_t ticket_id, PurgeReason reason, int64_t now);

RevealRow insert_reveal(sdk::db::Connection &c, int64_t credential_id, int64_t ticket_id, int64_t revealed_by,
                        int64_t now);

std::vector<CredentialRow> list(sdk::db::Connection &c, int64_t ticket_id);
std::vector<RevealRow> reveals(sdk::db::Connection &c, int64_t ticket_id);

// Retention: purge every credential whose expiry has passed; returns how many.
int64_t expire_due(sdk::db::Connection &c, int64_t now);
// Retention: drop reveal log rows older than `cutoff`; returns how many.
int64_t remove_reveals_before(sdk::db::Connection &c, int64_t cutoff);

} // namespace CredentialStore

} // namespace plinth::tickets
