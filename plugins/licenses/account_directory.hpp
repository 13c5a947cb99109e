// licenses/account_directory.hpp — whether an account exists, asked of the accounts module.
//
// Licenses are issued to accounts the licenses module does not own. When a module offering
// plinth.subject-resolver/1 is loaded (accounts) it is asked through the host's registry; without
// one (a host that keeps accounts elsewhere) nothing can be checked, and issuing trusts the staff
// member's user_id as before.
#pragma once

#include <plinth/sdk/host.hpp>

#include <cstdint>
#include <optional>

namespace plinth::licenses {

// true / false when the resolver answered; nullopt when none is loaded. Throws
// sdk::Error (unavailable) when it is loaded but fails or answers something unexpected: a
// license must not be issued on a guess. [thread-safe]
std::optional<bool> account_exists(const sdk::Host &host, int64_t user_id);

} // namespace plinth::licenses
