// The accounts service against a real database, without the ABI in between: what the check path
// sends to the server, how activity is recorded, and rules that need many threads.
#include "service/accounts.hpp"
#include "support/test_host.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

namespace plinth::accounts {
namespace {

constexpr int64_t kStart = 1767225600; // 2026-01-01T00:00:00Z

class ServiceTest : public ::testing::Test {
protected:
    void SetUp() override { service_ = make(R"({"password":{"argon2":{"memory_kib":1024,"time_cost":1}}})"); }

    std::unique_ptr<Accounts> make(const char *config) {
        Accounts::Options o;
        o.config = AccountsConfig::from_json(boost::json::parse(config).as_object());
        o.database = db_.db_host("accounts");
        o.throttle_key = std::vector<uint8_t>(32, 7);
        o.now_us = [this] { return now_us_.load(); };
        auto a = std::make_unique<Accounts>(std::move(o));
        a->migrate();
        return a;
    }

    void advance(int64_t seconds) { now_us_ += seconds * 1000000; }
    int64_t now() const { return now_us_.load() / 1000000; }

    int64_t add_user(Accounts &a, const std::string &name, const std::string &password = "a long password") {
        return a.register_user(sdk::Caller{}, {name + "@example.com", name, "First", "Last", password, {}}).id;
    }

    int64_t last_seen_in_db(int64_t session_id) {
        return db_.sql().query("SELECT last_seen_at FROM accounts_sessions WHERE id = ?", {session_id}).at(0).i64(0);
    }

    test::TestDatabase db_{"accounts_service"};
    std::atomic<int64_t> now_us_{kStart * 1000000};
    std::unique_ptr<Accounts> service_;
};

// Who may do what is the service's to decide, whoever drives it: the same refusals as through
// the JSON commands, with no module in between.
TEST_F(ServiceTest, PermissionRulesHoldWhenTheServiceIsDrivenDirectly) {
    Accounts &s = *service_;
    const int64_t ada = add_user(s, "ada"), bob = add_user(s, "bob");
    const sdk::Caller as_ada = sdk::Caller::user(ada, PLINTH_ROLE_CUSTOMER);
    const sdk::Caller as_staff = sdk::Caller::user(bob, PLINTH_ROLE_STAFF);
    const sdk::Caller host = sdk::Caller::system();
    auto status_of = [](auto &&body) {
        try {
            body();
            return static_cast<int32_t>(PLINTH_OK);
        } catch (const sdk::Error &e) {
            return static_cast<int32_t>(e.status());
        }
    };
    // A customer acts on their own account only; without a name, on their own.
    EXPECT_EQ(s.profile(as_ada, std::nullopt).user.id, ada);
    EXPECT_EQ(status_of([&] { s.profile(as_ada, bob); }), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(status_of([&] { s.profile(host, std::nullopt); }), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { s.sessions(as_ada, bob); }), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(status_of([&] { s.events(as_ada, bob, 10, std::nullopt); }), PLINTH_E_PERMISSION_DENIED);
    // Choosing a role, setting another's password, searching and importing need more than that.
    Registration r{"eve@example.com", "eve", "Eve", "", "a long password", Role::admin};
    EXPECT_EQ(status_of([&] { s.register_user(sdk::Caller{}, r); }), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(status_of([&] { s.change_password(as_staff, ada, std::nullopt, "another long one", std::nullopt); }),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(status_of([&] { s.change_password(as_ada, std::nullopt, std::nullopt, "another long one", std::nullopt); }),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { s.search(as_ada, "", std::nullopt, 10, 0); }), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(status_of([&] { s.import_users(as_staff, {}); }), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(status_of([&] { s.set_role(as_staff, ada, Role::staff); }), PLINTH_E_PERMISSION_DENIED);
    // Staff manage customers, not administrators; nobody changes their own role.
    s.set_role(host, ada, Role::admin);
    const sdk::Caller as_admin = sdk::Caller::user(ada, PLINTH_ROLE_ADMIN);
    EXPECT_EQ(status_of([&] { s.update_profile(as_staff, ada, ProfileChanges{std::nullopt, "Mallory", std::nullopt}); }),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(status_of([&] { s.change_gravatar(as_staff, ada, true); }), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(status_of([&] { s.set_role(as_admin, ada, Role::customer); }), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(s.user(ada).first_name, "First");
    EXPECT_EQ(s.role_of(ada), Role::admin);
    // What may be done is done.
    EXPECT_EQ(s.update_profile(as_staff, bob, ProfileChanges{std::nullopt, "Robert", std::nullopt}).first_name, "Robert");
    EXPECT_EQ(s.set_role(as_admin, bob, Role::staff).role, Role::staff);
}

TEST_F(ServiceTest, CachedChecksSendNothingToTheServer) {
    add_user(*service_, "ada");
    LoginResult l = service_->login("ada", "a long password");
    service_->check(l.token); // loads the cache
    uint64_t before = service_->pool().statements_executed();
    for (int i = 0; i < 100; ++i) EXPECT_EQ(service_->check(l.token).user_id, l.user_id);
    EXPECT_EQ(service_->pool().statements_executed(), before);
}

TEST_F(ServiceTest, UncachedChecksOnlyRead) {
    auto uncached = make(R"({"password":{"argon2":{"memory_kib":1024,"time_cost":1}},"session":{"cache_ms":0}})");
    add_user(*uncached, "ada");
    LoginResult l = uncached->login("ada", "a long password");
    uint64_t before = uncached->pool().statements_executed();
    for (int i = 0; i < 20; ++i) uncached->check(l.token);
    // One point-select per check; no activity is due within last_seen_interval_s, so nothing else.
    EXPECT_EQ(uncached->pool().statements_executed() - before, 20u);
    EXPECT_EQ(last_seen_in_db(l.session_id), now());
}

TEST_F(ServiceTest, ActivityIsWrittenAwayFromTheCheckAndKeepsTheSessionAlive) {
    auto a = make(R"({"password":{"argon2":{"memory_kib":1024,"time_cost":1}},
                      "session":{"idle_timeout_s":600,"last_seen_interval_s":60}})");
    add_user(*a, "ada");
    LoginResult l = a->login("ada", "a long password");
    int64_t login_at = now();
    advance(500);
    SessionCheck c = a->check(l.token); // due: noted in memory, written in the background
    EXPECT_EQ(c.expires_at, now() + 600);
    a->flush_activity();
    EXPECT_EQ(last_seen_in_db(l.session_id), login_at + 500);
    advance(500); // 1000 s after login, 500 s after the last use: alive
    EXPECT_NO_THROW(a->check(l.token));
    // Another instance (another process, say) sees the written last-seen time.
    auto other = make(R"({"password":{"argon2":{"memory_kib":1024,"time_cost":1}},
                          "session":{"idle_timeout_s":600,"last_seen_interval_s":60}})");
    a->flush_activity();
    EXPECT_NO_THROW(other->check(l.token));
    advance(601);
    EXPECT_THROW(other->check(l.token), sdk::Error);
    EXPECT_THROW(a->check(l.token), sdk::Error);
}

TEST_F(ServiceTest, UnknownUsersCostOneVerificationLikeAWrongPassword) {
    add_user(*service_, "ada");
    const PasswordHasher &h = service_->hasher();
    auto work = [&](const char *login, const char *password) {
        uint64_t before = h.slow_operations();
        try {
            service_->login(login, password);
        } catch (const sdk::Error &e) {
            EXPECT_EQ(e.status(), PLINTH_E_UNAUTHENTICATED);
            EXPECT_STREQ(e.what(), "invalid credentials");
        }
        return h.slow_operations() - before;
    };
    EXPECT_EQ(work("ada", "wrong password"), 1u);
    EXPECT_EQ(work("nobody", "wrong password"), 1u);
    EXPECT_EQ(work("nobody@example.com", "wrong password"), 1u);
    // The dummy uses the live parameters, like every account hash would after its next login.
    auto phc = parse_argon2_phc(db_.sql().query("SELECT password_hash FROM accounts_users").at(0).str(0));
    ASSERT_TRUE(phc);
    EXPECT_EQ(phc->params, h.params());
}

TEST_F(ServiceTest, ParallelGuessesCannotOutrunTheThrottle) {
    auto a = make(R"({"password":{"argon2":{"memory_kib":1024,"time_cost":1}},"throttle":{"free_failures":3}})");
    add_user(*a, "ada");
    std::atomic<int> unauthenticated{0}, throttled{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 10; ++i)
        threads.emplace_back([&] {
            try {
                a->login("ada", "wrong guess");
                ++other;
            } catch (const sdk::Error &e) {
                if (e.status() == PLINTH_E_UNAUTHENTICATED) ++unauthenticated;
                else if (e.status() == PLINTH_E_THROTTLED) ++throttled;
                else ++other;
            }
        });
    for (auto &t : threads) t.join();
    // The clock stands still, so exactly free_failures guesses reached the hash.
    EXPECT_EQ(unauthenticated.load(), 3);
    EXPECT_EQ(throttled.load(), 7);
    EXPECT_EQ(other.load(), 0);
}

TEST_F(ServiceTest, ConcurrentRegistrationsOfOneEmailCreateOneAccount) {
    std::atomic<int> created{0}, conflicts{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&, i] {
            try {
                service_->register_user(sdk::Caller{}, {i % 2 ? "Same@Example.com" : " same@example.com",
                                                         "user" + std::to_string(i), "First", "Last", "a long password", {}});
                ++created;
            } catch (const sdk::Error &e) {
                (e.status() == PLINTH_E_CONFLICT ? conflicts : other)++;
            }
        });
    for (auto &t : threads) t.join();
    EXPECT_EQ(created.load(), 1);
    EXPECT_EQ(conflicts.load(), 7);
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(db_.sql().query("SELECT COUNT(*) FROM accounts_users").at(0).i64(0), 1);
}

TEST_F(ServiceTest, SweepRemovesEndedSessionsOldEventsAndStaleCounters) {
    auto a = make(R"({"password":{"argon2":{"memory_kib":1024,"time_cost":1}},
                      "session":{"idle_timeout_s":600,"absolute_timeout_s":7200},
                      "retention":{"login_events_days":30}})");
    add_user(*a, "ada");
    LoginResult idle = a->login("ada", "a long password");
    EXPECT_THROW(a->login("nobody", "whatever"), sdk::Error); // a counter for an unknown name
    advance(400);
    LoginResult busy = a->login("ada", "a long password");
    SweepCounts none = a->sweep(now());
    EXPECT_EQ(none.sessions_expired, 0);
    advance(300); // idle ended (700 s unused), busy still fine
    SweepCounts first = a->sweep(now());
    EXPECT_EQ(first.sessions_expired, 1);
    EXPECT_THROW(a->check(idle.token), sdk::Error);
    EXPECT_NO_THROW(a->check(busy.token));
    advance(31 * 86400);
    SweepCounts later = a->sweep(now());
    EXPECT_EQ(later.sessions_expired, 1);
    EXPECT_GE(later.events_removed, 3); // two logins and the first expiry
    EXPECT_EQ(later.counters_removed, 1);
    EXPECT_EQ(db_.sql().query("SELECT COUNT(*) FROM accounts_sessions").at(0).i64(0), 0);
    EXPECT_EQ(db_.sql().query("SELECT COUNT(*) FROM accounts_throttle").at(0).i64(0), 0);
    // Idempotent.
    SweepCounts again = a->sweep(now());
    EXPECT_EQ(again.sessions_expired + again.events_removed + again.counters_removed, 0);
}

} // namespace
} // namespace plinth::accounts
