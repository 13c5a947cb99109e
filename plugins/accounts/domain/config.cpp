#include "config.hpp"

#include "identity.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <initializer_list>
#include <string>

namespace plinth::accounts {

namespace {

class Section {
public:
    Section(const boost::json::object &parent, std::string_view key, std::initializer_list<std::string_view> known,
            std::string_view prefix = "")
        : path_(std::string(prefix) + std::string(key)) {
        const boost::json::value *v = parent.if_contains(key);
        if (v == nullptr || v->is_null()) return;
        if (!v->is_object()) throw sdk::invalid_argument("accounts config '" + path_ + "' must be an object");
        object_ = &v->get_object();
        for (const auto &member : *object_) {
            bool ok = false;
            for (auto k : known) ok = ok || member.key() == k;
            if (!ok)
                throw sdk::invalid_argument("accounts config '" + path_ + "' has unknown member '" +
                                            std::string(member.key()) + "'");
        }
    }

    const boost::json::object *object() const { return object_; }
    const std::string &path() const { return path_; }

    int64_t integer(std::string_view key, int64_t fallback, int64_t min, int64_t max) const {
        if (!object_) return fallback;
        const boost::json::value *v = object_->if_contains(key);
        if (v == nullptr || v->is_null()) return fallback;
        int64_t n = 0;
        if (v->is_int64()) n = v->get_int64();
        else if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) n = static_cast<int64_t>(v->get_uint64());
        else throw sdk::invalid_argument("accounts config '" + path_ + "." + std::string(key) + "' must be an integer");
        if (n < min || n > max)
            throw sdk::invalid_argument("accounts config '" + path_ + "." + std::string(key) + "' must be between " +
                                        std::to_string(min) + " and " + std::to_string(max));
        return n;
    }

private:
    std::string path_;
    const boost::json::object *object_ = nullptr;
};

constexpr int64_t kDay = 86400;

} // namespace

AccountsConfig AccountsConfig::from_json(const boost::json::object &root) {
    AccountsConfig c;

    Section password(root, "password", {"min_length", "max_concurrent_hashes", "argon2"});
    c.password_min_chars = static_cast<size_t>(
        password.integer("min_length", 8, kPasswordMinCharsFloor, 64));
    c.max_concurrent_hashes = static_cast<unsigned>(password.integer("max_concurrent_hashes", 0, 0, 1024));
    if (password.object()) {
        Section argon2(*password.object(), "argon2", {"memory_kib", "time_cost", "parallelism", "salt_bytes", "tag_bytes"},
                       "password.");
        c.argon2.memory_kib = static_cast<uint32_t>(argon2.integer("memory_kib", c.argon2.memory_kib, 8, kArgon2MaxMemoryKib));
        c.argon2.time_cost = static_cast<uint32_t>(argon2.integer("time_cost", c.argon2.time_cost, 1, kArgon2MaxTimeCost));
        c.argon2.parallelism =
            static_cast<uint32_t>(argon2.integer("parallelism", c.argon2.parallelism, 1, kArgon2MaxParallelism));
        c.argon2.salt_bytes = static_cast<uint32_t>(argon2.integer("salt_bytes", c.argon2.salt_bytes, 8, 64));
        c.argon2.tag_bytes = static_cast<uint32_t>(argon2.integer("tag_bytes", c.argon2.tag_bytes, 16, 64));
    }
    check_argon2_params(c.argon2);

    Section session(root, "session",
                    {"idle_timeout_s", "absolute_timeout_s", "cache_ms", "cache_max_entries", "last_seen_interval_s"});
    c.session.idle_timeout_s = session.integer("idle_timeout_s", c.session.idle_timeout_s, 60, 365 * kDay);
    c.session.absolute_timeout_s = session.integer("absolute_timeout_s", c.session.absolute_timeout_s, 60, 3650 * kDay);
    c.session.last_seen_interval_s = session.integer("last_seen_interval_s", c.session.last_seen_interval_s, 1, 3600);
    c.session_cache_ms = session.integer("cache_ms", c.session_cache_ms, 0, 60000);
    c.session_cache_max_entries =
        static_cast<size_t>(session.integer("cache_max_entries", static_cast<int64_t>(c.session_cache_max_entries), 1, 10000000));
    if (c.session.last_seen_interval_s >= c.session.idle_timeout_s)
        throw sdk::invalid_argument("accounts config 'session.last_seen_interval_s' must be shorter than idle_timeout_s");

    Section throttle(root, "throttle", {"free_failures", "base_delay_s", "max_delay_s", "reset_after_s"});
    c.throttle.free_failures = throttle.integer("free_failures", c.throttle.free_failures, 1, 1000);
    c.throttle.base_delay_s = throttle.integer("base_delay_s", c.throttle.base_delay_s, 1, 3600);
    c.throttle.max_delay_s = throttle.integer("max_delay_s", c.throttle.max_delay_s, c.throttle.base_delay_s, 7 * kDay);
    c.throttle.reset_after_s = throttle.integer("reset_after_s", c.throttle.reset_after_s, 60, 365 * kDay);

    Section retention(root, "retention", {"login_events_days"});
    c.login_events_days = retention.integer("login_events_days", c.login_events_days, 1, 3650);
    return c;
}

} // namespace plinth::accounts
