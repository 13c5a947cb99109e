// The server goes away or turns connections away under live pools: calls wait it out.
// Runs alone (RUN_SERIAL): it stops, kills and reconfigures the sandbox every other suite shares.
#include "support/test_host.hpp"

#include <plinth/sdk/db.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <csignal>
#include <fstream>
#include <thread>

namespace {

using namespace plinth;

std::string sandbox_dir() { return std::getenv("PLINTH_TEST_DB_DIR"); }

int sandbox(const std::string &action) {
    std::string cmd = std::string(PLINTH_SOURCE_DIR) + "/tools/sandbox.sh " + action + " '" + sandbox_dir() +
                      "' >/dev/null 2>&1";
    return std::system(cmd.c_str());
}

// kill -9: no shutdown, sessions cut mid-statement, crash recovery on the next start.
void kill_server() {
    pid_t pid = 0;
    std::ifstream(sandbox_dir() + "/mysqld.pid") >> pid;
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    while (::kill(pid, 0) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

// Polls `sql` until it returns a non-zero count (no timing assertion: it waits for a state).
void wait_until(storage::Connection &c, const std::string &sql, std::initializer_list<storage::Param> params) {
    for (;;) {
        if (c.query(sql, params).at(0).i64(0) > 0) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

TEST(StorageRestart, NextCallAfterServerRestartSucceedsWithReprepare) {
    test::TestDatabase db("restart");
    storage::DbConfig config = db.db_config();
    storage::Pool pool(config);
    pool.run([](storage::Connection &c) {
        c.execute_trusted("CREATE TABLE k (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB");
        c.execute("INSERT INTO k VALUES (?, ?)", {1, "one"});
    });
    auto read = [&] {
        return pool.run([](storage::Connection &c) { return c.query("SELECT v FROM k WHERE id = ?", {1}); });
    };
    ASSERT_EQ(read().at(0).str(0), "one"); // statement now prepared and cached on the pooled connection

    ASSERT_EQ(sandbox("stop"), 0);
    ASSERT_EQ(sandbox("start"), 0);

    EXPECT_EQ(read().at(0).str(0), "one"); // 2006/2013 → reconnect → re-prepare → success
    // And a transaction on the (new) connection works too.
    pool.transaction([](storage::Connection &c) { c.execute("UPDATE k SET v = ? WHERE id = ?", {"uno", 1}); });
    EXPECT_EQ(read().at(0).str(0), "uno");
}

// Issue 10 item 12: a call waiting on a row lock when the server is killed, with the server back
// 0.4 s later, completes instead of failing on one immediate reconnect.
TEST(StorageRestart, CallWaitingOnARowLockSurvivesAServerKill) {
    test::TestDatabase db("restart_lock");
    storage::DbConfig config = db.db_config();
    config.reconnect_timeout_ms = 60000; // crash recovery on a loaded machine: generous, not timed
    storage::Pool pool(config);
    pool.run([](storage::Connection &c) {
        c.execute_trusted("CREATE TABLE seat (id INT PRIMARY KEY, holder VARCHAR(10)) ENGINE=InnoDB");
        c.execute("INSERT INTO seat VALUES (?, ?)", {1, "nobody"});
    });

    // Another session holds the row; the pool's transaction queues behind it.
    std::atomic<uint64_t> counter{0};
    storage::Connection blocker(db.db_config(), &counter);
    blocker.begin();
    blocker.query("SELECT holder FROM seat WHERE id = ? FOR UPDATE", {1});
    std::atomic<int> attempts{0};
    std::string failure;
    std::thread waiter([&] {
        try {
            pool.transaction([&](storage::Connection &c) {
                ++attempts;
                c.query("SELECT holder FROM seat WHERE id = ? FOR UPDATE", {1});
                c.execute("UPDATE seat SET holder = ? WHERE id = ?", {"waiter", 1});
            });
        } catch (const std::exception &e) {
            failure = e.what();
        }
    });
    wait_until(db.sql(),
               "SELECT COUNT(*) FROM information_schema.processlist WHERE db = ? AND info LIKE 'SELECT holder%'",
               {db.name()});

    kill_server();
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    ASSERT_EQ(sandbox("start"), 0);
    waiter.join();

    EXPECT_EQ(failure, "");
    EXPECT_GE(attempts.load(), 2);
    storage::Connection after(db.db_config(), &counter); // the test's own sessions died with the server
    auto rows = after.query("SELECT holder FROM seat WHERE id = ?", {1});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].str(0), "waiter");
}

// The same story through plinth.db/1, as a module sees it: a transaction blocked on a row lock
// when the server is killed is run again by the host once the server is back, and commits once.
TEST(StorageRestart, DbServiceTransactionSurvivesAServerKillMidCall) {
    test::TestDatabase db("restart_service");
    boost::json::object config = db.config();
    config["reconnect_timeout_ms"] = 60000; // crash recovery on a loaded machine: generous, not timed
    storage::StandaloneDb service(config, "restart_test");
    sdk::db::Database database{sdk::Host(service.host())};
    database.run([](sdk::db::Connection &c) {
        c.execute("CREATE TABLE seat (id INT PRIMARY KEY, holder VARCHAR(10)) ENGINE=InnoDB");
        c.execute("INSERT INTO seat VALUES (?, ?)", {1, "nobody"});
    });

    std::atomic<uint64_t> counter{0};
    storage::Connection blocker(db.db_config(), &counter);
    blocker.begin();
    blocker.query("SELECT holder FROM seat WHERE id = ? FOR UPDATE", {1});
    std::atomic<int> attempts{0};
    std::string failure;
    std::thread waiter([&] {
        try {
            database.transaction([&](sdk::db::Connection &c) {
                ++attempts;
                c.query("SELECT holder FROM seat WHERE id = ? FOR UPDATE", {1});
                c.execute("UPDATE seat SET holder = ? WHERE id = ?", {"waiter", 1});
            });
        } catch (const std::exception &e) {
            failure = e.what();
        }
    });
    wait_until(db.sql(),
               "SELECT COUNT(*) FROM information_schema.processlist WHERE db = ? AND info LIKE 'SELECT holder%'",
               {db.name()});

    kill_server();
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    ASSERT_EQ(sandbox("start"), 0);
    waiter.join();

    EXPECT_EQ(failure, "");
    EXPECT_GE(attempts.load(), 2);
    storage::Connection after(db.db_config(), &counter);
    auto rows = after.query("SELECT holder FROM seat WHERE id = ?", {1});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].str(0), "waiter");
}

// Issue 10 item 12: 1040 "too many connections" is waited out within the reconnect deadline.
TEST(StorageRestart, TooManyConnectionsIsWaitedOut) {
    test::TestDatabase db("restart_full");
    storage::Connection &admin = db.sql();
    // An account without SUPER: the server keeps one extra connection for SUPER accounts.
    const std::string user = "plinth_full_" + std::to_string(::getpid());
    admin.execute_trusted("CREATE USER '" + user + "'@'localhost' IDENTIFIED BY 'pw-for-test'");
    admin.execute_trusted("GRANT ALL ON `" + db.name() + "`.* TO '" + user + "'@'localhost'");
    int64_t saved = admin.query("SELECT @@GLOBAL.max_connections").at(0).i64(0);
    struct Restore {
        storage::Connection &admin;
        int64_t saved;
        std::string user;
        ~Restore() {
            try {
                admin.execute_trusted("SET GLOBAL max_connections = " + std::to_string(saved));
                admin.execute_trusted("DROP USER '" + user + "'@'localhost'");
            } catch (...) {
            }
        }
    } restore{admin, saved, user};

    storage::DbConfig limited = db.db_config();
    limited.user = user;
    limited.password = "pw-for-test";
    limited.reconnect_timeout_ms = 0; // the fillers must see 1040 at once
    int64_t connected = admin.query("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                                    "WHERE VARIABLE_NAME = 'THREADS_CONNECTED'").at(0).i64(0);
    admin.execute_trusted("SET GLOBAL max_connections = " + std::to_string(connected + 2));

    std::atomic<uint64_t> counter{0};
    std::vector<std::unique_ptr<storage::Connection>> fillers;
    for (;;) {
        try {
            fillers.push_back(std::make_unique<storage::Connection>(limited, &counter));
        } catch (const storage::DbError &e) {
            ASSERT_EQ(e.code(), 1040u) << e.what();
            break;
        }
        ASSERT_LT(fillers.size(), 100u);
    }

    storage::DbConfig patient = limited;
    patient.reconnect_timeout_ms = 60000;
    storage::Pool pool(patient);
    std::string failure;
    int64_t answer = 0;
    std::thread caller([&] {
        try {
            answer = pool.run([](storage::Connection &c) { return c.query("SELECT 42").at(0).i64(0); });
        } catch (const std::exception &e) {
            failure = e.what();
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    fillers.pop_back(); // one connection frees up
    caller.join();
    EXPECT_EQ(failure, "");
    EXPECT_EQ(answer, 42);
}

} // namespace
