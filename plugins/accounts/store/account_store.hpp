// accounts/store/account_store.hpp — every SQL statement of the accounts module.
//
// Methods take the Connection to run on, so the service composes them into transactions
// (Pool::transaction) where a rule spans rows. Prepared statements only; nothing here decides
// a rule.
#pragma once

#include "../domain/identity.hpp"
#include "../domain/session.hpp"
#include "../domain/throttle.hpp"

#include <plinth/sdk/db.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace plinth::accounts {

struct UserRecord {
    int64_t id = 0;
    std::string email;
    std::string email_normalized;
    int64_t email_since = 0;
    std::string username;
    std::string first_name;
    std::string last_name;
    Role role = Role::customer;
    std::string password_hash;
    int64_t password_changed_at = 0;
    std::optional<std::string> gravatar_url;
    std::optional<int64_t> gravatar_opted_in_at;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

struct NewUser {
    Email email;
    std::string username;
    std::string first_name;
    std::string last_name;
    Role role = Role::customer;
    std::string password_hash;
    int64_t created_at = 0;
};

struct EmailHistoryRecord {
    int64_t id = 0;
    std::string email;
    std::string email_normalized;
    int64_t used_from = 0;
    int64_t replaced_at = 0;
};

struct SessionRecord {
    int64_t id = 0;
    int64_t user_id = 0;
    Role role = Role::customer;
    SessionTimes times;
};

struct LoginEvent {
    int64_t id = 0;
    int64_t user_id = 0;
    int64_t at = 0;
    std::string event;
    std::optional<int64_t> session_id;
};

// Event names written to accounts_login_events.
namespace event {
inline constexpr const char *login_succeeded = "login_succeeded";
inline constexpr const char *login_failed = "login_failed";
inline constexpr const char *login_throttled = "login_throttled";
inline constexpr const char *logged_out = "logged_out";
inline constexpr const char *session_revoked = "session_revoked";
inline constexpr const char *session_expired = "session_expired";
inline constexpr const char *password_changed = "password_changed";
} // namespace event

// Which unique rule an insert or update broke.
enum class Duplicate { none, email, username, other };
Duplicate duplicate_of(const sdk::db::DbError &e);

class AccountStore {
public:
    using Connection = sdk::db::Connection;

    // --- users
    int64_t insert_user(Connection &c, const NewUser &u);
    std::optional<UserRecord> user_by_id(Connection &c, int64_t id, bool for_update = false);
    std::optional<UserRecord> user_by_email(Connection &c, std::string_view email_normalized);
    std::optional<UserRecord> user_by_username(Connection &c, std::string_view username_normalized);
    // `login` is normalize_login() of what was typed: an email when it holds '@', else a username.
    std::optional<UserRecord> user_by_login(Connection &c, std::string_view login);
    void set_password_hash(Connection &c, int64_t id, std::string_view hash, std::optional<int64_t> changed_at, int64_t now);
    void set_names(Connection &c, int64_t id, std::string_view first, std::string_view last, int64_t now);
    void set_username(Connection &c, int64_t id, std::string_view username, int64_t now);
    void set_email(Connection &c, int64_t id, const Email &email, int64_t since, int64_t now);
    // Also updates the role copied into the account's sessions.
    void set_role(Connection &c, int64_t id, Role role, int64_t now);
    void set_gravatar(Connection &c, int64_t id, std::optional<std::string> url, int64_t now);
    std::vector<UserRecord> search_users(Connection &c, std::string_view query, std::optional<Role> role, int64_t limit,
                                         int64_t offset);
    uint64_t delete_user(Connection &c, int64_t id);

    // --- email history
    void insert_email_history(Connection &c, int64_t user_id, const std::string &email, const std::string &normalized,
                              int64_t used_from, int64_t replaced_at);
    std::vector<EmailHistoryRecord> email_history(Connection &c, int64_t user_id);
    // The newest account that used `normalized` before its current address.
    std::optional<int64_t> user_by_previous_email(Connection &c, std::string_view normalized);
    // Whether an account other than `user_id` (0: any account) once used `normalized`. A locking
    // read: it holds the index range until commit, so a concurrent email change cannot add that
    // address to a history between this check and the caller's write.
    bool previous_email_of_other(Connection &c, std::string_view normalized, int64_t user_id);
    uint64_t delete_email_history(Connection &c, int64_t user_id);

    // --- sessions
    int64_t insert_session(Connection &c, int64_t user_id, Role role, const TokenHash &hash, const SessionTimes &t);
    std::optional<SessionRecord> session_by_hash(Connection &c, const TokenHash &hash);
    std::optional<SessionRecord> session_by_id(Connection &c, int64_t id);
    std::vector<SessionRecord> sessions_of(Connection &c, int64_t user_id);
    uint64_t delete_session(Connection &c, int64_t id);
    void touch_session(Connection &c, int64_t id, int64_t last_seen_at);
    // Sessions that ended by `now` (absolute or idle): listed, then deleted, by the sweep.
    std::vector<SessionRecord> ended_sessions(Connection &c, int64_t now, int64_t idle_timeout_s, int64_t limit);
    uint64_t delete_sessions_of(Connection &c, int64_t user_id);

    // --- login events
    void insert_event(Connection &c, int64_t user_id, int64_t at, const char *event, std::optional<int64_t> session_id);
    std::vector<LoginEvent> events_of(Connection &c, int64_t user_id, int64_t limit, std::optional<int64_t> before_id);
    int64_t count_events_of(Connection &c, int64_t user_id);
    uint64_t delete_events_before(Connection &c, int64_t cutoff, int64_t limit);
    uint64_t delete_events_of(Connection &c, int64_t user_id);

    // --- throttle
    ThrottleState throttle_for_update(Connection &c, const TokenHash &key);
    std::optional<ThrottleState> throttle(Connection &c, const TokenHash &key);
    void save_throttle(Connection &c, const TokenHash &key, const ThrottleState &s);
    // Re-stamps the last failure (already counted when the attempt was charged).
    void note_failure(Connection &c, const TokenHash &key, int64_t at);
    uint64_t delete_throttle(Connection &c, const TokenHash &key);
    uint64_t delete_stale_throttles(Connection &c, int64_t now, int64_t reset_after_s, int64_t limit);
};

} // namespace plinth::accounts
