// The storage kit against the real server: migrations, retries, pooling.
#include "support/test_host.hpp"

#include <plinth/storage/migrations.hpp>

#include <gtest/gtest.h>

#include <barrier>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace plinth;
using storage::Migration;

const Migration kV1[] = {
    {"001_init", "CREATE TABLE items (\n id BIGINT PRIMARY KEY,\n label VARCHAR(64) NOT NULL\n) ENGINE=InnoDB;\n"},
    {"002_more", "-- a comment line\nALTER TABLE items ADD COLUMN qty INT NOT NULL DEFAULT 0;\n"
                 "INSERT INTO items (id, label) VALUES (1, 'a;b'), (2, 'two');\n"},
};

class Storage : public ::testing::Test {
protected:
    void SetUp() override { db_ = std::make_unique<test::TestDatabase>(
        ::testing::UnitTest::GetInstance()->current_test_info()->name()); }
    storage::Pool pool(size_t size = 4) {
        storage::DbConfig c = db_->db_config();
        c.pool_size = size;
        return storage::Pool(c);
    }
    int64_t count(const std::string &table) {
        return db_->sql().query("SELECT COUNT(*) FROM " + table).at(0).i64(0);
    }
    std::unique_ptr<test::TestDatabase> db_;
};

TEST(SplitStatements, SplitsOnTrailingSemicolonsAndDropsComments) {
    auto s = storage::split_statements("-- c\nCREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);\n  -- tail\n");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0], "CREATE TABLE a (x INT)");
    EXPECT_EQ(s[1], "INSERT INTO a VALUES (1)");
    // A ';' inside a line (a string literal) does not split.
    EXPECT_EQ(storage::split_statements("INSERT INTO a VALUES ('x;y');\n").size(), 1u);
}

// Galera's transient errors are retried, on another node when the one reached cannot serve. A
// COMMIT that a node cut off from the majority could not replicate (1180, seen when a node was
// killed under load) applied nothing; any other 1180 may have, and is not retried.
TEST(DbErrorKinds, ANodeOutsideThePrimaryComponentIsRetriedElsewhere) {
    storage::DbError cut_off(1180, "Error while appending streaming replication fragment(provider status: Not "
                                   "connected to Primary Component)");
    EXPECT_TRUE(cut_off.node_unready());
    EXPECT_TRUE(cut_off.retry_transaction());
    storage::DbError joining(1047, "WSREP has not yet prepared node for application use");
    EXPECT_TRUE(joining.node_unready());
    EXPECT_TRUE(joining.retry_transaction());
    storage::DbError disk(1180, "Got error 28 \"No space left on device\" during COMMIT");
    EXPECT_FALSE(disk.node_unready());
    EXPECT_FALSE(disk.retry_transaction());
    storage::DbError conflict(1213, "Deadlock found when trying to get lock; try restarting transaction");
    EXPECT_TRUE(conflict.retry_transaction());
    EXPECT_FALSE(conflict.node_unready());
}

TEST_F(Storage, MigrationsApplyOnceInOrder) {
    auto p = pool();
    auto first = storage::migrate(p, "kit", kV1);
    EXPECT_EQ(first.at("applied").as_array().size(), 2u);
    EXPECT_EQ(first.at("current").as_string(), "002_more");
    auto second = storage::migrate(p, "kit", kV1);
    EXPECT_TRUE(second.at("applied").as_array().empty());
    EXPECT_EQ(count("items"), 2);
    EXPECT_EQ(count("plinth_schema_migrations"), 2);
}

TEST_F(Storage, ChangedAppliedMigrationIsRefused) {
    auto p = pool();
    storage::migrate(p, "kit", kV1);
    const Migration edited[] = {kV1[0], {"002_more", "ALTER TABLE items ADD COLUMN qty2 INT;\n"}};
    try {
        storage::migrate(p, "kit", edited);
        FAIL() << "an edited migration was accepted";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_CONFLICT);
        EXPECT_NE(std::string(e.what()).find("002_more"), std::string::npos);
    }
    auto columns = db_->sql().query("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ? "
                                    "AND table_name = 'items' AND column_name = 'qty2'", {db_->name()});
    EXPECT_EQ(columns.at(0).i64(0), 0);
}

// Issue 14: a start that finds every migration recorded runs no DDL at all (on Galera each DDL
// is a cluster-wide operation).
TEST_F(Storage, AnOrdinaryStartRunsNoDdl) {
    {
        auto p = pool();
        storage::migrate(p, "kit", kV1);
    }
    auto p = pool(1); // one connection: the session counters below are the migration's own
    auto report = storage::migrate(p, "kit", kV1);
    EXPECT_TRUE(report.at("applied").as_array().empty());
    p.run([](storage::Connection &c) {
        for (const char *counter : {"Com_create_table", "Com_alter_table", "Com_drop_table"}) {
            auto rows = c.query("SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = ?",
                                {std::string(counter)});
            EXPECT_EQ(rows.at(0).i64(0), 0) << counter;
        }
    });
}

// Issue 14: a host that stopped half-way through a migration (its ALTER applied, nothing
// recorded, its claim left behind) is repaired by the next run, with no hand work.
TEST_F(Storage, AMigrationInterruptedHalfWayIsRepairedByTheNextRun) {
    auto p = pool();
    storage::migrate(p, "kit", std::span(kV1, 1));
    p.run([](storage::Connection &c) {
        c.execute_trusted("ALTER TABLE items ADD COLUMN qty INT NOT NULL DEFAULT 0"); // 002's first statement
        c.execute("INSERT INTO plinth_schema_migrations (module, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                  {"kit", "~claim", std::string(64, 'a'), 1});
    });
    storage::MigrateOptions options;
    options.claim_stale_s = 1;
    auto report = storage::migrate(p, "kit", kV1, options);
    ASSERT_EQ(report.at("applied").as_array().size(), 1u);
    EXPECT_EQ(report.at("applied").at(0).as_string(), "002_more");
    EXPECT_EQ(count("items"), 2); // the seed rows of 002, once
    EXPECT_EQ(count("plinth_schema_migrations"), 2); // both recorded, the claim gone
}

// Issue 14: while another host holds a live claim nothing is applied; the waiter fails clearly
// when it gives up, and succeeds once the claim is released.
TEST_F(Storage, ALiveClaimHoldsOtherHostsBack) {
    auto p = pool();
    storage::migrate(p, "kit", std::span(kV1, 1));
    p.run([](storage::Connection &c) {
        c.execute("INSERT INTO plinth_schema_migrations (module, name, checksum, applied_at) "
                  "VALUES (?, ?, ?, UNIX_TIMESTAMP())",
                  {"kit", "~claim", std::string(64, 'b')});
    });
    storage::MigrateOptions options;
    options.claim_wait_s = 1;
    try {
        storage::migrate(p, "kit", kV1, options);
        FAIL() << "applied migrations under another host's claim";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_UNAVAILABLE);
        EXPECT_NE(std::string(e.what()).find("another host"), std::string::npos) << e.what();
    }
    auto columns = db_->sql().query("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ? "
                                    "AND table_name = 'items' AND column_name = 'qty'",
                                    {db_->name()});
    EXPECT_EQ(columns.at(0).i64(0), 0);
    db_->sql().execute("DELETE FROM plinth_schema_migrations WHERE name = ?", {"~claim"});
    EXPECT_EQ(storage::migrate(p, "kit", kV1).at("applied").as_array().size(), 1u);
}

// Issue 14: a statement never fails as "database error 0".
TEST_F(Storage, ErrorsAlwaysCarryTheServersCode) {
    auto p = pool();
    try {
        p.run([](storage::Connection &c) { c.query("SELECT * FROM no_such_table WHERE id = ?", {1}); });
        FAIL();
    } catch (const storage::DbError &e) {
        EXPECT_EQ(e.code(), 1146u);
        EXPECT_EQ(std::string(e.what()).find("database error 0"), std::string::npos);
    }
}

// Issue 14: database.hosts is an ordered list; the first that answers is used, and a server
// that is down is skipped within the reconnect bound.
TEST_F(Storage, HostsListFailsOverToTheNextServer) {
    boost::json::object json{{"database", db_->name()},
                             {"hosts", {"/nonexistent/first.sock", db_->socket()}},
                             {"reconnect_timeout_ms", 2000}};
    storage::DbConfig c = storage::DbConfig::from_json(json);
    ASSERT_EQ(c.hosts.size(), 2u);
    storage::Pool p(c);
    auto lease = p.acquire();
    EXPECT_EQ(lease->endpoint(), 1u);
    EXPECT_EQ(lease->query("SELECT 7").at(0).i64(0), 7);
    EXPECT_THROW(storage::DbConfig::from_json({{"database", "x"}, {"hosts", boost::json::array{}}}), sdk::Error);
    EXPECT_THROW(storage::DbConfig::from_json({{"database", "x"}, {"hosts", {"db:notaport"}}}), sdk::Error);
    EXPECT_THROW(storage::DbConfig::from_json({{"database", "x"}, {"hosts", {42}}}), sdk::Error);
}

// On a server that is not a Galera node, causal reads cost nothing and change nothing.
TEST_F(Storage, CausalReadsAreANoOpOffGalera) {
    auto p = pool(1);
    p.run([](storage::Connection &c) {
        uint64_t before = c.statements_sent();
        {
            storage::CausalReads causal(c);
            EXPECT_EQ(c.query("SELECT 1").at(0).i64(0), 1);
        }
        EXPECT_FALSE(c.galera());
        EXPECT_EQ(c.statements_sent() - before, 1u);
    });
}

TEST_F(Storage, TwoProcessesMigratingAtOnceEndWithOneSchema) {
    // Fork real processes: each opens its own connections and races for the named lock.
    std::vector<pid_t> children;
    for (int i = 0; i < 2; ++i) {
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            try {
                storage::Pool p(db_->db_config());
                storage::migrate(p, "kit", kV1);
                _exit(0);
            } catch (...) {
                _exit(1);
            }
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    EXPECT_EQ(count("plinth_schema_migrations"), 2);
    EXPECT_EQ(count("items"), 2); // the INSERT ran exactly once
}

TEST_F(Storage, PreparedStatementsRoundTripTypesAndBlobs) {
    auto p = pool();
    p.run([](storage::Connection &c) {
        c.execute_trusted("CREATE TABLE t (id BIGINT AUTO_INCREMENT PRIMARY KEY, s VARCHAR(200), b LONGBLOB, "
                          "d DOUBLE, n BIGINT NULL)");
    });
    std::string blob(3 << 20, '\0');
    for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>(i * 7);
    auto rows = p.run([&](storage::Connection &c) {
        c.execute("INSERT INTO t (s, b, d, n) VALUES (?, ?, ?, ?)",
                  {"héllo ' \" \\", storage::Param::bytes(blob.data(), blob.size()), 2.5, nullptr});
        EXPECT_EQ(c.last_insert_id(), 1u);
        return c.query("SELECT s, b, d, n FROM t WHERE id = ?", {1});
    });
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].str(0), "héllo ' \" \\");
    EXPECT_EQ(rows[0].str(1), blob);
    EXPECT_DOUBLE_EQ(rows[0].f64(2), 2.5);
    EXPECT_TRUE(rows[0].is_null(3));
}

TEST_F(Storage, RealDeadlockIsRetriedToSuccess) {
    auto p = pool(4);
    p.run([](storage::Connection &c) {
        c.execute_trusted("CREATE TABLE acct (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
        c.execute("INSERT INTO acct VALUES (1, 0), (2, 0)");
    });
    // Both transactions lock their first row, meet at the barrier, then reach for the other's
    // row: InnoDB kills one with 1213, and the kit must rerun it whole.
    std::barrier meet(2);
    std::atomic<int> attempts{0};
    auto transfer = [&](int first, int second) {
        bool first_attempt = true;
        p.transaction([&](storage::Connection &c) {
            attempts++;
            c.query("SELECT v FROM acct WHERE id = ? FOR UPDATE", {first});
            if (first_attempt) {
                first_attempt = false;
                meet.arrive_and_wait();
            }
            c.execute("UPDATE acct SET v = v + 1 WHERE id = ?", {second});
            c.execute("UPDATE acct SET v = v + 1 WHERE id = ?", {first});
        });
    };
    std::thread a(transfer, 1, 2), b(transfer, 2, 1);
    a.join();
    b.join();
    EXPECT_GE(p.transaction_retries(), 1u);
    EXPECT_GE(attempts.load(), 3);
    auto rows = db_->sql().query("SELECT SUM(v) FROM acct");
    EXPECT_EQ(rows.at(0).i64(0), 4); // both transfers applied exactly once
}

TEST_F(Storage, FailedTransactionRollsBackEverything) {
    auto p = pool();
    p.run([](storage::Connection &c) { c.execute_trusted("CREATE TABLE r (id INT PRIMARY KEY) ENGINE=InnoDB"); });
    EXPECT_THROW(p.transaction([](storage::Connection &c) {
        c.execute("INSERT INTO r VALUES (1)");
        throw sdk::conflict("rule broken");
    }), sdk::Error);
    EXPECT_EQ(count("r"), 0);
    try {
        p.transaction([](storage::Connection &c) {
            c.execute("INSERT INTO r VALUES (2)");
            c.execute("INSERT INTO r VALUES (2)");
        });
        FAIL();
    } catch (const storage::DbError &e) {
        EXPECT_TRUE(e.duplicate_key());
        EXPECT_EQ(e.status(), PLINTH_E_DATABASE);
    }
    EXPECT_EQ(count("r"), 0);
}

TEST_F(Storage, PoolIsBoundedAndReusesConnections) {
    auto p = pool(2);
    {
        auto a = p.acquire();
        auto b = p.acquire();
        EXPECT_NE(&*a, &*b);
    }
    storage::Connection *first;
    {
        auto c = p.acquire();
        first = &*c;
    }
    auto again = p.acquire();
    EXPECT_EQ(&*again, first);
}

// Two pools stand for two modules of one process: they share one budget of two connections.
TEST_F(Storage, PoolsSharingABudgetStayWithinItByClosingIdleConnections) {
    auto budget = std::make_shared<storage::LocalConnectionBudget>(2);
    storage::DbConfig config = db_->db_config();
    config.budget = budget;
    storage::Pool first(config), second(config);
    // Sessions on this test's database, once the server has finished ending closed ones (a
    // client's close returns before the server thread is gone).
    auto server_connections = [&] {
        int64_t n = 0;
        for (int i = 0; i < 500; ++i) {
            n = db_->sql()
                    .query("SELECT COUNT(*) FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()",
                           {db_->name()})
                    .at(0)
                    .i64(0);
            if (n <= 2) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return n;
    };
    {
        auto a = first.acquire();
        auto b = first.acquire(); // both slots taken; both connections go back idle
    }
    EXPECT_EQ(budget->in_use(), 2u);
    EXPECT_EQ(server_connections(), 2);
    {
        // The second pool needs a connection: the budget closes one of the first pool's idle ones.
        auto c = second.acquire();
        EXPECT_EQ(c->query("SELECT 1").at(0).i64(0), 1);
        EXPECT_EQ(budget->in_use(), 2u);
        EXPECT_EQ(server_connections(), 2);
        auto d = second.acquire();
        EXPECT_EQ(server_connections(), 2);
    } // both of the second pool's connections idle now
    // And the first pool gets one back from the second.
    auto e = first.acquire();
    EXPECT_EQ(e->query("SELECT 2").at(0).i64(0), 2);
    EXPECT_EQ(budget->in_use(), 2u);
    EXPECT_EQ(server_connections(), 2);
}

TEST_F(Storage, ExhaustedBudgetWaitsThenFailsCleanlyWithUnavailable) {
    auto budget = std::make_shared<storage::LocalConnectionBudget>(2);
    storage::DbConfig config = db_->db_config();
    config.budget = budget;
    config.acquire_timeout_ms = 200;
    storage::Pool busy(config), late(config);
    auto a = busy.acquire();
    auto b = busy.acquire();
    try {
        late.acquire();
        FAIL() << "a third connection was opened beyond a budget of two";
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_E_UNAVAILABLE);
        EXPECT_NE(std::string(e.what()).find("connection_budget"), std::string::npos) << e.what();
    }
    EXPECT_EQ(budget->in_use(), 2u);

    // A waiter gets the slot a busy pool gives back, instead of failing.
    config.acquire_timeout_ms = 60000;
    storage::Pool patient(config);
    std::atomic<bool> got{false};
    std::thread waiter([&] {
        auto lease = patient.acquire();
        got = lease->query("SELECT 1").at(0).i64(0) == 1;
    });
    while (budget->waiting() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    { auto returned = std::move(a); } // back to `busy`, which sees the waiter and closes it
    waiter.join();
    EXPECT_TRUE(got.load());
    EXPECT_LE(budget->in_use(), 2u);
}

TEST_F(Storage, ConnectionBudgetSettingIsValidated) {
    EXPECT_EQ(storage::connection_budget_limit({}), 8u);
    EXPECT_EQ(storage::connection_budget_limit({{"database", {{"connection_budget", 3}}}}), 3u);
    for (boost::json::value bad : {boost::json::value(1), boost::json::value(0), boost::json::value(-4),
                                   boost::json::value("8"), boost::json::value(2.5), boost::json::value(100000)}) {
        try {
            storage::connection_budget_limit({{"database", {{"connection_budget", bad}}}});
            FAIL() << "accepted " << boost::json::serialize(bad);
        } catch (const sdk::Error &e) {
            EXPECT_EQ(e.status(), PLINTH_E_INVALID_ARGUMENT);
        }
    }
}

TEST_F(Storage, BadConfigurationIsAClearError) {
    EXPECT_THROW(storage::DbConfig::from_json({{"database", "x"}}), sdk::Error);
    EXPECT_THROW(storage::DbConfig::from_json({{"socket", "/tmp/x"}}), sdk::Error);
    storage::DbConfig c = db_->db_config();
    c.socket = "/nonexistent/socket";
    c.connect_timeout_s = 1;
    c.reconnect_timeout_ms = 200; // retried with backoff for that long, then the server's error
    storage::Pool p(c);
    try {
        p.run([](storage::Connection &conn) { return conn.query("SELECT 1"); });
        FAIL();
    } catch (const storage::DbError &e) {
        EXPECT_EQ(e.status(), PLINTH_E_DATABASE);
        EXPECT_NE(e.code(), 0u);
    }
}

} // namespace
