// The accounts module as a host loads it: JSON commands, the typed session check, the consent
// listener and the personal-data, inventory and retention interfaces, against a real database.
#include "support/test_host.hpp"

#include <plinth/ext/account_roles.h>
#include <plinth/ext/consent.h>
#include <plinth/ext/data_inventory.h>
#include <plinth/ext/personal_data.h>
#include <plinth/ext/retention.h>
#include <plinth/ext/session_check.h>
#include <plinth/host/host.hpp>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace plinth::accounts {
namespace {

namespace json = boost::json;
using host::anonymous_caller;
using host::system_caller;
using host::user_caller;

// Small Argon2 parameters unless a test is about them; the throttle frees three failures.
json::object small_config(json::object extra = {}) {
    json::object accounts{{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}},
                          {"throttle", {{"free_failures", 3}, {"base_delay_s", 10}, {"max_delay_s", 80}}},
                          {"session", {{"idle_timeout_s", 3600}, {"absolute_timeout_s", 86400}}}};
    for (auto &kv : extra) accounts[kv.key()] = kv.value();
    return {{"accounts", accounts}};
}

constexpr const char *kPassword = "correct horse battery";

class AccountsModuleTest : public ::testing::Test {
protected:
    explicit AccountsModuleTest(json::object config = small_config()) : host_(db_, {"accounts"}, std::move(config)) {}

    json::value call(std::string_view command, const json::value &args,
                     const plinth_call_context &caller = anonymous_caller()) {
        return host_.call("accounts", command, args, caller);
    }
    int32_t fails(std::string_view command, std::string_view raw, const plinth_call_context &caller = anonymous_caller(),
                  std::string *message = nullptr) {
        return host_.call_error("accounts", command, raw, caller, message);
    }

    int64_t add_user(const std::string &name, const std::string &password = kPassword, const char *role = nullptr) {
        json::object args{{"email", name + "@example.com"}, {"username", name}, {"first_name", "First"},
                          {"last_name", "Last"}, {"password", password}};
        if (role) args["role"] = role;
        return call("register", args, system_caller()).at("user_id").as_int64();
    }

    std::string login(const std::string &who, const std::string &password = kPassword) {
        return std::string(call("login", {{"login", who}, {"password", password}}).at("token").as_string());
    }

    // The typed fast path, as the host's --token handling uses it.
    int32_t check(const std::string &token, plinth_session_info *info = nullptr) {
        auto *table = host_.host().interface_as<plinth_session_check_v1>("accounts", PLINTH_EXT_SESSION_CHECK);
        EXPECT_NE(table, nullptr);
        plinth_session_info local{};
        local.struct_size = sizeof local;
        plinth_error error = sdk::make_error();
        int32_t rc = table->check(host_.host().module("accounts"), sdk::to_str(token), info ? info : &local, &error);
        if (rc != PLINTH_OK) {
            EXPECT_STREQ(error.message, "session is unknown, revoked or expired");
        }
        return rc;
    }

    int64_t count(const char *table) {
        return db_.sql().query(std::string("SELECT COUNT(*) FROM ") + table).at(0).i64(0);
    }
    std::string stored_hash(int64_t user_id) {
        return db_.sql().query("SELECT password_hash FROM accounts_users WHERE id = ?", {user_id}).at(0).str(0);
    }
    json::array events_of(int64_t user_id) {
        return call("events.list", {{"user_id", user_id}}, system_caller()).at("events").as_array();
    }

    test::TestDatabase db_{"accounts_module"};
    test::TestHost host_;
};

// ---- registration and profile

TEST_F(AccountsModuleTest, RegistersAndShowsTheProfile) {
    json::value r = call("register", {{"email", "  Ada.Lovelace@Example.com "},
                                      {"username", "Ada"},
                                      {"first_name", "Ada"},
                                      {"last_name", "King, Countess of Lovelace"},
                                      {"password", kPassword}});
    int64_t id = r.at("user_id").as_int64();
    EXPECT_EQ(r.at("email"), "Ada.Lovelace@Example.com");
    EXPECT_EQ(r.at("role"), "customer");
    EXPECT_TRUE(r.at("gravatar_url").is_null());
    json::value p = call("profile.get", json::object{}, user_caller(id, PLINTH_ROLE_CUSTOMER));
    EXPECT_EQ(p.at("username"), "Ada");
    EXPECT_EQ(p.at("last_name"), "King, Countess of Lovelace");
    EXPECT_EQ(p.at("previous_emails").as_array().size(), 0u);
    EXPECT_TRUE(stored_hash(id).starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
}

TEST_F(AccountsModuleTest, EmailAndUsernameAreUniqueWhateverTheirCase) {
    add_user("ada");
    std::string message;
    EXPECT_EQ(fails("register", R"({"email":" ADA@example.COM","username":"other","first_name":"A","password":"correct horse battery"})",
                    anonymous_caller(), &message),
              PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "email is already registered");
    EXPECT_EQ(fails("register", R"({"email":"new@example.com","username":"ADA","first_name":"A","password":"correct horse battery"})",
                    anonymous_caller(), &message),
              PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "username is already taken");
    EXPECT_EQ(count("accounts_users"), 1);
}

TEST_F(AccountsModuleTest, OnlyAdministratorsChooseARole) {
    EXPECT_EQ(fails("register", R"({"email":"m@example.com","username":"mallory","first_name":"M","password":"correct horse battery","role":"admin"})"),
              PLINTH_E_PERMISSION_DENIED);
    int64_t staff = add_user("grace", kPassword, "staff");
    EXPECT_EQ(call("profile.get", {{"user_id", staff}}, system_caller()).at("role"), "staff");
}

// ---- bad input changes nothing

TEST_F(AccountsModuleTest, BadInputGetsAClearErrorAndChangesNothing) {
    add_user("ada");
    std::string before = db_.dump_all_tables();
    std::string longest_password(257, 'p');
    struct Case {
        const char *command;
        std::string args;
        int32_t status;
        const char *says;
    } cases[] = {
        {"register", R"({"email":"not-an-email","username":"bob","first_name":"B","password":"correct horse battery"})",
         PLINTH_E_INVALID_ARGUMENT, "email must contain exactly one '@'"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":"short"})",
         PLINTH_E_INVALID_ARGUMENT, "password must be 8 to 256 characters"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":")" + longest_password + "\"}",
         PLINTH_E_INVALID_ARGUMENT, "password must be 8 to 256 characters"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":""})",
         PLINTH_E_INVALID_ARGUMENT, "must not be empty"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":"bob@example.com"})",
         PLINTH_E_INVALID_ARGUMENT, "must not be the same as the username or email"},
        {"register", "{\"email\":\"bob@example.com\",\"username\":\"bob\",\"first_name\":\"B\xC3\x28\",\"password\":\"correct horse battery\"}",
         PLINTH_E_INVALID_ARGUMENT, "not valid JSON"},
        {"register", R"({"email":"bob@example.com","username":"b o b","first_name":"B","password":"correct horse battery"})",
         PLINTH_E_INVALID_ARGUMENT, "username must be 3 to 32 characters"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B\u0000","password":"correct horse battery"})",
         PLINTH_E_INVALID_ARGUMENT, "first_name must not contain control characters"},
        {"register", R"({"email":5,"username":"bob","first_name":"B","password":"correct horse battery"})",
         PLINTH_E_INVALID_ARGUMENT, "argument 'email' must be a string"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":["B"],"password":"correct horse battery"})",
         PLINTH_E_INVALID_ARGUMENT, "argument 'first_name' must be a string"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":true})",
         PLINTH_E_INVALID_ARGUMENT, "argument 'password' must be a string"},
        {"register", R"({"email":"bob@example.com","username":"bob","first_name":"B","password":"correct horse battery","admin":true})",
         PLINTH_E_INVALID_ARGUMENT, "unknown argument 'admin'"},
        {"register", R"(["bob@example.com"])", PLINTH_E_INVALID_ARGUMENT, "must be a JSON object"},
        {"register", R"({"email":"bob@example.com",)", PLINTH_E_INVALID_ARGUMENT, "not valid JSON"},
        {"login", R"({"login":"ada","password":""})", PLINTH_E_INVALID_ARGUMENT, "must not be empty"},
        {"login", R"({"login":"ada","password":")" + std::string(1100, 'x') + "\"}", PLINTH_E_INVALID_ARGUMENT,
         "at most 1024 bytes"},
        {"login", R"({"login":"ada"})", PLINTH_E_INVALID_ARGUMENT, "missing argument 'password'"},
        {"login", R"({"login":{"$ne":null},"password":"x"})", PLINTH_E_INVALID_ARGUMENT, "must be a string"},
        {"session.check", R"({"token":"' OR '1'='1"})", PLINTH_E_UNAUTHENTICATED, "session is unknown"},
        {"logout", R"({"token":12})", PLINTH_E_INVALID_ARGUMENT, "must be a string"},
        {"import.users", R"({"users":[{"email":"x@example.com","username":"xx1","first_name":"X","password_hash":"$P$B123"}]})",
         PLINTH_E_PERMISSION_DENIED, "administrators only"},
        {"users.search", R"({"query":"a"})", PLINTH_E_PERMISSION_DENIED, "staff only"},
        {"subject.resolve", R"({"email":"ada@example.com"})", PLINTH_E_PERMISSION_DENIED, "host only"},
        {"no.such.command", "{}", PLINTH_E_UNSUPPORTED, "unknown command"},
    };
    for (const auto &c : cases) {
        std::string message;
        EXPECT_EQ(fails(c.command, c.args, anonymous_caller(), &message), c.status) << c.command << " " << c.args;
        EXPECT_NE(message.find(c.says), std::string::npos) << c.args << " -> " << message;
    }
    EXPECT_EQ(db_.dump_all_tables(), before);
}

TEST_F(AccountsModuleTest, SqlMetacharactersAreDataOrRefusedInEveryField) {
    const std::string evil = "'; DROP TABLE accounts_users; --";
    // Names and passwords may hold anything printable: they are stored and read back verbatim.
    json::value r = call("register", {{"email", "o'brien+x@example.com"},
                                      {"username", "o.brien_1"},
                                      {"first_name", "Robert'); DROP TABLE accounts_users;--"},
                                      {"last_name", evil + " \\ % _ \" `"},
                                      {"password", evil}});
    int64_t id = r.at("user_id").as_int64();
    json::value p = call("profile.get", {{"user_id", id}}, system_caller());
    EXPECT_EQ(p.at("first_name"), "Robert'); DROP TABLE accounts_users;--");
    EXPECT_EQ(p.at("last_name").as_string(), evil + " \\ % _ \" `");
    EXPECT_EQ(p.at("email"), "o'brien+x@example.com");
    EXPECT_NO_THROW(login("o'brien+x@example.com", evil));
    // Identifiers refuse them with their rules, before any statement runs.
    std::string before = db_.dump_all_tables();
    for (const char *field : {"email", "username"}) {
        json::object args{{"email", "z@example.com"}, {"username", "zed"}, {"first_name", "Z"}, {"password", kPassword}};
        args[field] = evil;
        EXPECT_EQ(fails("register", json::serialize(args)), PLINTH_E_INVALID_ARGUMENT) << field;
    }
    // Login and search treat them as plain text.
    EXPECT_EQ(fails("login", json::serialize(json::object{{"login", evil}, {"password", evil}})), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(fails("login", json::serialize(json::object{{"login", "x' OR '1'='1"}, {"password", evil}})),
              PLINTH_E_UNAUTHENTICATED);
    json::value found = call("users.search", {{"query", "%"}}, system_caller());
    EXPECT_EQ(found.at("users").as_array().size(), 1u); // the literal '%' in the last name, not "everything"
    EXPECT_EQ(call("users.search", {{"query", "_"}}, system_caller()).at("users").as_array().size(), 1u);
    EXPECT_EQ(call("users.search", {{"query", "zz%"}}, system_caller()).at("users").as_array().size(), 0u);
    // Counters for the unknown logins above are the only change.
    EXPECT_EQ(count("accounts_users"), 1);
    (void)before;
}

// ---- login

TEST_F(AccountsModuleTest, LogsInByUsernameOrEmailInAnyCase) {
    int64_t id = add_user("ada");
    for (const char *who : {"ada", "ADA", " ada@example.com", "Ada@Example.COM"}) {
        json::value r = call("login", {{"login", who}, {"password", kPassword}});
        EXPECT_EQ(r.at("user_id").as_int64(), id) << who;
        EXPECT_EQ(r.at("token").as_string().size(), 43u);
        EXPECT_EQ(r.at("expires_at").as_int64(), host_.now_us() / 1000000 + 3600);
    }
    // Neither the token nor the password is stored anywhere.
    std::string token = login("ada");
    std::string dump = db_.dump_all_tables();
    EXPECT_EQ(dump.find(token), std::string::npos);
    EXPECT_EQ(dump.find(kPassword), std::string::npos);
}

TEST_F(AccountsModuleTest, WrongPasswordAndUnknownUserLookIdentical) {
    add_user("ada");
    std::string wrong, unknown, unknown_email;
    int32_t a = fails("login", R"({"login":"ada","password":"not it at all"})", anonymous_caller(), &wrong);
    int32_t b = fails("login", R"({"login":"nobody","password":"not it at all"})", anonymous_caller(), &unknown);
    int32_t c = fails("login", R"({"login":"nobody@example.com","password":"x"})", anonymous_caller(), &unknown_email);
    EXPECT_EQ(a, PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(b, a);
    EXPECT_EQ(c, a);
    EXPECT_EQ(wrong, "invalid credentials");
    EXPECT_EQ(unknown, wrong);
    EXPECT_EQ(unknown_email, wrong);
}

TEST_F(AccountsModuleTest, ThrottlingEngagesAndReleasesWithTheClock) {
    int64_t id = add_user("ada");
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(fails("login", R"({"login":"ada","password":"wrong password"})"), PLINTH_E_UNAUTHENTICATED);
    std::string message;
    // Even the right password waits now: the lock is decided before the password is looked at.
    EXPECT_EQ(fails("login", R"({"login":"ada","password":"correct horse battery"})", anonymous_caller(), &message),
              PLINTH_E_THROTTLED);
    EXPECT_EQ(message, "too many failed attempts; try again in 10 seconds");
    EXPECT_EQ(fails("login", R"({"login":"ADA@example.com","password":"wrong password"})"), PLINTH_E_THROTTLED);
    host_.advance_s(10);
    EXPECT_EQ(fails("login", R"({"login":"ada","password":"wrong password"})"), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(fails("login", R"({"login":"ada","password":"correct horse battery"})", anonymous_caller(), &message),
              PLINTH_E_THROTTLED);
    EXPECT_EQ(message, "too many failed attempts; try again in 20 seconds"); // doubled
    host_.advance_s(20);
    EXPECT_NO_THROW(login("ada"));
    // A success clears the count: three free failures again.
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(fails("login", R"({"login":"ada","password":"wrong password"})"), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(fails("login", R"({"login":"ada","password":"wrong password"})"), PLINTH_E_THROTTLED);

    json::array events = events_of(id);
    int failed = 0, throttled = 0, succeeded = 0;
    for (const auto &e : events) {
        failed += e.at("event") == "login_failed";
        throttled += e.at("event") == "login_throttled";
        succeeded += e.at("event") == "login_succeeded";
    }
    EXPECT_EQ(failed, 7);
    EXPECT_EQ(throttled, 4);
    EXPECT_EQ(succeeded, 1);
}

TEST_F(AccountsModuleTest, UnknownNamesAreThrottledJustLikeAccounts) {
    // Otherwise "throttled" would reveal which names exist.
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(fails("login", R"({"login":"ghost","password":"wrong password"})"), PLINTH_E_UNAUTHENTICATED);
    std::string message;
    EXPECT_EQ(fails("login", R"({"login":"Ghost","password":"wrong password"})", anonymous_caller(), &message),
              PLINTH_E_THROTTLED);
    EXPECT_EQ(message, "too many failed attempts; try again in 10 seconds");
}

// ---- sessions

TEST_F(AccountsModuleTest, SessionCheckResolvesTokensAndLogoutRevokesAtOnce) {
    int64_t id = add_user("ada");
    json::value r = call("login", {{"login", "ada"}, {"password", kPassword}});
    std::string token(r.at("token").as_string());
    plinth_session_info info{};
    info.struct_size = sizeof info;
    ASSERT_EQ(check(token, &info), PLINTH_OK);
    EXPECT_EQ(info.user_id, id);
    EXPECT_EQ(info.role, PLINTH_ROLE_CUSTOMER);
    EXPECT_EQ(info.expires_at, r.at("expires_at").as_int64());
    json::value j = call("session.check", {{"token", token}});
    EXPECT_EQ(j.at("user_id").as_int64(), id);
    EXPECT_EQ(j.at("role"), "customer");

    // A caller built against a smaller struct gets only what fits (ABI rule 4).
    struct {
        plinth_session_info info;
        int64_t canary;
    } small{};
    small.info.struct_size = offsetof(plinth_session_info, role);
    small.canary = 42;
    small.info.role = 77;
    ASSERT_EQ(check(token, &small.info), PLINTH_OK);
    EXPECT_EQ(small.info.user_id, id);
    EXPECT_EQ(small.info.role, 77);
    EXPECT_EQ(small.canary, 42);

    call("logout", {{"token", token}});
    EXPECT_EQ(check(token), PLINTH_E_UNAUTHENTICATED); // evicted from this process's cache at once
    EXPECT_EQ(fails("logout", json::serialize(json::object{{"token", token}})), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(check("not a token"), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(check(std::string(43, 'A')), PLINTH_E_UNAUTHENTICATED);

    json::array events = events_of(id);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].at("event"), "logged_out");
    EXPECT_EQ(events[1].at("event"), "login_succeeded");
    EXPECT_EQ(events[0].at("session_id"), events[1].at("session_id"));
    EXPECT_EQ(events[0].at("session_id").as_int64(), r.at("session_id").as_int64());
}

TEST_F(AccountsModuleTest, SessionsEndWhenIdleOrTooOld) {
    add_user("ada");
    std::string idle = login("ada");
    std::string busy = login("ada");
    host_.advance_s(3599);
    EXPECT_EQ(check(idle), PLINTH_OK); // that use restarts its idle window
    host_.advance_s(1);
    EXPECT_EQ(check(busy), PLINTH_E_UNAUTHENTICATED); // never used: idle for an hour
    // Used every 50 minutes, the session still ends 24 hours after login.
    for (int i = 0; i < 27; ++i) {
        host_.advance_s(3000);
        int32_t rc = check(idle);
        if (host_.now_us() / 1000000 < 1767225600 + 86400) EXPECT_EQ(rc, PLINTH_OK) << i;
        else EXPECT_EQ(rc, PLINTH_E_UNAUTHENTICATED) << i;
    }
}

TEST_F(AccountsModuleTest, AnotherProcessSeesARevocationWithinTheCacheLifetime) {
    test::TestHost other(db_, {"accounts"}, small_config());
    add_user("ada");
    std::string token = login("ada");
    auto check_in = [&](test::TestHost &h) {
        auto *t = h.host().interface_as<plinth_session_check_v1>("accounts", PLINTH_EXT_SESSION_CHECK);
        plinth_session_info info{};
        info.struct_size = sizeof info;
        return t->check(h.host().module("accounts"), sdk::to_str(token), &info, nullptr);
    };
    EXPECT_EQ(check_in(other), PLINTH_OK); // cached over there
    call("logout", {{"token", token}});
    EXPECT_EQ(check_in(host_), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(check_in(other), PLINTH_OK); // stale, but for at most session.cache_ms (1000 ms)
    other.advance_s(1);
    EXPECT_EQ(check_in(other), PLINTH_E_UNAUTHENTICATED);
}

TEST_F(AccountsModuleTest, ARoleChangeReachesSessionsInEveryProcess) {
    test::TestHost uncached(db_, {"accounts"}, small_config({{"session", {{"cache_ms", 0}}}}));
    int64_t id = add_user("ada");
    std::string token = login("ada");
    auto role_in = [&](test::TestHost &h) {
        auto *t = h.host().interface_as<plinth_session_check_v1>("accounts", PLINTH_EXT_SESSION_CHECK);
        plinth_session_info info{};
        info.struct_size = sizeof info;
        EXPECT_EQ(t->check(h.host().module("accounts"), sdk::to_str(token), &info, nullptr), PLINTH_OK);
        return info.role;
    };
    EXPECT_EQ(role_in(uncached), PLINTH_ROLE_CUSTOMER);
    call("role.set", {{"user_id", id}, {"role", "staff"}}, system_caller());
    EXPECT_EQ(role_in(uncached), PLINTH_ROLE_STAFF);
    EXPECT_EQ(role_in(host_), PLINTH_ROLE_STAFF);
}

TEST_F(AccountsModuleTest, PasswordChangeRevokesEveryOtherSession) {
    int64_t id = add_user("ada");
    auto ada = user_caller(id, PLINTH_ROLE_CUSTOMER);
    std::string kept = login("ada"), other1 = login("ada"), other2 = login("ada@example.com");
    std::string message;
    EXPECT_EQ(fails("password.change", R"({"current_password":"wrong one","new_password":"a brand new secret"})", ada,
                    &message),
              PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(message, "current password is wrong");
    EXPECT_EQ(fails("password.change", R"({"new_password":"a brand new secret"})", ada), PLINTH_E_INVALID_ARGUMENT);
    json::value r = call("password.change",
                         {{"current_password", kPassword}, {"new_password", "a brand new secret"}, {"token", kept}}, ada);
    EXPECT_EQ(r.at("revoked_sessions").as_int64(), 2);
    EXPECT_EQ(check(kept), PLINTH_OK);
    EXPECT_EQ(check(other1), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(check(other2), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(fails("login", R"({"login":"ada","password":"correct horse battery"})"), PLINTH_E_UNAUTHENTICATED);
    EXPECT_NO_THROW(login("ada", "a brand new secret"));
    int revoked = 0;
    for (const auto &e : events_of(id)) revoked += e.at("event") == "session_revoked";
    EXPECT_EQ(revoked, 2);
    // An administrator may reset it without the old one; then no session survives.
    call("password.change", {{"user_id", id}, {"new_password", "reset by an admin"}}, system_caller());
    EXPECT_EQ(check(kept), PLINTH_E_UNAUTHENTICATED);
    // Staff may not.
    int64_t staff = add_user("grace", kPassword, "staff");
    EXPECT_EQ(fails("password.change", json::serialize(json::object{{"user_id", id}, {"new_password", "staff sets it"}}),
                    user_caller(staff, PLINTH_ROLE_STAFF)),
              PLINTH_E_PERMISSION_DENIED);
}

TEST_F(AccountsModuleTest, UsersListAndRevokeTheirOwnSessionsOnly) {
    int64_t ada = add_user("ada");
    int64_t bob = add_user("bob");
    std::string t1 = login("ada");
    login("ada");
    std::string bobs = login("bob");
    json::array list = call("sessions.list", json::object{}, user_caller(ada, PLINTH_ROLE_CUSTOMER)).at("sessions").as_array();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_FALSE(list[0].as_object().contains("token"));
    int64_t bob_session = call("sessions.list", json::object{}, user_caller(bob, PLINTH_ROLE_CUSTOMER))
                              .at("sessions").as_array()[0].at("session_id").as_int64();
    EXPECT_EQ(fails("session.revoke", json::serialize(json::object{{"session_id", bob_session}}),
                    user_caller(ada, PLINTH_ROLE_CUSTOMER)),
              PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("sessions.list", json::serialize(json::object{{"user_id", bob}}), user_caller(ada, PLINTH_ROLE_CUSTOMER)),
              PLINTH_E_PERMISSION_DENIED);
    call("session.revoke", {{"session_id", list[0].at("session_id")}}, user_caller(ada, PLINTH_ROLE_CUSTOMER));
    EXPECT_EQ(check(t1), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(check(bobs), PLINTH_OK);
}

// ---- password hashes: parameters and imports

TEST(AccountsRehash, ChangedParametersRehashAtTheNextLogin) {
    test::TestDatabase db("accounts_rehash");
    int64_t id = 0;
    {
        test::TestHost h(db, {"accounts"}, small_config());
        id = h.call("accounts", "register",
                    {{"email", "ada@example.com"}, {"username", "ada"}, {"first_name", "Ada"}, {"password", kPassword}},
                    anonymous_caller())
                 .at("user_id").as_int64();
    }
    auto hash = [&] {
        return db.sql().query("SELECT password_hash FROM accounts_users WHERE id = ?", {id}).at(0).str(0);
    };
    std::string old = hash();
    EXPECT_TRUE(old.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
    test::TestHost h(db, {"accounts"}, small_config({{"password", {{"argon2", {{"memory_kib", 2048}, {"time_cost", 2}}}}}}));
    // A failed login changes nothing.
    EXPECT_EQ(h.call_error("accounts", "login", R"({"login":"ada","password":"wrong password"})", anonymous_caller()),
              PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(hash(), old);
    h.call("accounts", "login", {{"login", "ada"}, {"password", kPassword}}, anonymous_caller());
    EXPECT_TRUE(hash().starts_with("$argon2id$v=19$m=2048,t=2,p=1$")) << hash();
    std::string upgraded = hash();
    h.call("accounts", "login", {{"login", "ada"}, {"password", kPassword}}, anonymous_caller());
    EXPECT_EQ(hash(), upgraded); // no further rehash once it matches
    EXPECT_EQ(db.sql().query("SELECT COUNT(*) FROM accounts_users WHERE password_changed_at = created_at").at(0).i64(0), 1)
        << "a rehash is not a password change";
}

constexpr const char *kBcrypt2y = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"; // rasmuslerdorf
constexpr const char *kWordPress = "$wp$2y$10$607XKVrBjPEqujeOXNwbYuOJ.gPMd2TelMMknmeV70Kap1E81Ovo6"; // hashpwn

TEST_F(AccountsModuleTest, ImportedBcryptAndWordPressHashesVerifyAndAreUpgraded) {
    json::value r = call("import.users",
                         {{"users",
                           {{{"email", "rasmus@example.com"}, {"username", "rasmus"}, {"first_name", "Rasmus"},
                             {"password_hash", kBcrypt2y}, {"created_at", 1700000000}},
                            {{"email", "wp@example.com"}, {"username", "wpuser"}, {"first_name", "Word"},
                             {"last_name", "Press"}, {"role", "staff"}, {"password_hash", kWordPress}}}}},
                         system_caller());
    ASSERT_EQ(r.at("imported").to_number<int64_t>(), 2);
    int64_t rasmus = r.at("user_ids").as_array()[0].as_int64();
    int64_t wp = r.at("user_ids").as_array()[1].as_int64();
    EXPECT_EQ(stored_hash(rasmus), kBcrypt2y);

    EXPECT_EQ(fails("login", R"({"login":"rasmus","password":"rasmuslerdorF"})"), PLINTH_E_UNAUTHENTICATED);
    EXPECT_EQ(stored_hash(rasmus), kBcrypt2y);
    json::value l = call("login", {{"login", "rasmus"}, {"password", "rasmuslerdorf"}});
    EXPECT_TRUE(stored_hash(rasmus).starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
    EXPECT_EQ(check(std::string(l.at("token").as_string())), PLINTH_OK);
    EXPECT_NO_THROW(login("rasmus", "rasmuslerdorf")); // the new hash verifies too

    json::value w = call("login", {{"login", "wp@example.com"}, {"password", "hashpwn"}});
    EXPECT_EQ(w.at("role"), "staff");
    EXPECT_TRUE(stored_hash(wp).starts_with("$argon2id$"));
    EXPECT_EQ(fails("login", R"({"login":"wpuser","password":"hashpwN"})"), PLINTH_E_UNAUTHENTICATED);
    EXPECT_NO_THROW(login("wpuser", "hashpwn"));
    EXPECT_EQ(call("profile.get", {{"user_id", rasmus}}, system_caller()).at("created_at").as_int64(), 1700000000);
}

TEST_F(AccountsModuleTest, ImportIsAllOrNothing) {
    add_user("ada");
    std::string before = db_.dump_all_tables();
    std::string message;
    auto batch = [](const std::string &second_hash, const std::string &second_email) {
        return json::serialize(json::object{
            {"users",
             {{{"email", "one@example.com"}, {"username", "one"}, {"first_name", "One"}, {"password_hash", kBcrypt2y}},
              {{"email", second_email}, {"username", "two"}, {"first_name", "Two"}, {"password_hash", second_hash}}}}});
    };
    EXPECT_EQ(fails("import.users", batch("$P$BPDvVcnh1D5hLg9dd3sMcsFaFEl7FN/", "two@example.com"), system_caller(), &message),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(message.find("users[1]: password_hash must be"), std::string::npos) << message;
    EXPECT_EQ(fails("import.users", batch(kWordPress, "ADA@example.com"), system_caller(), &message), PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "users[1]: email is already registered");
    EXPECT_EQ(fails("import.users", batch(kWordPress, "ONE@example.com"), system_caller(), &message), PLINTH_E_CONFLICT);
    EXPECT_EQ(fails("import.users", R"({"users":[{"email":"x@example.com","username":"xyz","first_name":"X","password_hash":"$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a","password":"plain"}]})",
                    system_caller(), &message),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(message, "users[0]: unknown argument 'password'");
    EXPECT_EQ(fails("import.users", R"({"users":{}})", system_caller()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("import.users", R"({"users":[7]})", system_caller()), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(db_.dump_all_tables(), before);
}

// ---- profile, email history, roles

TEST_F(AccountsModuleTest, EmailChangeKeepsTheOldAddressAndSubjectsResolveThroughIt) {
    int64_t id = add_user("ada");
    auto ada = user_caller(id, PLINTH_ROLE_CUSTOMER);
    std::string message;
    EXPECT_EQ(fails("email.change", R"({"email":"ada@lovelace.org"})", ada, &message), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("email.change", R"({"email":"ada@lovelace.org","password":"not my password"})", ada),
              PLINTH_E_UNAUTHENTICATED);
    call("email.change", {{"email", "Ada@Lovelace.org"}, {"password", kPassword}}, ada);
    host_.advance_s(60);
    call("email.change", {{"user_id", id}, {"email", "countess@analytical.engine"}}, system_caller()); // support
    json::value p = call("profile.get", json::object{}, ada);
    EXPECT_EQ(p.at("email"), "countess@analytical.engine");
    ASSERT_EQ(p.at("previous_emails").as_array().size(), 2u);
    EXPECT_EQ(p.at("previous_emails").as_array()[0].at("email"), "Ada@Lovelace.org");
    EXPECT_EQ(p.at("previous_emails").as_array()[1].at("email"), "ada@example.com");

    json::value expected = {{"user_id", id},
                            {"emails", {"countess@analytical.engine", "ada@lovelace.org", "ada@example.com"}}};
    EXPECT_EQ(call("subject.resolve", {{"email", " ADA@example.com"}}, system_caller()), expected);
    EXPECT_EQ(call("subject.resolve", {{"email", "countess@analytical.engine"}}, system_caller()), expected);
    EXPECT_EQ(call("subject.resolve", {{"user_id", id}}, system_caller()), expected);
    EXPECT_EQ(call("subject.resolve", {{"email", "Stranger@Example.com"}}, system_caller()),
              json::parse(R"({"user_id":0,"emails":["stranger@example.com"]})"));
    EXPECT_EQ(call("subject.resolve", {{"user_id", 999999}}, system_caller()), json::parse(R"({"user_id":0,"emails":[]})"));
    EXPECT_EQ(fails("subject.resolve", R"({"email":"a@example.com","user_id":1})", system_caller()),
              PLINTH_E_INVALID_ARGUMENT);
    // The old address is free again, and login follows the current one.
    EXPECT_NO_THROW(add_user("newcomer"));
    EXPECT_NO_THROW(login("countess@analytical.engine"));
    EXPECT_EQ(fails("login", R"({"login":"ada@example.com","password":"correct horse battery"})"),
              PLINTH_E_UNAUTHENTICATED);
}

// The typed twin of subject.resolve (plinth.subject-resolver/1): the same answers, no JSON.
TEST_F(AccountsModuleTest, TypedSubjectResolverAnswersAsSubjectResolveDoes) {
    int64_t id = add_user("ada");
    call("email.change", {{"user_id", id}, {"email", "countess@analytical.engine"}}, system_caller());
    auto *resolver = host_.host().interface_as<plinth_subject_resolver_v1>("accounts");
    ASSERT_NE(resolver, nullptr);
    const plinth_module *accounts = host_.host().module("accounts");
    struct Answer {
        int calls = 0;
        int64_t user_id = -1;
        std::vector<std::string> emails;
    };
    auto resolve = [&](std::string_view email, int64_t user_id, Answer &answer, std::string *message = nullptr) {
        plinth_subject_sink sink{sizeof(plinth_subject_sink), &answer, [](void *c, const plinth_subject *s) -> int32_t {
                                     auto *a = static_cast<Answer *>(c);
                                     ++a->calls;
                                     a->user_id = s->user_id;
                                     for (size_t i = 0; i < s->email_count; ++i) a->emails.emplace_back(sdk::to_view(s->emails[i]));
                                     return 0;
                                 }};
        plinth_error error = sdk::make_error();
        int32_t rc = resolver->resolve(accounts, sdk::to_str(email), user_id, &sink, &error);
        if (message) *message = error.message;
        return rc;
    };
    const std::vector<std::string> both{"countess@analytical.engine", "ada@example.com"};
    Answer by_old_address, by_id, stranger, nobody;
    ASSERT_EQ(resolve(" ADA@example.com", 0, by_old_address), PLINTH_OK);
    EXPECT_EQ(by_old_address.calls, 1);
    EXPECT_EQ(by_old_address.user_id, id);
    EXPECT_EQ(by_old_address.emails, both);
    ASSERT_EQ(resolve({}, id, by_id), PLINTH_OK);
    EXPECT_EQ(by_id.user_id, id);
    EXPECT_EQ(by_id.emails, both);
    ASSERT_EQ(resolve("Stranger@Example.com", 0, stranger), PLINTH_OK);
    EXPECT_EQ(stranger.user_id, 0);
    EXPECT_EQ(stranger.emails, std::vector<std::string>{"stranger@example.com"});
    ASSERT_EQ(resolve({}, 999999, nobody), PLINTH_OK);
    EXPECT_EQ(nobody.user_id, 0);
    EXPECT_TRUE(nobody.emails.empty());

    // Bad input: a clear error and no answer.
    Answer refused;
    std::string message;
    EXPECT_EQ(resolve("ada@example.com", id, refused, &message), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(message.find("exactly one"), std::string::npos) << message;
    EXPECT_EQ(resolve({}, 0, refused), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(resolve({}, -5, refused), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(resolve("not an address", 0, refused), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(refused.calls, 0);
}

// plinth.account-roles/1: the role an account holds now, as privacy asks for it, no JSON.
TEST_F(AccountsModuleTest, TypedAccountRolesTellTheRoleHeldNow) {
    int64_t ada = add_user("ada", kPassword, "admin");
    int64_t sam = add_user("sam", kPassword, "staff");
    int64_t cara = add_user("cara");
    auto *roles = host_.host().interface_as<plinth_account_roles_v1>("accounts");
    ASSERT_NE(roles, nullptr);
    const plinth_module *accounts = host_.host().module("accounts");
    auto role_of = [&](int64_t user_id, int32_t *role, std::string *message = nullptr) {
        plinth_error error = sdk::make_error();
        int32_t rc = roles->role_of(accounts, user_id, role, &error);
        if (message) *message = error.message;
        return rc;
    };
    int32_t role = -1;
    ASSERT_EQ(role_of(ada, &role), PLINTH_OK);
    EXPECT_EQ(role, PLINTH_ROLE_ADMIN);
    ASSERT_EQ(role_of(sam, &role), PLINTH_OK);
    EXPECT_EQ(role, PLINTH_ROLE_STAFF);
    ASSERT_EQ(role_of(cara, &role), PLINTH_OK);
    EXPECT_EQ(role, PLINTH_ROLE_CUSTOMER);
    call("role.set", {{"user_id", cara}, {"role", "staff"}}, system_caller());
    ASSERT_EQ(role_of(cara, &role), PLINTH_OK);
    EXPECT_EQ(role, PLINTH_ROLE_STAFF);

    // No such account, and bad input: an error, and the caller's output untouched.
    role = -1;
    std::string message;
    EXPECT_EQ(role_of(999999, &role, &message), PLINTH_E_NOT_FOUND);
    EXPECT_NE(message.find("no account"), std::string::npos) << message;
    EXPECT_EQ(role_of(0, &role), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(role_of(-3, &role), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(role, -1);
    EXPECT_EQ(role_of(ada, nullptr), PLINTH_E_INVALID_ARGUMENT);
}

TEST_F(AccountsModuleTest, ProfileUpdateAndRoles) {
    int64_t ada = add_user("ada");
    int64_t bob = add_user("bob");
    int64_t admin = add_user("root1", kPassword, "admin");
    auto as_ada = user_caller(ada, PLINTH_ROLE_CUSTOMER);
    json::value p = call("profile.update", {{"first_name", "Augusta Ada"}, {"last_name", ""}, {"username", "AdaL"}}, as_ada);
    EXPECT_EQ(p.at("first_name"), "Augusta Ada");
    EXPECT_EQ(p.at("last_name"), "");
    EXPECT_EQ(p.at("username"), "AdaL");
    EXPECT_NO_THROW(login("adal"));
    EXPECT_EQ(fails("profile.update", R"({"username":"BOB"})", as_ada), PLINTH_E_CONFLICT);
    EXPECT_EQ(fails("profile.update", "{}", as_ada), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("profile.update", json::serialize(json::object{{"user_id", bob}, {"first_name", "Mallory"}}), as_ada),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("profile.get", json::serialize(json::object{{"user_id", bob}}), as_ada), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("profile.get", "{}", anonymous_caller()), PLINTH_E_UNAUTHENTICATED);

    // Roles: admins only, never their own; the cached session sees the new role at once.
    std::string bobs = login("bob");
    EXPECT_EQ(fails("role.set", json::serialize(json::object{{"user_id", bob}, {"role", "admin"}}),
                    user_caller(bob, PLINTH_ROLE_STAFF)),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("role.set", json::serialize(json::object{{"user_id", admin}, {"role", "customer"}}),
                    user_caller(admin, PLINTH_ROLE_ADMIN)),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("role.set", json::serialize(json::object{{"user_id", bob}, {"role", "owner"}}),
                    user_caller(admin, PLINTH_ROLE_ADMIN)),
              PLINTH_E_INVALID_ARGUMENT);
    plinth_session_info info{};
    info.struct_size = sizeof info;
    ASSERT_EQ(check(bobs, &info), PLINTH_OK);
    EXPECT_EQ(info.role, PLINTH_ROLE_CUSTOMER);
    call("role.set", {{"user_id", bob}, {"role", "staff"}}, user_caller(admin, PLINTH_ROLE_ADMIN));
    ASSERT_EQ(check(bobs, &info), PLINTH_OK);
    EXPECT_EQ(info.role, PLINTH_ROLE_STAFF);

    // Staff search.
    auto staff = user_caller(bob, PLINTH_ROLE_STAFF);
    EXPECT_EQ(call("users.search", {{"query", "ADA"}}, staff).at("users").as_array().size(), 1u);
    EXPECT_EQ(call("users.search", {{"query", "augusta"}}, staff).at("users").as_array().size(), 1u);
    EXPECT_EQ(call("users.search", {{"role", "admin"}}, staff).at("users").as_array().size(), 1u);
    EXPECT_EQ(call("users.search", json::object{}, staff).at("users").as_array().size(), 3u);
    EXPECT_EQ(call("users.search", {{"limit", 2}, {"offset", 2}}, staff).at("users").as_array().size(), 1u);
    EXPECT_EQ(fails("users.search", R"({"limit":1000})", staff), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("users.search", "{}", as_ada), PLINTH_E_PERMISSION_DENIED);
}

// ---- gravatar and consent

TEST_F(AccountsModuleTest, GravatarIsOptInAndFollowsConsent) {
    int64_t id = add_user("ada");
    auto ada = user_caller(id, PLINTH_ROLE_CUSTOMER);
    json::value on = call("gravatar.opt_in", json::object{}, ada);
    EXPECT_EQ(on.at("opted_in"), true);
    std::string first(on.at("gravatar_url").as_string());
    EXPECT_TRUE(first.starts_with("https://www.gravatar.com/avatar/"));
    EXPECT_EQ(first.size(), std::string("https://www.gravatar.com/avatar/").size() + 64);
    call("email.change", {{"email", "Other@Example.com"}, {"password", kPassword}}, ada);
    std::string second(call("profile.get", json::object{}, ada).at("gravatar_url").as_string());
    EXPECT_NE(second, first); // follows the address
    call("gravatar.opt_out", json::object{}, ada);
    EXPECT_TRUE(call("profile.get", json::object{}, ada).at("gravatar_url").is_null());
    EXPECT_EQ(db_.dump_all_tables().find(second), std::string::npos);

    // The consent ledger (privacy module) drives it through plinth.consent-listener/1.
    auto *listener = host_.host().interface_as<plinth_consent_listener_v1>("accounts", PLINTH_EXT_CONSENT_LISTENER);
    ASSERT_NE(listener, nullptr);
    plinth_str email = sdk::to_str("other@example.com");
    plinth_subject by_email{sizeof(plinth_subject), 0, &email, 1};
    plinth_subject by_id{sizeof(plinth_subject), id, nullptr, 0};
    const plinth_module *m = host_.host().module("accounts");
    ASSERT_EQ(listener->consent_changed(m, &by_email, sdk::to_str("gravatar"), 1, nullptr), PLINTH_OK);
    EXPECT_EQ(call("profile.get", json::object{}, ada).at("gravatar_url").as_string(), second);
    ASSERT_EQ(listener->consent_changed(m, &by_id, sdk::to_str("gravatar"), 1, nullptr), PLINTH_OK); // idempotent
    ASSERT_EQ(listener->consent_changed(m, &by_id, sdk::to_str("ai-prompt-analysis"), 0, nullptr), PLINTH_OK);
    EXPECT_EQ(call("profile.get", json::object{}, ada).at("gravatar_url").as_string(), second);
    ASSERT_EQ(listener->consent_changed(m, &by_id, sdk::to_str("gravatar"), 0, nullptr), PLINTH_OK);
    EXPECT_TRUE(call("profile.get", json::object{}, ada).at("gravatar_url").is_null());
    plinth_subject nobody{sizeof(plinth_subject), 424242, nullptr, 0};
    EXPECT_EQ(listener->consent_changed(m, &nobody, sdk::to_str("gravatar"), 0, nullptr), PLINTH_OK);
}

// ---- personal data, inventory, retention

struct Collected {
    std::vector<std::pair<std::string, json::object>> items;
    std::vector<plinth_erasure_item> outcomes;
    std::vector<std::string> outcome_items;
};

Collected export_of(test::TestHost &h, plinth_subject subject) {
    Collected c;
    auto *pd = h.host().interface_as<plinth_personal_data_v1>("accounts", PLINTH_EXT_PERSONAL_DATA);
    plinth_export_sink sink{sizeof(plinth_export_sink), &c,
                            [](void *ctx, plinth_str category, plinth_str object) -> int32_t {
                                static_cast<Collected *>(ctx)->items.emplace_back(
                                    std::string(sdk::to_view(category)), json::parse(sdk::to_view(object)).as_object());
                                return 0;
                            },
                            nullptr};
    plinth_error e = sdk::make_error();
    EXPECT_EQ(pd->export_subject(h.host().module("accounts"), &subject, &sink, &e), PLINTH_OK) << e.message;
    return c;
}

Collected erase_of(test::TestHost &h, plinth_subject subject, bool dry_run) {
    Collected c;
    auto *pd = h.host().interface_as<plinth_personal_data_v1>("accounts", PLINTH_EXT_PERSONAL_DATA);
    plinth_erasure_sink sink{sizeof(plinth_erasure_sink), &c, [](void *ctx, const plinth_erasure_item *item) -> int32_t {
                                 auto *self = static_cast<Collected *>(ctx);
                                 self->outcomes.push_back(*item);
                                 self->outcome_items.emplace_back(std::string(sdk::to_view(item->category)) + ": " +
                                                                  std::string(sdk::to_view(item->item)));
                                 return 0;
                             }};
    plinth_error e = sdk::make_error();
    EXPECT_EQ(pd->erase_subject(h.host().module("accounts"), &subject, dry_run ? 1 : 0, &sink, &e), PLINTH_OK)
        << e.message;
    return c;
}

TEST_F(AccountsModuleTest, ExportHoldsEverythingButSecrets) {
    int64_t id = add_user("ada");
    auto ada = user_caller(id, PLINTH_ROLE_CUSTOMER);
    std::string token = login("ada");
    call("email.change", {{"email", "ada@lovelace.org"}, {"password", kPassword}}, ada);
    call("gravatar.opt_in", json::object{}, ada);
    EXPECT_EQ(fails("login", R"({"login":"ada","password":"wrong password"})"), PLINTH_E_UNAUTHENTICATED);
    plinth_subject subject{sizeof(plinth_subject), id, nullptr, 0};
    Collected c = export_of(host_, subject);
    std::map<std::string, int> per_category;
    std::string all;
    for (const auto &[category, object] : c.items) {
        ++per_category[category];
        all += json::serialize(object);
    }
    EXPECT_EQ(per_category["email"], 2);
    EXPECT_EQ(per_category["username"], 1);
    EXPECT_EQ(per_category["first name, last name"], 1);
    EXPECT_EQ(per_category["password"], 1);
    EXPECT_EQ(per_category["gravatar"], 1);
    EXPECT_EQ(per_category["logins/logouts"], 4); // session, success event, failure event, failed-login counter
    EXPECT_NE(all.find("ada@example.com"), std::string::npos);
    EXPECT_NE(all.find("\"password_set\":true"), std::string::npos);
    EXPECT_EQ(all.find("argon2"), std::string::npos);
    EXPECT_EQ(all.find(stored_hash(id)), std::string::npos);
    EXPECT_EQ(all.find(token), std::string::npos);
    EXPECT_EQ(all.find(kPassword), std::string::npos);
    // By email alone (no account id) the same account is found.
    plinth_str email = sdk::to_str("ADA@lovelace.org");
    EXPECT_EQ(export_of(host_, plinth_subject{sizeof(plinth_subject), 0, &email, 1}).items.size(), c.items.size());
    plinth_str stranger = sdk::to_str("stranger@example.com");
    EXPECT_TRUE(export_of(host_, plinth_subject{sizeof(plinth_subject), 0, &stranger, 1}).items.empty());
}

TEST_F(AccountsModuleTest, ErasureReportsEachItemAndRemovesEverything) {
    int64_t id = add_user("ada");
    int64_t bob = add_user("bob");
    auto ada = user_caller(id, PLINTH_ROLE_CUSTOMER);
    std::string token = login("ada");
    login("bob");
    call("email.change", {{"email", "ada@lovelace.org"}, {"password", kPassword}}, ada);
    call("gravatar.opt_in", json::object{}, ada);
    plinth_subject subject{sizeof(plinth_subject), id, nullptr, 0};
    check(token); // cached

    std::string before = db_.dump_all_tables();
    Collected dry = erase_of(host_, subject, true);
    EXPECT_EQ(db_.dump_all_tables(), before);
    Collected real = erase_of(host_, subject, false);
    EXPECT_EQ(dry.outcome_items, real.outcome_items);
    std::vector<std::string> expected = {
        "email: account " + std::to_string(id) + " current address",
        "email: account " + std::to_string(id) + " previous address 1",
        "username: account " + std::to_string(id) + " username and role",
        "first name, last name: account " + std::to_string(id) + " first and last name",
        "password: account " + std::to_string(id) + " password hash",
    };
    for (const auto &e : expected)
        EXPECT_NE(std::find(real.outcome_items.begin(), real.outcome_items.end(), e), real.outcome_items.end()) << e;
    for (const auto &o : real.outcomes) EXPECT_EQ(o.outcome, PLINTH_ERASURE_REMOVED);
    bool has_gravatar = false, has_session = false, has_events = false;
    for (const auto &s : real.outcome_items) {
        has_gravatar |= s.starts_with("gravatar:");
        has_session |= s.find(" session ") != std::string::npos;
        has_events |= s.find("login events") != std::string::npos;
    }
    EXPECT_TRUE(has_gravatar && has_session && has_events);

    EXPECT_EQ(check(token), PLINTH_E_UNAUTHENTICATED); // evicted at once
    std::string dump = db_.dump_all_tables();
    for (const char *gone : {"ada@example.com", "ada@lovelace.org", "\tada\t", "gravatar.com"})
        EXPECT_EQ(dump.find(gone), std::string::npos) << gone;
    EXPECT_NE(dump.find("bob@example.com"), std::string::npos); // others untouched
    EXPECT_EQ(db_.sql().query("SELECT COUNT(*) FROM accounts_login_events WHERE user_id = ?", {bob}).at(0).i64(0), 1);
    EXPECT_EQ(db_.sql().query("SELECT COUNT(*) FROM accounts_login_events WHERE user_id = ?", {id}).at(0).i64(0), 0);
    EXPECT_TRUE(erase_of(host_, subject, false).outcomes.empty()); // idempotent
}

// Outcomes are reported inside the transaction that deletes, so a report that does not reach the
// privacy module (a crash, a refusing sink) leaves the account in place for the resumed run to
// erase and report again, instead of an account gone with no record of it.
TEST_F(AccountsModuleTest, ARefusedReportRollsTheErasureBack) {
    int64_t id = add_user("ada");
    login("ada");
    plinth_subject subject{sizeof(plinth_subject), id, nullptr, 0};
    std::string before = db_.dump_all_tables();

    struct Refusing {
        int reported = 0;
    } refusing;
    auto *pd = host_.host().interface_as<plinth_personal_data_v1>("accounts", PLINTH_EXT_PERSONAL_DATA);
    plinth_erasure_sink sink{sizeof(plinth_erasure_sink), &refusing,
                             [](void *ctx, const plinth_erasure_item *) -> int32_t {
                                 return ++static_cast<Refusing *>(ctx)->reported >= 3 ? 1 : 0;
                             }};
    plinth_error e = sdk::make_error();
    EXPECT_EQ(pd->erase_subject(host_.host().module("accounts"), &subject, 0, &sink, &e), PLINTH_E_SINK);
    EXPECT_EQ(refusing.reported, 3);
    EXPECT_EQ(db_.dump_all_tables(), before);

    Collected resumed = erase_of(host_, subject, false);
    EXPECT_GE(resumed.outcomes.size(), 5u); // every item, none lost to the refused run
    EXPECT_TRUE(erase_of(host_, subject, false).outcomes.empty());
}

// Privacy records are matched by every address an account ever had, so an address in one
// account's history must not become another's: their consents, exports and erasures would mix.
TEST_F(AccountsModuleTest, AnAddressInAnotherAccountsHistoryIsNotReused) {
    int64_t ada = add_user("ada");
    int64_t bob = add_user("bob");
    call("email.change", {{"user_id", ada}, {"email", "ada@lovelace.org"}}, system_caller());

    std::string before = db_.dump_all_tables();
    std::string message;
    EXPECT_EQ(fails("register",
                    R"({"email":" ADA@Example.com","username":"carol","first_name":"Carol","password":"correct horse battery"})",
                    anonymous_caller(), &message),
              PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "email is already registered");
    EXPECT_EQ(fails("email.change", R"({"user_id":)" + std::to_string(bob) + R"(,"email":"Ada@example.com"})",
                    system_caller(), &message),
              PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "email is already registered");
    EXPECT_EQ(fails("import.users",
                    R"({"users":[{"email":"ada@EXAMPLE.com","username":"carol","first_name":"C","password_hash":")" +
                        std::string(kBcrypt2y) + R"("}]})",
                    system_caller(), &message),
              PLINTH_E_CONFLICT);
    EXPECT_EQ(message, "users[0]: email is already registered");
    EXPECT_EQ(db_.dump_all_tables(), before);
    EXPECT_EQ(call("subject.resolve", {{"user_id", bob}}, system_caller()),
              (json::value{{"user_id", bob}, {"emails", {"bob@example.com"}}}));

    // Ada may take her own old address back (in any case).
    call("email.change", {{"user_id", ada}, {"email", "Ada@Example.com"}}, system_caller());
    EXPECT_EQ(call("profile.get", json::object{}, user_caller(ada, PLINTH_ROLE_CUSTOMER)).at("email"), "Ada@Example.com");
    // ...and the address she left now is hers to hold as history, not Bob's to take.
    EXPECT_EQ(fails("email.change", R"({"user_id":)" + std::to_string(bob) + R"(,"email":"ada@lovelace.org"})",
                    system_caller()),
              PLINTH_E_CONFLICT);

    // Erasure deletes the history, and with it the claim on the old addresses.
    erase_of(host_, plinth_subject{sizeof(plinth_subject), ada, nullptr, 0}, false);
    call("email.change", {{"user_id", bob}, {"email", "ada@lovelace.org"}}, system_caller());
    EXPECT_NO_THROW(add_user("ada"));
}

TEST_F(AccountsModuleTest, StaffManageCustomersButNotAdministrators) {
    int64_t admin = add_user("root2", kPassword, "admin");
    int64_t staffer = add_user("stella", kPassword, "staff");
    int64_t customer = add_user("carl");
    auto as_staff = user_caller(staffer, PLINTH_ROLE_STAFF);
    std::string before = db_.dump_all_tables();
    EXPECT_EQ(fails("profile.update", json::serialize(json::object{{"user_id", admin}, {"first_name", "Eve"}}), as_staff),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("email.change", json::serialize(json::object{{"user_id", admin}, {"email", "eve@example.com"}}),
                    as_staff),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("gravatar.opt_in", json::serialize(json::object{{"user_id", admin}}), as_staff),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(db_.dump_all_tables(), before); // refused, and nothing changed
    EXPECT_EQ(call("profile.update", {{"user_id", customer}, {"first_name", "Carla"}}, as_staff).at("first_name").as_string(),
              "Carla");
    EXPECT_EQ(call("profile.update", {{"user_id", admin}, {"first_name", "Root"}}, user_caller(admin, PLINTH_ROLE_ADMIN))
                  .at("first_name")
                  .as_string(),
              "Root");
}

TEST_F(AccountsModuleTest, InventoryDescribesEveryCategory) {
    auto *inv = host_.host().interface_as<plinth_data_inventory_v1>("accounts", PLINTH_EXT_DATA_INVENTORY);
    ASSERT_NE(inv, nullptr);
    std::map<std::string, std::pair<std::string, int64_t>> seen;
    plinth_inventory_sink sink{sizeof(plinth_inventory_sink), &seen,
                               [](void *ctx, const plinth_data_category *c) -> int32_t {
                                   EXPECT_GT(c->purpose.size, 0u);
                                   EXPECT_GT(c->legal_basis.size, 0u);
                                   EXPECT_GT(c->retention.size, 0u);
                                   (*static_cast<decltype(seen) *>(ctx))[std::string(sdk::to_view(c->name))] = {
                                       std::string(sdk::to_view(c->legal_basis)), c->retention_days};
                                   return 0;
                               }};
    ASSERT_EQ(inv->list_categories(host_.host().module("accounts"), &sink, nullptr), PLINTH_OK);
    for (const char *name : {"email", "username", "first name, last name", "password", "logins/logouts", "gravatar"})
        EXPECT_TRUE(seen.count(name)) << name;
    EXPECT_EQ(seen.size(), 6u);
    EXPECT_EQ(seen["logins/logouts"].second, 30);
    EXPECT_NE(seen["gravatar"].first.find("consent"), std::string::npos);
}

TEST_F(AccountsModuleTest, RetentionSweepThroughTheInterface) {
    add_user("ada");
    std::string token = login("ada");
    auto *ret = host_.host().interface_as<plinth_retention_v1>("accounts", PLINTH_EXT_RETENTION);
    ASSERT_NE(ret, nullptr);
    std::map<std::string, int64_t> counts;
    plinth_retention_sink sink{sizeof(plinth_retention_sink), &counts,
                               [](void *ctx, const plinth_retention_count *c) -> int32_t {
                                   (*static_cast<std::map<std::string, int64_t> *>(ctx))
                                       [std::string(sdk::to_view(c->category)) + "/" + std::string(sdk::to_view(c->action))] =
                                           c->count;
                                   return 0;
                               }};
    int64_t later = host_.now_us() + int64_t(40) * 86400 * 1000000;
    ASSERT_EQ(ret->sweep(host_.host().module("accounts"), later, &sink, nullptr), PLINTH_OK);
    EXPECT_EQ(counts["logins/logouts/expired"], 1);
    EXPECT_EQ(counts["logins/logouts/removed"], 2); // the login and the expiry, both older than 30 days
    EXPECT_EQ(counts["logins/logouts/reset"], 0);
    EXPECT_EQ(count("accounts_sessions"), 0);
    EXPECT_EQ(count("accounts_login_events"), 0);
    EXPECT_EQ(count("accounts_users"), 1);
}

TEST_F(AccountsModuleTest, ConcurrentRegistrationsThroughTheHost) {
    std::atomic<int> ok{0}, conflict{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 6; ++i)
        threads.emplace_back([&, i] {
            json::object args{{"email", "race@example.com"}, {"username", "racer" + std::to_string(i)},
                              {"first_name", "R"}, {"password", kPassword}};
            try {
                host_.host().call("accounts", "register", json::serialize(args), anonymous_caller());
                ++ok;
            } catch (const sdk::Error &e) {
                if (e.status() == PLINTH_E_CONFLICT) ++conflict;
            }
        });
    for (auto &t : threads) t.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(conflict.load(), 5);
    EXPECT_EQ(count("accounts_users"), 1);
}

} // namespace
} // namespace plinth::accounts
