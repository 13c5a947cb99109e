// tickets/store/credential_store.hpp — sealed credentials, their purge and the reveal log.
//
// A credential row is inserted first (to get its id), then sealed with the ticket and credential
// ids as associated data and updated, all in one transaction. Purging nulls the nonce and the
// ciphertext and records when and why; the row itself stays as the trace that it existed.
#pragma once

#include "../domain/access.hpp"
#include "../domain/credential_cipher.hpp"
#include "../domain/credentials.hpp"
#include "records.hpp"

#include <plinth/sdk/db.hpp>

#include <vector>

namespace plinth::tickets {

struct RevealedCredential {
    CredentialRow credential;
    CredentialSecret secret;
    RevealRow log;
};

class CredentialStore {
public:
    CredentialStore(sdk::db::Database &pool, const CredentialCipher &cipher) : pool_(pool), cipher_(cipher) {}

    // Only the ticket's owner shares credentials. REQUIRES: check_credential(secret) passed and
    // 1 <= ttl_days.
    CredentialRow add(const Viewer &viewer, int64_t ticket_id, const CredentialSecret &secret, int64_t ttl_days,
                      const CredentialLimits &limits, int64_t now);

    // Staff only (a person: the log needs a who). Each success appends a reveal log row in the
    // same transaction. An expired credential is purged on the spot and PLINTH_E_EXPIRED thrown;
    // a purged one gives PLINTH_E_EXPIRED naming the reason.
    RevealedCredential reveal(const Viewer &viewer, int64_t credential_id, int64_t now);

    // The owner or staff withdraw a credential before it expires.
    CredentialRow withdraw(const Viewer &viewer, int64_t credential_id, int64_t now);

    std::vector<CredentialRow> list(int64_t ticket_id);
    std::vector<RevealRow> reveals(int64_t ticket_id);

    // Retention: purge every credential whose expiry has passed; returns how many.
    int64_t expire_due(int64_t now);
    // Retention: drop reveal log rows older than `cutoff`; returns how many.
    int64_t remove_reveals_before(int64_t cutoff);

    // Inside a transaction: purges every live credential of the ticket; returns how many.
    static int64_t purge_ticket(sdk::db::Connection &c, int64_t ticket_id, PurgeReason reason, int64_t now);
    static CredentialRow row(const sdk::db::Row &r); // from kCredentialColumns
    static const char *const kColumns;

private:
    sdk::db::Database &pool_;
    const CredentialCipher &cipher_;
};

} // namespace plinth::tickets
