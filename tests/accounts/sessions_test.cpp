// The accounts module through the host: login, throttling, the typed session check, session
// lifetimes and revocation, across processes.
#include "module_fixture.hpp"

#include <plinth/ext/session_check.h>

namespace plinth::accounts::module_tests {
namespace {

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

} // namespace
} // namespace plinth::accounts::module_tests
