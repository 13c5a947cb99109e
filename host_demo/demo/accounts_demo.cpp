// `plinth-host demo`, accounts step (the first): a customer and a staff member register, the
// customer logs in, the session is checked through the typed fast path, the customer logs out,
// and the recorded login events are shown. Later steps use the accounts created here.
#include "demo.hpp"

#include <plinth/ext/session_check.h>
#include <plinth/sdk/error.hpp>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>

#include <ostream>
#include <string>

namespace plinth::demo {

namespace {

constexpr const char *kEmail = "ada@example.com";
constexpr const char *kPassword = "correct horse battery staple";
constexpr const char *kStaffPassword = "a staff member's own passphrase";

bool failed(const boost::json::value &v) { return v.is_object() && v.get_object().contains("error"); }

int64_t id_of(const boost::json::value &v) {
    const auto *o = v.if_object();
    const auto *id = o ? o->if_contains("user_id") : nullptr;
    return id && id->is_int64() ? id->get_int64() : 0;
}

// Registers, or (when the demo runs again on the same database) signs in to learn the id.
int64_t ensure_account(DemoContext &demo, const boost::json::object &registration, const plinth_call_context &caller) {
    boost::json::value r = demo.call("accounts", "register", registration, caller);
    if (!failed(r)) return id_of(r);
    demo.say("(Already registered by an earlier run: signing in to find the account.)");
    return id_of(demo.call("accounts", "login",
                           {{"login", registration.at("username")}, {"password", registration.at("password")}},
                           host::anonymous_caller()));
}

// The typed interface the host's --token option uses: token in, account out, no JSON.
void typed_check(DemoContext &demo, const std::string &token) {
    auto *check = demo.host.interface_as<plinth_session_check_v1>("accounts", PLINTH_EXT_SESSION_CHECK);
    if (check == nullptr) return;
    plinth_session_info info{};
    info.struct_size = sizeof info;
    plinth_error error = sdk::make_error();
    int32_t rc = check->check(demo.host.module("accounts"), sdk::to_str(token), &info, &error);
    demo.out << "> plinth.session-check/1 check(token)\n";
    if (rc == PLINTH_OK)
        demo.out << "  ok: user_id " << info.user_id << ", role "
                 << (info.role == PLINTH_ROLE_ADMIN ? "admin" : info.role == PLINTH_ROLE_STAFF ? "staff" : "customer")
                 << ", expires_at " << info.expires_at << "\n";
    else
        demo.out << "  refused (" << sdk::status_name(rc) << "): " << error.message << "\n";
}

} // namespace

void accounts_demo(DemoContext &demo) {
    const plinth_call_context anonymous = host::anonymous_caller();
    const plinth_call_context system = host::system_caller();

    demo.step("Accounts: register");
    demo.say("Email is trimmed and compared case-insensitively; the password is stored only as an Argon2id hash.");
    demo.user_id = ensure_account(demo,
                                  {{"email", kEmail},
                                   {"username", "ada"},
                                   {"first_name", "Ada"},
                                   {"last_name", "Lovelace"},
                                   {"password", kPassword}},
                                  anonymous);
    demo.email = kEmail;
    demo.say("The host (system caller) registers a staff member for the later steps.");
    demo.staff_id = ensure_account(demo,
                                   {{"email", "grace@example.com"},
                                    {"username", "grace"},
                                    {"first_name", "Grace"},
                                    {"last_name", "Hopper"},
                                    {"password", kStaffPassword},
                                    {"role", "staff"}},
                                   system);
    demo.call("accounts", "register",
              {{"email", " ADA@Example.com"}, {"username", "ada2"}, {"first_name", "Ada"}, {"password", kPassword}},
              anonymous);

    demo.step("Accounts: failed logins look alike");
    demo.say("A wrong password and an unknown user get the same error, and cost the same Argon2id work.");
    demo.call("accounts", "login", {{"login", "ada"}, {"password", "not the password"}}, anonymous);
    demo.call("accounts", "login", {{"login", "nobody@example.com"}, {"password", "not the password"}}, anonymous);

    demo.step("Accounts: log in");
    demo.say("The token (256 random bits) is returned once; only its SHA-256 is stored.");
    boost::json::value login = demo.call("accounts", "login", {{"login", "Ada@Example.com"}, {"password", kPassword}},
                                         anonymous);
    if (failed(login)) return;
    std::string token(login.at("token").as_string());
    if (demo.user_id == 0) demo.user_id = id_of(login);

    demo.step("Accounts: check the session");
    demo.say("Through the typed fast path (served from an in-process cache, never writing to the database), then "
             "through the equivalent JSON command.");
    typed_check(demo, token);
    demo.call("accounts", "session.check", {{"token", token}}, anonymous);

    demo.step("Accounts: log out");
    demo.call("accounts", "logout", {{"token", token}}, anonymous);
    typed_check(demo, token);

    demo.step("Accounts: the recorded login events");
    demo.say("Time, outcome and session id; never a password or a token. Kept 30 days by default.");
    demo.call("accounts", "events.list", {{"limit", 10}}, host::user_caller(demo.user_id, PLINTH_ROLE_CUSTOMER));
}

} // namespace plinth::demo
