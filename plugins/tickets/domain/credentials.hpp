// tickets/domain/credentials.hpp — temporary site logins a customer shares with support staff.
//
// Lifecycle:
//   added by the ticket's owner ──► active until expires_at (created + ttl_days, default 7)
//        │                               │
//        │  revealed by staff only, each reveal logged (who, when) in an append-only table
//        ▼                               ▼
//   purged: ciphertext deleted, metadata kept (created, expires, purged_at, reason)
//     reasons: "expired" (sweep, or a reveal attempt after expiry), "ticket_closed",
//              "withdrawn" (owner or staff removed it), "anonymised" (retention), "erased".
// Nothing but the metadata ever leaves the module: exports, replies and logs say only that a
// credential existed and when and why it was purged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plinth::tickets {

struct CredentialLimits {
    int64_t ttl_days = 7;     // default lifetime, also the longest a customer may ask for
    size_t per_ticket = 10;   // active credentials on one ticket
};

// The secret part, only ever held in memory; the destructor wipes it.
struct CredentialSecret {
    std::string site_url;
    std::string username;
    std::string password;
    std::string note; // optional, may be empty

    CredentialSecret() = default;
    CredentialSecret(const CredentialSecret &) = delete;
    CredentialSecret &operator=(const CredentialSecret &) = delete;
    CredentialSecret(CredentialSecret &&) = default;
    CredentialSecret &operator=(CredentialSecret &&) = default;
    ~CredentialSecret();
};

// site_url: an absolute http(s) URL with a host, at most 2048 bytes; username 1..256 bytes and
// password 1..1024 bytes, single line (passwords may hold any printable character, spaces too);
// note at most 2000 bytes of text. Throws PLINTH_E_INVALID_ARGUMENT without echoing the values.
void check_credential(const CredentialSecret &secret);

// The plaintext that gets sealed (a small JSON object) and back.
std::string serialise_secret(const CredentialSecret &secret);
CredentialSecret parse_secret(std::string_view plaintext);

enum class CredentialState { active, expired, purged };
std::string_view credential_state_name(CredentialState state);

// REQUIRES: 1 <= ttl_days.
inline int64_t credential_expiry(int64_t created_s, int64_t ttl_days) { return created_s + ttl_days * 86400; }

// Expired from the first second at or after expires_at.
inline CredentialState credential_state(int64_t now_s, int64_t expires_at, std::optional<int64_t> purged_at) {
    if (purged_at) return CredentialState::purged;
    return now_s >= expires_at ? CredentialState::expired : CredentialState::active;
}

enum class PurgeReason { expired, ticket_closed, withdrawn, anonymised, erased };
std::string_view purge_reason_name(PurgeReason reason);

} // namespace plinth::tickets
