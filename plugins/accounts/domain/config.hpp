// accounts/domain/config.hpp — the module's configuration section, validated once at start-up.
//
//   "accounts": {
//     "password": {"min_length": 8, "max_concurrent_hashes": 0,
//                  "argon2": {"memory_kib": 19456, "time_cost": 2, "parallelism": 1}},
//     "session":  {"idle_timeout_s": 86400, "absolute_timeout_s": 1209600,
//                  "cache_ms": 1000, "cache_max_entries": 100000, "last_seen_interval_s": 60},
//     "throttle": {"free_failures": 5, "base_delay_s": 1, "max_delay_s": 900, "reset_after_s": 86400},
//     "retention": {"login_events_days": 30}
//   }
//
// Every member is optional. Inside these four objects an unknown member is refused (a typo in
// a security setting must not be silently ignored); other top-level members are ignored, as the
// config service asks.
#pragma once

#include "password.hpp"
#include "session.hpp"
#include "throttle.hpp"

#include <boost/json/object.hpp>

#include <cstdint>

namespace plinth::accounts {

struct AccountsConfig {
    Argon2Params argon2;
    unsigned max_concurrent_hashes = 0; // 0: one per hardware thread
    size_t password_min_chars = 8;
    SessionPolicy session;
    int64_t session_cache_ms = 1000;   // 0 disables the cache
    size_t session_cache_max_entries = 100000;
    ThrottlePolicy throttle;
    int64_t login_events_days = 30;

    // Reads through the SDK's configuration reader (plinth/sdk/config.hpp): an unknown member
    // anywhere, a wrong type or a value out of range throws invalid_argument naming the key.
    static AccountsConfig from_json(const boost::json::object &section);
};

} // namespace plinth::accounts
