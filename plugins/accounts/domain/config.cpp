#include "config.hpp"

#include "identity.hpp"

#include <plinth/sdk/config.hpp>
#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <initializer_list>
#include <string>

namespace plinth::accounts {

namespace {

constexpr int64_t kDay = 86400;

} // namespace

AccountsConfig AccountsConfig::from_json(const boost::json::object &config) {
    AccountsConfig c;
    const sdk::Config root = sdk::Config::module("accounts", config, {"password", "session", "throttle", "retention"});

    const sdk::Config password = root.section("password", {"min_length", "max_concurrent_hashes", "argon2"});
    c.password_min_chars = static_cast<size_t>(password.integer("min_length", 8, kPasswordMinCharsFloor, 64));
    c.max_concurrent_hashes = static_cast<unsigned>(password.integer("max_concurrent_hashes", 0, 0, 1024));
    const sdk::Config argon2 =
        password.section("argon2", {"memory_kib", "time_cost", "parallelism", "salt_bytes", "tag_bytes"});
    c.argon2.memory_kib = static_cast<uint32_t>(argon2.integer("memory_kib", c.argon2.memory_kib, 8, kArgon2MaxMemoryKib));
    c.argon2.time_cost = static_cast<uint32_t>(argon2.integer("time_cost", c.argon2.time_cost, 1, kArgon2MaxTimeCost));
    c.argon2.parallelism =
        static_cast<uint32_t>(argon2.integer("parallelism", c.argon2.parallelism, 1, kArgon2MaxParallelism));
    c.argon2.salt_bytes = static_cast<uint32_t>(argon2.integer("salt_bytes", c.argon2.salt_bytes, 8, 64));
    c.argon2.tag_bytes = static_cast<uint32_t>(argon2.integer("tag_bytes", c.argon2.tag_bytes, 16, 64));
    check_argon2_params(c.argon2);

    const sdk::Config session = root.section(
        "session", {"idle_timeout_s", "absolute_timeout_s", "cache_ms", "cache_max_entries", "last_seen_interval_s"});
    c.session.idle_timeout_s = session.integer("idle_timeout_s", c.session.idle_timeout_s, 60, 365 * kDay);
    c.session.absolute_timeout_s = session.integer("absolute_timeout_s", c.session.absolute_timeout_s, 60, 3650 * kDay);
    c.session.last_seen_interval_s = session.integer("last_seen_interval_s", c.session.last_seen_interval_s, 1, 3600);
    c.session_cache_ms = session.integer("cache_ms", c.session_cache_ms, 0, 60000);
    c.session_cache_max_entries = static_cast<size_t>(
        session.integer("cache_max_entries", static_cast<int64_t>(c.session_cache_max_entries), 1, 10000000));
    if (c.session.last_seen_interval_s >= c.session.idle_timeout_s)
        throw sdk::invalid_argument(
            "configuration 'accounts.session.last_seen_interval_s' must be shorter than idle_timeout_s");

    const sdk::Config throttle =
        root.section("throttle", {"free_failures", "base_delay_s", "max_delay_s", "reset_after_s"});
    c.throttle.free_failures = throttle.integer("free_failures", c.throttle.free_failures, 1, 1000);
    c.throttle.base_delay_s = throttle.integer("base_delay_s", c.throttle.base_delay_s, 1, 3600);
    c.throttle.max_delay_s = throttle.integer("max_delay_s", c.throttle.max_delay_s, c.throttle.base_delay_s, 7 * kDay);
    c.throttle.reset_after_s = throttle.integer("reset_after_s", c.throttle.reset_after_s, 60, 365 * kDay);

    const sdk::Config retention = root.section("retention", {"login_events_days"});
    c.login_events_days = retention.integer("login_events_days", c.login_events_days, 1, 3650);
    return c;
}

} // namespace plinth::accounts
