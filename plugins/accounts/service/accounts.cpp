#include "accounts.hpp"

#include "../domain/categories.hpp"
#include "../domain/gravatar.hpp"

#include <plinth/migrations/accounts.hpp>
#include <plinth/sdk/error.hpp>
#include <plinth/sdk/db.hpp>

#include <boost/json.hpp>
#include <sodium.h>

#include <algorithm>
#include <set>

namespace plinth::accounts {

using sdk::db::Connection;
using sdk::db::DbError;

namespace {

// One message for every failed login, whatever the reason, so it tells an attacker nothing.
constexpr const char *kInvalidCredentials = "invalid credentials";
constexpr const char *kBadSession = "session is unknown, revoked or expired";
// The same words as a duplicate current address: whose history holds it is nobody's business.
constexpr const char *kEmailInUse = "email is already registered";

sdk::Error duplicate_error(const DbError &e, const std::string &prefix = "") {
    switch (duplicate_of(e)) {
    case Duplicate::email: return sdk::conflict(prefix + kEmailInUse);
    case Duplicate::username: return sdk::conflict(prefix + "username is already taken");
    default: return sdk::conflict(prefix + "a unique value is already in use");
    }
}

sdk::Error throttled(int64_t retry_after_s) {
    return sdk::Error(PLINTH_E_THROTTLED, "too many failed attempts; try again in " + std::to_string(retry_after_s) +
                                              (retry_after_s == 1 ? " second" : " seconds"));
}

void refuse_password_like_identity(std::string_view password, const Email &email, std::string_view username,
                                   std::string_view field) {
    std::string p = normalize_login(password);
    if (p == email.normalized || p == normalize_username(username))
        throw sdk::invalid_argument(std::string(field) + " must not be the same as the username or email");
}

} // namespace

// Privacy records are matched by every address an account ever had (subject.resolve returns the
// history), so an address another account used before must not become someone else's: their
// consents, objections, exports and erasures would mix. Erasure deletes the history, freeing it.
void Accounts::refuse_previous_email_of_other(Connection &c, std::string_view normalized, int64_t user_id) {
    if (store_.previous_email_of_other(c, normalized, user_id)) throw sdk::conflict(kEmailInUse);
}

Accounts::Accounts(Options o)
    : config_(o.config),
      now_us_(std::move(o.now_us)),
      warn_(std::move(o.warn)),
      gravatar_allowed_(std::move(o.gravatar_allowed)),
      pool_(sdk::Host(o.database)),
      hasher_(config_.argon2, config_.max_concurrent_hashes),
      names_(o.throttle_key),
      cache_(config_.session_cache_ms * 1000, config_.session_cache_max_entries),
      activity_(
          [this](int64_t session_id, int64_t at) {
              pool_.run([&](Connection &c) { store_.touch_session(c, session_id, at); });
          },
          [this](std::string_view message) {
              if (warn_) warn_(message);
          }) {
    if (!now_us_) throw sdk::Error(PLINTH_E_INTERNAL, "accounts needs a clock");
    sodium_memzero(o.throttle_key.data(), o.throttle_key.size());
}

Accounts::~Accounts() = default;

boost::json::object Accounts::migrate() { return sdk::db::migrate(pool_, embedded::accounts_migrations()); }

TokenHash Accounts::throttle_key_for_user(int64_t user_id) const {
    return hash_text("throttle-user", std::to_string(user_id));
}

TokenHash Accounts::throttle_key_for_login(std::string_view normalized_login) const {
    return names_.hash_text("throttle-login", normalized_login);
}

int64_t Accounts::session_expires_at(const SessionTimes &t) const {
    return accounts::session_expires_at(config_.session, t);
}

// ---- identity

UserRecord Accounts::register_new_user(const Registration &r) {
    NewUser u;
    u.email = parse_email(r.email);
    u.username = parse_username(r.username);
    u.first_name = parse_name(r.first_name, "first_name");
    u.last_name = r.last_name.empty() ? std::string() : parse_name(r.last_name, "last_name");
    u.role = r.role.value_or(Role::customer);
    check_password_policy(r.password, config_.password_min_chars);
    refuse_password_like_identity(r.password, u.email, u.username, "password");

    // Refuse visible duplicates before paying for a hash; the unique indexes decide races.
    pool_.run([&](Connection &c) {
        if (store_.user_by_email(c, u.email.normalized) || store_.previous_email_of_other(c, u.email.normalized, 0))
            throw sdk::conflict(kEmailInUse);
        if (store_.user_by_username(c, normalize_username(u.username)))
            throw sdk::conflict("username is already taken");
    });
    u.password_hash = hasher_.hash(r.password);
    u.created_at = now_s();
    try {
        int64_t id = pool_.transaction([&](Connection &c) {
            refuse_previous_email_of_other(c, u.email.normalized, 0);
            return store_.insert_user(c, u);
        });
        return user(id);
    } catch (const DbError &e) {
        if (e.duplicate_key()) throw duplicate_error(e);
        throw;
    }
}

std::vector<int64_t> Accounts::import_new_users(const std::vector<ImportedUser> &users) {
    if (users.empty()) throw sdk::invalid_argument("users must not be empty");
    std::vector<NewUser> rows;
    rows.reserve(users.size());
    int64_t now = now_s();
    for (size_t i = 0; i < users.size(); ++i) {
        const ImportedUser &in = users[i];
        std::string where = "users[" + std::to_string(i) + "]: ";
        try {
            NewUser u;
            u.email = parse_email(in.email);
            u.username = parse_username(in.username);
            u.first_name = parse_name(in.first_name, "first_name");
            u.last_name = in.last_name.empty() ? std::string() : parse_name(in.last_name, "last_name");
            u.role = in.role;
            check_importable_hash(in.password_hash);
            u.password_hash = in.password_hash;
            u.created_at = in.created_at.value_or(now);
            if (u.created_at < 0 || u.created_at > now) throw sdk::invalid_argument("created_at must not be in the future");
            rows.push_back(std::move(u));
        } catch (const sdk::Error &e) {
            throw sdk::Error(e.status(), where + e.what());
        }
    }
    // All or nothing: one transaction, so a duplicate anywhere leaves no half-imported batch.
    size_t at = 0;
    try {
        return pool_.transaction([&](Connection &c) {
            std::vector<int64_t> ids;
            for (at = 0; at < rows.size(); ++at) {
                if (store_.previous_email_of_other(c, rows[at].email.normalized, 0))
                    throw sdk::conflict("users[" + std::to_string(at) + "]: " + kEmailInUse);
                ids.push_back(store_.insert_user(c, rows[at]));
            }
            return ids;
        });
    } catch (const DbError &e) {
        if (e.duplicate_key()) throw duplicate_error(e, "users[" + std::to_string(at) + "]: ");
        throw;
    }
}

UserRecord Accounts::user(int64_t user_id) {
    auto u = pool_.run([&](Connection &c) { return store_.user_by_id(c, user_id); });
    if (!u) throw sdk::not_found("no account with id " + std::to_string(user_id));
    return *u;
}

std::vector<UserRecord> Accounts::search_users(std::string_view query, std::optional<Role> role, int64_t limit,
                                               int64_t offset) {
    if (!is_valid_utf8(query)) throw sdk::invalid_argument("query must be valid UTF-8");
    return pool_.run([&](Connection &c) { return store_.search_users(c, query, role, limit, offset); });
}

UserRecord Accounts::update_profile_of(int64_t user_id, const ProfileChanges &changes) {
    if (!changes.username && !changes.first_name && !changes.last_name)
        throw sdk::invalid_argument("give at least one of username, first_name, last_name");
    std::optional<std::string> username, first, last;
    if (changes.username) username = parse_username(*changes.username);
    if (changes.first_name) first = parse_name(*changes.first_name, "first_name");
    if (changes.last_name) last = changes.last_name->empty() ? std::string() : parse_name(*changes.last_name, "last_name");
    int64_t now = now_s();
    try {
        pool_.transaction([&](Connection &c) {
            auto u = store_.user_by_id(c, user_id, true);
            if (!u) throw sdk::not_found("no account with id " + std::to_string(user_id));
            if (username && *username != u->username) store_.set_username(c, user_id, *username, now);
            if (first || last) store_.set_names(c, user_id, first.value_or(u->first_name), last.value_or(u->last_name), now);
        });
    } catch (const DbError &e) {
        if (e.duplicate_key()) throw duplicate_error(e);
        throw;
    }
    return user(user_id);
}

void Accounts::confirm_password(const UserRecord &u, std::string_view password) {
    check_login_password(password);
    TokenHash key = throttle_key_for_user(u.id);
    int64_t now = now_s();
    auto retry = pool_.transaction([&](Connection &c) -> std::optional<int64_t> {
        ThrottleDecision d = throttle_attempt(config_.throttle, store_.throttle_for_update(c, key), now);
        if (!d.allowed) return d.retry_after_s;
        store_.save_throttle(c, key, d.charged);
        return std::nullopt;
    });
    if (retry) throw throttled(*retry);
    if (!hasher_.verify(u.password_hash, password)) throw sdk::unauthenticated("current password is wrong");
    pool_.run([&](Connection &c) { store_.delete_throttle(c, key); });
}

UserRecord Accounts::change_email_of(int64_t user_id, std::string_view new_email,
                                     std::optional<std::string_view> current_password) {
    Email email = parse_email(new_email);
    UserRecord before = user(user_id);
    if (current_password) confirm_password(before, *current_password);
    int64_t now = now_s();
    try {
        pool_.transaction([&](Connection &c) {
            auto u = store_.user_by_id(c, user_id, true);
            if (!u) throw sdk::not_found("no account with id " + std::to_string(user_id));
            if (u->email == email.given) return;
            if (u->email_normalized != email.normalized) refuse_previous_email_of_other(c, email.normalized, user_id);
            int64_t since = u->email_since;
            // A change of letter case is a correction of the same address, not a new one.
            if (u->email_normalized != email.normalized) {
                store_.insert_email_history(c, user_id, u->email, u->email_normalized, u->email_since, now);
                since = now;
            }
            store_.set_email(c, user_id, email, since, now);
            if (u->gravatar_url) store_.set_gravatar(c, user_id, gravatar_url(email.normalized), now);
        });
    } catch (const DbError &e) {
        if (e.duplicate_key()) throw duplicate_error(e);
        throw;
    }
    return user(user_id);
}

int64_t Accounts::change_password_of(int64_t user_id, std::optional<std::string_view> current_password,
                                     std::string_view new_password, std::optional<std::string_view> keep_token) {
    UserRecord before = user(user_id);
    check_password_policy(new_password, config_.password_min_chars, "new_password");
    refuse_password_like_identity(new_password, Email{before.email, before.email_normalized}, before.username,
                                  "new_password");
    std::optional<int64_t> keep;
    if (keep_token) {
        auto token = decode_token(*keep_token);
        auto s = token ? pool_.run([&](Connection &c) { return store_.session_by_hash(c, hash_token(*token)); })
                       : std::nullopt;
        if (!s || s->user_id != user_id) throw sdk::invalid_argument("token is not a live session of this account");
        keep = s->id;
    }
    if (current_password) confirm_password(before, *current_password);
    std::string hash = hasher_.hash(new_password);
    int64_t now = now_s();
    int64_t revoked = pool_.transaction([&](Connection &c) {
        auto u = store_.user_by_id(c, user_id, true);
        if (!u) throw sdk::not_found("no account with id " + std::to_string(user_id));
        if (u->password_hash != before.password_hash)
            throw sdk::conflict("the password was changed meanwhile; try again");
        store_.set_password_hash(c, user_id, hash, now, now);
        int64_t n = 0;
        for (const SessionRecord &s : store_.sessions_of(c, user_id)) {
            if (keep && s.id == *keep) continue;
            store_.delete_session(c, s.id);
            store_.insert_event(c, user_id, now, event::session_revoked, s.id);
            ++n;
        }
        store_.insert_event(c, user_id, now, event::password_changed, keep);
        return n;
    });
    cache_.erase_user(user_id);
    return revoked;
}

UserRecord Accounts::set_role_of(int64_t user_id, Role role) {
    int64_t now = now_s();
    pool_.transaction([&](Connection &c) {
        auto u = store_.user_by_id(c, user_id, true);
        if (!u) throw sdk::not_found("no account with id " + std::to_string(user_id));
        store_.set_role(c, user_id, role, now);
    });
    cache_.erase_user(user_id); // cached sessions carry the role
    return user(user_id);
}

UserRecord Accounts::set_gravatar(int64_t user_id, bool opted_in) {
    int64_t now = now_s();
    pool_.transaction([&](Connection &c) {
        auto u = store_.user_by_id(c, user_id, true);
        if (!u) throw sdk::not_found("no account with id " + std::to_string(user_id));
        if (opted_in == u->gravatar_url.has_value()) return; // idempotent
        store_.set_gravatar(c, user_id, opted_in ? std::optional(gravatar_url(u->email_normalized)) : std::nullopt, now);
    });
    return user(user_id);
}

// ---- sessions

LoginResult Accounts::login(std::string_view login, std::string_view password) {
    if (login.empty() || login.size() > kEmailMaxBytes || !is_valid_utf8(login))
        throw sdk::invalid_argument("login must be a username or an email of 1 to 254 characters");
    check_login_password(password);
    std::string normalized = normalize_login(login);
    int64_t now = now_s();

    // 1. Find the account and charge the throttle before any hashing (see throttle.hpp).
    struct Attempt {
        std::optional<UserRecord> user;
        std::optional<int64_t> retry_after;
    };
    Attempt a = pool_.transaction([&](Connection &c) {
        Attempt out;
        out.user = store_.user_by_login(c, normalized);
        TokenHash key = out.user ? throttle_key_for_user(out.user->id) : throttle_key_for_login(normalized);
        ThrottleDecision d = throttle_attempt(config_.throttle, store_.throttle_for_update(c, key), now);
        if (!d.allowed) {
            out.retry_after = d.retry_after_s;
            if (out.user) store_.insert_event(c, out.user->id, now, event::login_throttled, std::nullopt);
            return out;
        }
        store_.save_throttle(c, key, d.charged);
        return out;
    });
    if (a.retry_after) throw throttled(*a.retry_after);

    // 2. Verify outside any transaction: no row stays locked for the tens of milliseconds it takes.
    // An unknown login is verified against the dummy hash, so it costs what a wrong password costs.
    bool ok = a.user ? hasher_.verify(a.user->password_hash, password) : hasher_.verify_dummy(password);
    if (!ok) {
        // One write either way, so the failure costs the same round trips with or without an account.
        pool_.run([&](Connection &c) {
            if (a.user) store_.insert_event(c, a.user->id, now, event::login_failed, std::nullopt);
            else store_.note_failure(c, throttle_key_for_login(normalized), now);
        });
        throw sdk::unauthenticated(kInvalidCredentials);
    }

    // 3. Imported and outdated hashes are replaced in the same transaction that opens the session.
    const UserRecord &u = *a.user;
    std::optional<std::string> upgraded;
    if (hasher_.needs_rehash(u.password_hash)) upgraded = hasher_.hash(password);
    TokenBytes token = new_token();
    TokenHash token_hash = hash_token(token);
    SessionTimes times{now, now, now + config_.session.absolute_timeout_s};
    LoginResult result = pool_.transaction([&](Connection &c) {
        auto current = store_.user_by_id(c, u.id, true);
        // The password changed while we were verifying: the old one no longer opens anything.
        if (!current || current->password_hash != u.password_hash) throw sdk::unauthenticated(kInvalidCredentials);
        if (upgraded) store_.set_password_hash(c, u.id, *upgraded, std::nullopt, now);
        store_.delete_throttle(c, throttle_key_for_user(u.id));
        int64_t session_id = store_.insert_session(c, u.id, current->role, token_hash, times);
        store_.insert_event(c, u.id, now, event::login_succeeded, session_id);
        LoginResult r;
        r.user_id = u.id;
        r.role = current->role;
        r.session_id = session_id;
        r.expires_at = session_expires_at(times);
        r.rehashed = upgraded.has_value();
        return r;
    });
    result.token = encode_token(token);
    sodium_memzero(token.data(), token.size());
    return result;
}

void Accounts::logout(std::string_view token) {
    auto bytes = decode_token(token);
    if (!bytes) throw sdk::unauthenticated(kBadSession);
    TokenHash hash = hash_token(*bytes);
    int64_t now = now_s();
    pool_.transaction([&](Connection &c) {
        auto s = store_.session_by_hash(c, hash);
        if (!s) throw sdk::unauthenticated(kBadSession);
        store_.delete_session(c, s->id);
        store_.insert_event(c, s->user_id, now, event::logged_out, s->id);
    });
    cache_.erase(hash);
}

SessionCheck Accounts::check(std::string_view token) {
    auto bytes = decode_token(token);
    if (!bytes) throw sdk::unauthenticated(kBadSession);
    TokenHash hash = hash_token(*bytes);
    int64_t now_us = now_us_();
    int64_t now = now_us / 1000000;
    const SessionPolicy &policy = config_.session;
    std::optional<SessionRecord> s = cache_.find(hash, now_us);
    if (!s) {
        // Activity noted but not yet written counts too. A write that completes between reading
        // the row and asking for pending activity would be missed by both, so in that case the
        // row is read again (it then holds the written time).
        auto load = [&] {
            return pool_.run([&](Connection &c) {
                sdk::db::CausalReads causal(c); // on Galera: sees a logout made through another node
                return store_.session_by_hash(c, hash);
            });
        };
        // Taken before the read: a revocation that commits and evicts after it stops the put below.
        uint64_t generation = cache_.generation();
        uint64_t writes = activity_.batches_written();
        s = load();
        if (!s) throw sdk::unauthenticated(kBadSession);
        if (auto seen = activity_.pending(s->id))
            s->times.last_seen_at = std::max(s->times.last_seen_at, *seen);
        else if (activity_.batches_written() != writes && !(s = load()))
            throw sdk::unauthenticated(kBadSession);
        s = cache_.put(hash, *s, now_us, generation);
    }
    SessionTimes t = s->times;
    if (!session_alive(policy, t, now)) throw sdk::unauthenticated(kBadSession);
    if (session_needs_touch(policy, t, now)) {
        activity_.note(s->id, now);
        cache_.note_seen(hash, now);
        t.last_seen_at = now;
    }
    return SessionCheck{s->user_id, s->role, s->id, accounts::session_expires_at(policy, t)};
}

std::vector<SessionRecord> Accounts::live_sessions_of(int64_t user_id) {
    auto list = pool_.run([&](Connection &c) { return store_.sessions_of(c, user_id); });
    int64_t now = now_s();
    std::erase_if(list, [&](const SessionRecord &s) {
        SessionTimes t = s.times;
        if (auto seen = activity_.pending(s.id)) t.last_seen_at = std::max(t.last_seen_at, *seen);
        return !session_alive(config_.session, t, now);
    });
    for (auto &s : list)
        if (auto seen = activity_.pending(s.id)) s.times.last_seen_at = std::max(s.times.last_seen_at, *seen);
    return list;
}

void Accounts::revoke_session_of(int64_t user_id, int64_t session_id) {
    int64_t now = now_s();
    pool_.transaction([&](Connection &c) {
        auto s = store_.session_by_id(c, session_id);
        if (!s || s->user_id != user_id) throw sdk::not_found("no session " + std::to_string(session_id) + " for this account");
        store_.delete_session(c, session_id);
        store_.insert_event(c, user_id, now, event::session_revoked, session_id);
    });
    cache_.erase_session(session_id);
}

} // namespace plinth::accounts
