#include "account_store.hpp"

#include <plinth/sdk/error.hpp>

namespace plinth::accounts {

using sdk::db::Param;
using sdk::db::Row;
using sdk::db::Rows;

namespace {

constexpr const char *kUserColumns =
    "id, email, email_normalized, email_since, username, first_name, last_name, role, password_hash, "
    "password_changed_at, gravatar_url, gravatar_opted_in_at, created_at, updated_at";

UserRecord user_from(const Row &r) {
    UserRecord u;
    u.id = r.i64(0);
    u.email = r.str(1);
    u.email_normalized = r.str(2);
    u.email_since = r.i64(3);
    u.username = r.str(4);
    u.first_name = r.str(5);
    u.last_name = r.str(6);
    u.role = role_from_int(r.i64(7)).value_or(Role::customer);
    u.password_hash = r.str(8);
    u.password_changed_at = r.i64(9);
    u.gravatar_url = r.optional_str(10);
    u.gravatar_opted_in_at = r.optional_i64(11);
    u.created_at = r.i64(12);
    u.updated_at = r.i64(13);
    return u;
}

std::optional<UserRecord> first_user(const Rows &rows) {
    if (rows.empty()) return std::nullopt;
    return user_from(rows.front());
}

Param hash_param(const TokenHash &h) { return Param::bytes(h.data(), h.size()); }

// The session columns; `role` is kept equal to the account's by set_role.
constexpr const char *kSessionSelect =
    "SELECT s.id, s.user_id, s.role, s.created_at, s.last_seen_at, s.expires_at FROM accounts_sessions s ";

SessionRecord session_from(const Row &r) {
    SessionRecord s;
    s.id = r.i64(0);
    s.user_id = r.i64(1);
    s.role = role_from_int(r.i64(2)).value_or(Role::customer);
    s.times.created_at = r.i64(3);
    s.times.last_seen_at = r.i64(4);
    s.times.absolute_expires_at = r.i64(5);
    return s;
}

// LIKE pattern text with its wildcards escaped (the default escape character is '\').
std::string like_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\' || c == '%' || c == '_') out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

} // namespace

Duplicate duplicate_of(const sdk::db::DbError &e) {
    if (!e.duplicate_key()) return Duplicate::none;
    std::string_view m = e.what();
    if (m.find("uq_accounts_users_email") != std::string_view::npos) return Duplicate::email;
    if (m.find("uq_accounts_users_username") != std::string_view::npos) return Duplicate::username;
    return Duplicate::other;
}

// ---- users

int64_t AccountStore::insert_user(Connection &c, const NewUser &u) {
    c.execute("INSERT INTO accounts_users (email, email_normalized, email_since, username, username_normalized, "
              "first_name, last_name, role, password_hash, password_changed_at, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {u.email.given, u.email.normalized, u.created_at, u.username, normalize_username(u.username),
               u.first_name, u.last_name, static_cast<int>(u.role), u.password_hash, u.created_at, u.created_at,
               u.created_at});
    return static_cast<int64_t>(c.last_insert_id());
}

std::optional<UserRecord> AccountStore::user_by_id(Connection &c, int64_t id, bool for_update) {
    static const std::string plain = std::string("SELECT ") + kUserColumns + " FROM accounts_users WHERE id = ?";
    static const std::string locked = plain + " FOR UPDATE";
    return first_user(c.query(for_update ? locked : plain, {id}));
}

std::optional<UserRecord> AccountStore::user_by_email(Connection &c, std::string_view email_normalized) {
    static const std::string sql =
        std::string("SELECT ") + kUserColumns + " FROM accounts_users WHERE email_normalized = ?";
    return first_user(c.query(sql, {email_normalized}));
}

std::optional<UserRecord> AccountStore::user_by_username(Connection &c, std::string_view username_normalized) {
    static const std::string sql =
        std::string("SELECT ") + kUserColumns + " FROM accounts_users WHERE username_normalized = ?";
    return first_user(c.query(sql, {username_normalized}));
}

std::optional<UserRecord> AccountStore::user_by_login(Connection &c, std::string_view login) {
    // Usernames cannot hold '@' and emails must, so the two never compete for one login.
    if (login.empty() || login.size() > kEmailMaxBytes) return std::nullopt;
    if (login.find('@') != std::string_view::npos) return user_by_email(c, login);
    if (login.size() > kUsernameMaxChars) return std::nullopt;
    return user_by_username(c, login);
}

void AccountStore::set_password_hash(Connection &c, int64_t id, std::string_view hash, std::optional<int64_t> changed_at,
                                     int64_t now) {
    if (changed_at)
        c.execute("UPDATE accounts_users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?",
                  {hash, *changed_at, now, id});
    else // a rehash is not a change of password: keep password_changed_at
        c.execute("UPDATE accounts_users SET password_hash = ? WHERE id = ?", {hash, id});
}

void AccountStore::set_names(Connection &c, int64_t id, std::string_view first, std::string_view last, int64_t now) {
    c.execute("UPDATE accounts_users SET first_name = ?, last_name = ?, updated_at = ? WHERE id = ?",
              {first, last, now, id});
}

void AccountStore::set_username(Connection &c, int64_t id, std::string_view username, int64_t now) {
    c.execute("UPDATE accounts_users SET username = ?, username_normalized = ?, updated_at = ? WHERE id = ?",
              {username, normalize_username(username), now, id});
}

void AccountStore::set_email(Connection &c, int64_t id, const Email &email, int64_t since, int64_t now) {
    c.execute("UPDATE accounts_users SET email = ?, email_normalized = ?, email_since = ?, updated_at = ? WHERE id = ?",
              {email.given, email.normalized, since, now, id});
}

void AccountStore::set_role(Connection &c, int64_t id, Role role, int64_t now) {
    c.execute("UPDATE accounts_users SET role = ?, updated_at = ? WHERE id = ?", {static_cast<int>(role), now, id});
    c.execute("UPDATE accounts_sessions SET role = ? WHERE user_id = ?", {static_cast<int>(role), id});
}

void AccountStore::set_gravatar(Connection &c, int64_t id, std::optional<std::string> url, int64_t now) {
    if (url)
        c.execute("UPDATE accounts_users SET gravatar_url = ?, gravatar_opted_in_at = COALESCE(gravatar_opted_in_at, ?), "
                  "updated_at = ? WHERE id = ?",
                  {*url, now, now, id});
    else
        c.execute("UPDATE accounts_users SET gravatar_url = NULL, gravatar_opted_in_at = NULL, updated_at = ? WHERE id = ?",
                  {now, id});
}

std::vector<UserRecord> AccountStore::search_users(Connection &c, std::string_view query, std::optional<Role> role,
                                                   int64_t limit, int64_t offset) {
    // Identifiers match by prefix on their normalised form; names match anywhere, case-insensitively
    // under the table's collation.
    std::string prefix = like_escape(normalize_login(query)) + "%";
    std::string anywhere = "%" + like_escape(query) + "%";
    static const std::string sql = std::string("SELECT ") + kUserColumns +
                                   " FROM accounts_users WHERE (? = '' OR email_normalized LIKE ? OR "
                                   "username_normalized LIKE ? OR first_name LIKE ? OR last_name LIKE ?) "
                                   "AND (? < 0 OR role = ?) ORDER BY id LIMIT ? OFFSET ?";
    int r = role ? static_cast<int>(*role) : -1;
    Rows rows = c.query(sql, {query, prefix, prefix, anywhere, anywhere, r, r, limit, offset});
    std::vector<UserRecord> out;
    out.reserve(rows.size());
    for (const Row &row : rows) out.push_back(user_from(row));
    return out;
}

uint64_t AccountStore::delete_user(Connection &c, int64_t id) {
    return c.execute("DELETE FROM accounts_users WHERE id = ?", {id});
}

// ---- email history

void AccountStore::insert_email_history(Connection &c, int64_t user_id, const std::string &email,
                                        const std::string &normalized, int64_t used_from, int64_t replaced_at) {
    c.execute("INSERT INTO accounts_email_history (user_id, email, email_normalized, used_from, replaced_at) "
              "VALUES (?, ?, ?, ?, ?)",
              {user_id, email, normalized, used_from, replaced_at});
}

std::vector<EmailHistoryRecord> AccountStore::email_history(Connection &c, int64_t user_id) {
    Rows rows = c.query("SELECT id, email, email_normalized, used_from, replaced_at FROM accounts_email_history "
                        "WHERE user_id = ? ORDER BY replaced_at DESC, id DESC",
                        {user_id});
    std::vector<EmailHistoryRecord> out;
    for (const Row &r : rows) out.push_back({r.i64(0), r.str(1), r.str(2), r.i64(3), r.i64(4)});
    return out;
}

std::optional<int64_t> AccountStore::user_by_previous_email(Connection &c, std::string_view normalized) {
    Rows rows = c.query("SELECT user_id FROM accounts_email_history WHERE email_normalized = ? "
                        "ORDER BY replaced_at DESC, id DESC LIMIT 1",
                        {normalized});
    if (rows.empty()) return std::nullopt;
    return rows[0].i64(0);
}

bool AccountStore::previous_email_of_other(Connection &c, std::string_view normalized, int64_t user_id) {
    Rows rows = c.query("SELECT user_id FROM accounts_email_history WHERE email_normalized = ? AND user_id <> ? "
                        "LIMIT 1 FOR UPDATE",
                        {normalized, user_id});
    return !rows.empty();
}

uint64_t AccountStore::delete_email_history(Connection &c, int64_t user_id) {
    return c.execute("DELETE FROM accounts_email_history WHERE user_id = ?", {user_id});
}

// ---- sessions

int64_t AccountStore::insert_session(Connection &c, int64_t user_id, Role role, const TokenHash &hash,
                                     const SessionTimes &t) {
    c.execute("INSERT INTO accounts_sessions (user_id, role, token_hash, created_at, last_seen_at, expires_at) "
              "VALUES (?, ?, ?, ?, ?, ?)",
              {user_id, static_cast<int>(role), hash_param(hash), t.created_at, t.last_seen_at, t.absolute_expires_at});
    return static_cast<int64_t>(c.last_insert_id());
}

std::optional<SessionRecord> AccountStore::session_by_hash(Connection &c, const TokenHash &hash) {
    static const std::string sql = std::string(kSessionSelect) + "WHERE s.token_hash = ?";
    Rows rows = c.query(sql, {hash_param(hash)});
    if (rows.empty()) return std::nullopt;
    return session_from(rows[0]);
}

std::optional<SessionRecord> AccountStore::session_by_id(Connection &c, int64_t id) {
    static const std::string sql = std::string(kSessionSelect) + "WHERE s.id = ?";
    Rows rows = c.query(sql, {id});
    if (rows.empty()) return std::nullopt;
    return session_from(rows[0]);
}

std::vector<SessionRecord> AccountStore::sessions_of(Connection &c, int64_t user_id) {
    static const std::string sql = std::string(kSessionSelect) + "WHERE s.user_id = ? ORDER BY s.id";
    std::vector<SessionRecord> out;
    for (const Row &r : c.query(sql, {user_id})) out.push_back(session_from(r));
    return out;
}

uint64_t AccountStore::delete_session(Connection &c, int64_t id) {
    return c.execute("DELETE FROM accounts_sessions WHERE id = ?", {id});
}

void AccountStore::touch_session(Connection &c, int64_t id, int64_t last_seen_at) {
    c.execute("UPDATE accounts_sessions SET last_seen_at = GREATEST(last_seen_at, ?) WHERE id = ?", {last_seen_at, id});
}

std::vector<SessionRecord> AccountStore::ended_sessions(Connection &c, int64_t now, int64_t idle_timeout_s,
                                                        int64_t limit) {
    static const std::string sql = std::string(kSessionSelect) +
                                   "WHERE s.expires_at <= ? OR s.last_seen_at <= ? ORDER BY s.id LIMIT ? FOR UPDATE";
    std::vector<SessionRecord> out;
    for (const Row &r : c.query(sql, {now, now - idle_timeout_s, limit})) out.push_back(session_from(r));
    return out;
}

uint64_t AccountStore::delete_sessions_of(Connection &c, int64_t user_id) {
    return c.execute("DELETE FROM accounts_sessions WHERE user_id = ?", {user_id});
}

// ---- login events

void AccountStore::insert_event(Connection &c, int64_t user_id, int64_t at, const char *name,
                                std::optional<int64_t> session_id) {
    c.execute("INSERT INTO accounts_login_events (user_id, at, event, session_id) VALUES (?, ?, ?, ?)",
              {user_id, at, name, session_id});
}

std::vector<LoginEvent> AccountStore::events_of(Connection &c, int64_t user_id, int64_t limit,
                                                std::optional<int64_t> before_id) {
    Rows rows = c.query("SELECT id, user_id, at, event, session_id FROM accounts_login_events "
                        "WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                        {user_id, before_id.value_or(INT64_MAX), limit});
    std::vector<LoginEvent> out;
    for (const Row &r : rows) out.push_back({r.i64(0), r.i64(1), r.i64(2), r.str(3), r.optional_i64(4)});
    return out;
}

int64_t AccountStore::count_events_of(Connection &c, int64_t user_id) {
    return c.query("SELECT COUNT(*) FROM accounts_login_events WHERE user_id = ?", {user_id}).at(0).i64(0);
}

uint64_t AccountStore::delete_events_before(Connection &c, int64_t cutoff, int64_t limit) {
    return c.execute("DELETE FROM accounts_login_events WHERE at < ? ORDER BY at LIMIT ?", {cutoff, limit});
}

uint64_t AccountStore::delete_events_of(Connection &c, int64_t user_id) {
    return c.execute("DELETE FROM accounts_login_events WHERE user_id = ?", {user_id});
}

// ---- throttle

ThrottleState AccountStore::throttle_for_update(Connection &c, const TokenHash &key) {
    // Create-or-lock in one statement: on a duplicate, INSERT ... ON DUPLICATE KEY UPDATE takes an
    // exclusive lock straight away, so concurrent attempts on one key queue instead of
    // deadlocking (as two SELECT ... FOR UPDATE on a missing row followed by INSERTs would).
    c.execute("INSERT INTO accounts_throttle (throttle_key, failures, last_failure_at, locked_until) "
              "VALUES (?, 0, 0, 0) ON DUPLICATE KEY UPDATE failures = failures",
              {hash_param(key)});
    Rows rows = c.query("SELECT failures, last_failure_at, locked_until FROM accounts_throttle "
                        "WHERE throttle_key = ? FOR UPDATE",
                        {hash_param(key)});
    if (rows.empty()) return {};
    return {rows[0].i64(0), rows[0].i64(1), rows[0].i64(2)};
}

std::optional<ThrottleState> AccountStore::throttle(Connection &c, const TokenHash &key) {
    Rows rows = c.query("SELECT failures, last_failure_at, locked_until FROM accounts_throttle WHERE throttle_key = ?",
                        {hash_param(key)});
    if (rows.empty()) return std::nullopt;
    return ThrottleState{rows[0].i64(0), rows[0].i64(1), rows[0].i64(2)};
}

void AccountStore::save_throttle(Connection &c, const TokenHash &key, const ThrottleState &s) {
    c.execute("INSERT INTO accounts_throttle (throttle_key, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?) "
              "ON DUPLICATE KEY UPDATE failures = VALUES(failures), last_failure_at = VALUES(last_failure_at), "
              "locked_until = VALUES(locked_until)",
              {hash_param(key), s.failures, s.last_failure_at, s.locked_until});
}

void AccountStore::note_failure(Connection &c, const TokenHash &key, int64_t at) {
    c.execute("UPDATE accounts_throttle SET last_failure_at = GREATEST(last_failure_at, ?) WHERE throttle_key = ?",
              {at, hash_param(key)});
}

uint64_t AccountStore::delete_throttle(Connection &c, const TokenHash &key) {
    return c.execute("DELETE FROM accounts_throttle WHERE throttle_key = ?", {hash_param(key)});
}

uint64_t AccountStore::delete_stale_throttles(Connection &c, int64_t now, int64_t reset_after_s, int64_t limit) {
    return c.execute("DELETE FROM accounts_throttle WHERE locked_until <= ? AND last_failure_at <= ? LIMIT ?",
                     {now, now - reset_after_s, limit});
}

} // namespace plinth::accounts
