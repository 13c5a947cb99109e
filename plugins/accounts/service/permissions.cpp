// accounts/service/permissions.cpp — who may act on which account.
//
// The rules in one place, so every operation that a person asks for applies them the same way
// whichever face (JSON command, HTTP route, a test driving the service) called it. The caller is
// the host's word (plinth_call_context), never something read from a command's arguments.
#include "accounts.hpp"

#include <plinth/sdk/error.hpp>

namespace plinth::accounts {

namespace {

bool acting_on_self(const sdk::Caller &caller, int64_t user_id) { return caller.is_user() && caller.user_id == user_id; }

} // namespace

int64_t Accounts::account_for(const sdk::Caller &caller, std::optional<int64_t> named) const {
    if (!named) {
        if (!caller.is_user()) throw sdk::invalid_argument("missing argument 'user_id' (integer)");
        return caller.user_id;
    }
    if (!caller.may_act_for(*named)) throw sdk::permission_denied("you may act only on your own account");
    return *named;
}

void Accounts::require_may_change(const sdk::Caller &caller, int64_t user_id) {
    if (caller.is_admin() || acting_on_self(caller, user_id)) return;
    if (user(user_id).role == Role::admin)
        throw sdk::permission_denied("only an administrator may change an administrator's account");
}

// ---- the operations that need more than account_for

UserRecord Accounts::register_user(const sdk::Caller &caller, const Registration &r) {
    // Anyone may open an account; only its role is an administrator's to choose.
    if (r.role && !caller.is_admin())
        throw sdk::permission_denied("only administrators can choose the role of a new account");
    return register_new_user(r);
}

std::vector<int64_t> Accounts::import_users(const sdk::Caller &caller, const std::vector<ImportedUser> &users) {
    if (!caller.is_admin()) throw sdk::permission_denied("only administrators can import accounts");
    return import_new_users(users);
}

std::vector<UserRecord> Accounts::search(const sdk::Caller &caller, std::string_view query, std::optional<Role> role,
                                         int64_t limit, int64_t offset) {
    if (!caller.is_staff()) throw sdk::permission_denied("only staff can search accounts");
    return search_users(query, role, limit, offset);
}

Profile Accounts::profile(const sdk::Caller &caller, std::optional<int64_t> named) {
    const int64_t id = account_for(caller, named);
    Profile p{user(id), {}};
    p.previous_emails = pool_.run([&](sdk::db::Connection &c) { return store_.email_history(c, id); });
    return p;
}

UserRecord Accounts::update_profile(const sdk::Caller &caller, std::optional<int64_t> named,
                                    const ProfileChanges &changes) {
    const int64_t id = account_for(caller, named);
    require_may_change(caller, id);
    return update_profile_of(id, changes);
}

UserRecord Accounts::change_email(const sdk::Caller &caller, std::optional<int64_t> named, std::string_view new_email,
                                  std::optional<std::string_view> current_password) {
    const int64_t id = account_for(caller, named);
    require_may_change(caller, id);
    // One's own address is proof of identity: changing it takes the password. Staff and
    // administrators acting for someone else do not know it.
    if (!acting_on_self(caller, id)) return change_email_of(id, new_email, std::nullopt);
    if (!current_password) throw sdk::invalid_argument("missing argument 'password' (your current password)");
    return change_email_of(id, new_email, current_password);
}

int64_t Accounts::change_password(const sdk::Caller &caller, std::optional<int64_t> named,
                                  std::optional<std::string_view> current_password, std::string_view new_password,
                                  std::optional<std::string_view> keep_token) {
    const int64_t id = account_for(caller, named);
    const bool self = acting_on_self(caller, id);
    if (self && !current_password) throw sdk::invalid_argument("missing argument 'current_password' (string)");
    if (!self && !caller.is_admin())
        throw sdk::permission_denied("only administrators can set another account's password");
    return change_password_of(id, self ? current_password : std::nullopt, new_password, keep_token);
}

UserRecord Accounts::set_role(const sdk::Caller &caller, int64_t user_id, Role role) {
    if (!caller.is_admin()) throw sdk::permission_denied("only administrators can set a role");
    // An administrator cannot demote themselves, so the service is never left without one.
    if (acting_on_self(caller, user_id)) throw sdk::permission_denied("administrators cannot change their own role");
    return set_role_of(user_id, role);
}

UserRecord Accounts::change_gravatar(const sdk::Caller &caller, std::optional<int64_t> named, bool opt_in) {
    const int64_t id = account_for(caller, named);
    require_may_change(caller, id);
    // A restriction or objection recorded elsewhere (the privacy module) wins over an opt-in here.
    if (opt_in && gravatar_allowed_ && !gravatar_allowed_(user(id)))
        throw sdk::permission_denied("processing for gravatar is restricted or objected to (see the privacy module)");
    return set_gravatar(id, opt_in);
}

std::vector<SessionRecord> Accounts::sessions(const sdk::Caller &caller, std::optional<int64_t> named) {
    return live_sessions_of(account_for(caller, named));
}

void Accounts::revoke_session(const sdk::Caller &caller, std::optional<int64_t> named, int64_t session_id) {
    const int64_t id = account_for(caller, named);
    require_may_change(caller, id);
    revoke_session_of(id, session_id);
}

std::vector<LoginEvent> Accounts::events(const sdk::Caller &caller, std::optional<int64_t> named, int64_t limit,
                                         std::optional<int64_t> before_id) {
    const int64_t id = account_for(caller, named);
    return pool_.run([&](sdk::db::Connection &c) { return store_.events_of(c, id, limit, before_id); });
}

} // namespace plinth::accounts
