// accounts/service/accounts.hpp — the accounts module's behaviour, free of the C ABI.
//
// Accounts composes the domain rules and the store into the operations the module offers, and
// decides who may do them: every operation a person asks for takes the sdk::Caller the host
// vouched for (service/permissions.cpp holds the rules). It knows nothing of JSON commands or C
// tables (module.cpp translates), so it can be driven directly. Every method is [thread-safe].
// Times come from the injected clock.
#pragma once

#include "../domain/config.hpp"
#include "../domain/identity.hpp"
#include "../domain/password.hpp"
#include "../domain/session.hpp"
#include "../store/account_store.hpp"
#include "activity_log.hpp"
#include "session_cache.hpp"

#include <plinth/sdk/db.hpp>
#include <plinth/sdk/module.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace plinth::accounts {

struct Registration {
    std::string email;
    std::string username;
    std::string first_name;
    std::string last_name;
    std::string password;
    std::optional<Role> role; // only an administrator may choose one; customer otherwise
};

struct LoginResult {
    std::string token; // returned once; only its keyed hash is stored
    int64_t user_id = 0;
    Role role = Role::customer;
    int64_t session_id = 0;
    int64_t expires_at = 0;
    bool rehashed = false; // the stored hash was replaced (imported or older parameters)
};

struct SessionCheck {
    int64_t user_id = 0;
    Role role = Role::customer;
    int64_t session_id = 0;
    int64_t expires_at = 0;
};

struct ProfileChanges {
    std::optional<std::string> username;
    std::optional<std::string> first_name;
    std::optional<std::string> last_name;
};

struct ImportedUser {
    std::string email;
    std::string username;
    std::string first_name;
    std::string last_name;
    Role role = Role::customer;
    std::string password_hash;
    std::optional<int64_t> created_at;
};

// An account's profile with the addresses it used before, newest first.
struct Profile {
    UserRecord user;
    std::vector<EmailHistoryRecord> previous_emails;
};

struct ResolvedSubject {
    int64_t user_id = 0;
    std::vector<std::string> emails; // normalised; current first, then older ones, newest first
};

// One outcome of erasing a subject, mirrored onto plinth_erasure_item by the module.
struct Erased {
    std::string category;
    std::string item;
};

struct SweepCounts {
    int64_t sessions_expired = 0;
    int64_t events_removed = 0;
    int64_t counters_removed = 0;
};

struct ExportItem {
    std::string category;
    boost::json::object object;
};

class Accounts {
public:
    struct Options {
        AccountsConfig config;
        const plinth_host *database = nullptr;                    // whose plinth.db/1 to use
        std::vector<uint8_t> throttle_key;                        // 32 bytes from the host's secrets
        std::function<int64_t()> now_us;                          // the host clock
        std::function<void(std::string_view)> warn;               // the host log (may be empty)
        // Whether the account's gravatar opt-in is allowed by whoever else records consent (the
        // privacy module's restrictions and objections); throws when that cannot be known.
        // Empty: nobody else to ask.
        std::function<bool(const UserRecord &)> gravatar_allowed;
    };

    explicit Accounts(Options options);
    ~Accounts();
    Accounts(const Accounts &) = delete;
    Accounts &operator=(const Accounts &) = delete;

    const AccountsConfig &config() const { return config_; }
    sdk::db::Database &pool() { return pool_; }
    const PasswordHasher &hasher() const { return hasher_; }

    boost::json::object migrate();

    // Who acts on which account (service/permissions.cpp). `named` is the account a caller
    // names; without one, the signed-in user's own. Staff, administrators and the host may name
    // any account, a customer only their own.
    int64_t account_for(const sdk::Caller &caller, std::optional<int64_t> named) const;

    // Identity
    UserRecord register_user(const sdk::Caller &caller, const Registration &r);
    std::vector<int64_t> import_users(const sdk::Caller &caller, const std::vector<ImportedUser> &users);
    UserRecord user(int64_t user_id);
    // The role the account holds now (plinth.account-roles/1); not_found for no such account.
    Role role_of(int64_t user_id) { return user(user_id).role; }
    Profile profile(const sdk::Caller &caller, std::optional<int64_t> named);
    std::vector<UserRecord> search(const sdk::Caller &caller, std::string_view query, std::optional<Role> role,
                                   int64_t limit, int64_t offset);
    UserRecord update_profile(const sdk::Caller &caller, std::optional<int64_t> named, const ProfileChanges &changes);
    // `current_password` is required when the account changes its own address.
    UserRecord change_email(const sdk::Caller &caller, std::optional<int64_t> named, std::string_view new_email,
                            std::optional<std::string_view> current_password);
    // Revokes every other session of the account (all of them when `keep_token` is empty).
    // `current_password` is required for one's own account; another's is an administrator's to
    // set. Returns how many sessions were revoked.
    int64_t change_password(const sdk::Caller &caller, std::optional<int64_t> named,
                            std::optional<std::string_view> current_password, std::string_view new_password,
                            std::optional<std::string_view> keep_token);
    UserRecord set_role(const sdk::Caller &caller, int64_t user_id, Role role);
    // Opting in also needs Options::gravatar_allowed to agree.
    UserRecord change_gravatar(const sdk::Caller &caller, std::optional<int64_t> named, bool opt_in);
    // As the privacy module decided (plinth.consent-listener/1): no caller, no further question.
    UserRecord set_gravatar(int64_t user_id, bool opted_in);

    // Sessions
    LoginResult login(std::string_view login, std::string_view password);
    void logout(std::string_view token);
    // The fast path: never writes to the database.
    SessionCheck check(std::string_view token);
    std::vector<SessionRecord> sessions(const sdk::Caller &caller, std::optional<int64_t> named);
    void revoke_session(const sdk::Caller &caller, std::optional<int64_t> named, int64_t session_id);
    std::vector<LoginEvent> events(const sdk::Caller &caller, std::optional<int64_t> named, int64_t limit,
                                   std::optional<int64_t> before_id);
    void flush_activity() { activity_.flush(); }
    int64_t session_expires_at(const SessionTimes &t) const;

    // Personal data
    ResolvedSubject resolve_by_email(std::string_view email);
    ResolvedSubject resolve_by_id(int64_t user_id);
    // The account a subject refers to: its user_id, else an account whose current address is one
    // of its emails.
    std::optional<int64_t> account_of(int64_t user_id, const std::vector<std::string> &emails);
    std::vector<ExportItem> export_subject(int64_t user_id);
    // Hands every outcome to `report` inside the transaction that deletes it, before the commit
    // (plinth/ext/personal_data.h says why); `report` throwing rolls the erasure back. A retried
    // transaction reports again, which the privacy module counts once.
    void erase_subject(int64_t user_id, bool dry_run, const std::function<void(const Erased &)> &report);
    SweepCounts sweep(int64_t now_s);

private:
    int64_t now_s() const { return now_us_() / 1000000; }
    // Staff manage customers, not administrators: changing an administrator's account takes an
    // administrator, the host, or the administrator themselves.
    void require_may_change(const sdk::Caller &caller, int64_t user_id);
    // The operations behind the checked ones above, once the caller may (accounts.cpp).
    UserRecord register_new_user(const Registration &r);
    std::vector<int64_t> import_new_users(const std::vector<ImportedUser> &users);
    std::vector<UserRecord> search_users(std::string_view query, std::optional<Role> role, int64_t limit,
                                         int64_t offset);
    UserRecord update_profile_of(int64_t user_id, const ProfileChanges &changes);
    UserRecord change_email_of(int64_t user_id, std::string_view new_email,
                               std::optional<std::string_view> current_password);
    int64_t change_password_of(int64_t user_id, std::optional<std::string_view> current_password,
                               std::string_view new_password, std::optional<std::string_view> keep_token);
    UserRecord set_role_of(int64_t user_id, Role role);
    std::vector<SessionRecord> live_sessions_of(int64_t user_id);
    void revoke_session_of(int64_t user_id, int64_t session_id);
    void refuse_previous_email_of_other(sdk::db::Connection &c, std::string_view normalized, int64_t user_id);
    TokenHash throttle_key_for_user(int64_t user_id) const;
    TokenHash throttle_key_for_login(std::string_view normalized_login) const;
    // Counts an attempt against `key` before verifying (see throttle.hpp); throws THROTTLED.
    void charge_throttle(sdk::db::Connection &c, const TokenHash &key, int64_t now, std::optional<int64_t> user_id);
    // Verifies the account's current password for a sensitive change, under the login throttle.
    void confirm_password(const UserRecord &u, std::string_view password);

    AccountsConfig config_;
    std::function<int64_t()> now_us_;
    std::function<void(std::string_view)> warn_;
    std::function<bool(const UserRecord &)> gravatar_allowed_;
    sdk::db::Database pool_;
    AccountStore store_;
    PasswordHasher hasher_;
    KeyedHasher names_;
    SessionCache cache_;
    ActivityLog activity_; // last: its thread stops before the pool it writes through goes away
};

} // namespace plinth::accounts
