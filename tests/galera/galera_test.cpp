// Plinth on a three-node Galera cluster on loopback (tools/galera.sh), a host attached to each
// node: migrations raced from three hosts, a seat race spread over the nodes, a revocation seen
// across nodes, and a node killed under load. Label `galera`; see README for how to run it.
//
// Each scenario failed before its fix: the seat race (an activation through a node that had not
// applied the license yet answered "no license has this key"), the node kill (a rejoining node's
// state transfer could not write its data folder; a COMMIT on a node outside the primary
// component, 1180, was not retried elsewhere). The revocation scenario compared lowercase codes.
// Found on the way: a causal read asked inside a transaction another node had aborted took the
// abort for "not Galera", and the transaction's later statements ran in autocommit.
#include "support/galera_cluster.hpp"
#include "support/test_host.hpp"

#include <plinth/storage/migrations.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace plinth;
using boost::json::object;
using boost::json::value;

// The cluster the `galera` fixture starts: $PLINTH_GALERA_DIR, else `galera` beside the test sandbox.
std::string galera_dir() {
    if (const char *d = std::getenv("PLINTH_GALERA_DIR"); d && *d) return d;
    const char *sandbox = std::getenv("PLINTH_TEST_DB_DIR");
    if (sandbox == nullptr) throw std::runtime_error("run through ctest -L galera (PLINTH_GALERA_DIR is not set)");
    return (std::filesystem::path(sandbox).parent_path() / "galera").string();
}
std::string node_socket(int i) { return test::galera_node_socket(galera_dir(), i); }

int galera(const std::string &args) {
    std::string cmd = std::string(PLINTH_SOURCE_DIR) + "/tools/galera.sh " + args + " '" + galera_dir() + "' >/dev/null 2>&1";
    return std::system(cmd.c_str());
}

storage::DbConfig node_config(int i, const std::string &database) {
    return test::galera_node_config(galera_dir(), i, database);
}

class Galera : public ::testing::Test {
protected:
    void SetUp() override {
        const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
        database_ = "g_" + std::string(info->name()).substr(0, 30) + "_" + std::to_string(::getpid());
        admin_ = std::make_unique<storage::Connection>(node_config(1, "mysql"), &counter_);
        admin_->execute_trusted("DROP DATABASE IF EXISTS `" + database_ + "`");
        admin_->execute_trusted("CREATE DATABASE `" + database_ + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        // Node 1 returns once it made the database; the others apply it a moment later. A causal
        // read on each waits until it has.
        for (int n = 2; n <= 3; ++n) {
            storage::Connection c(node_config(n, "mysql"), &counter_);
            storage::CausalReads causal(c);
            ASSERT_EQ(c.query("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", {database_})
                          .at(0)
                          .i64(0),
                      1)
                << "node " << n;
        }
        state_dir_ = std::string(PLINTH_TEST_STATE_DIR) + "/galera-" + std::to_string(::getpid());
        std::filesystem::create_directories(state_dir_);
    }
    void TearDown() override {
        hosts_.clear();
        if (!admin_) return;
        try {
            if (admin_->broken()) admin_->reconnect();
            admin_->execute_trusted("DROP DATABASE IF EXISTS `" + database_ + "`");
        } catch (...) {
        }
        std::filesystem::remove_all(state_dir_);
    }

    // A host attached to `nodes` (the first preferred, the others its failover list).
    std::unique_ptr<host::Host> make_host(std::vector<int> nodes, std::vector<std::string> modules,
                                          object licenses_config = {}) {
        host::HostOptions o;
        o.module_paths = {PLINTH_TEST_MODULE_DIR};
        o.only_modules = std::move(modules);
        boost::json::array hosts;
        for (int n : nodes) hosts.emplace_back(node_socket(n));
        o.config = object{{"database", object{{"hosts", hosts}, {"database", database_}, {"user", "root"},
                                               {"reconnect_timeout_ms", 30000}, {"max_txn_attempts", 30}}},
                          {"licenses", licenses_config},
                          {"accounts", {{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}}}}};
        o.state_dir = state_dir_; // one state folder: the hosts share their keys
        o.log = [](int32_t, std::string_view, std::string_view) {};
        auto h = std::make_unique<host::Host>(std::move(o));
        h->load();
        return h;
    }

    storage::Connection &node(int i) {
        auto &c = nodes_[i];
        if (!c || c->broken()) c = std::make_unique<storage::Connection>(node_config(i, database_), &counter_);
        return *c;
    }

    std::string database_;
    std::string state_dir_;
    std::atomic<uint64_t> counter_{0};
    std::unique_ptr<storage::Connection> admin_;
    std::map<int, std::unique_ptr<storage::Connection>> nodes_;
    std::vector<std::unique_ptr<host::Host>> hosts_;
};

const plinth_call_context kStaff = host::user_caller(900, PLINTH_ROLE_STAFF);

value call(host::Host &h, std::string_view command, const object &args, const plinth_call_context &who) {
    return h.call("licenses", command, boost::json::serialize(args), who);
}

TEST_F(Galera, ThreeHostsMigratingAtOnceOnAnEmptyClusterAllComeUp) {
    const std::vector<std::string> modules{"accounts", "licenses", "tickets", "prompts", "privacy"};
    std::vector<pid_t> children;
    for (int n = 1; n <= 3; ++n) {
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int refused = 0;
            try {
                auto h = make_host({n}, modules);
                for (const auto &m : h->modules())
                    if (!m.loaded && !m.id.empty() && std::find(modules.begin(), modules.end(), m.id) != modules.end()) {
                        std::fprintf(stderr, "node %d: %s refused: %s\n", n, m.id.c_str(), m.refusal.c_str());
                        ++refused;
                    }
            } catch (const std::exception &e) {
                std::fprintf(stderr, "node %d: %s\n", n, e.what());
                refused = 1;
            }
            _exit(refused == 0 ? 0 : 1);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    // Each migration recorded once, no claim left, read on another node than node 1.
    for (const std::string &m : modules) {
        size_t files = 0;
        for (const auto &f : std::filesystem::directory_iterator(std::string(PLINTH_SOURCE_DIR) + "/sql/" + m))
            files += f.path().extension() == ".sql";
        auto rows = node(3).query("SELECT COUNT(*) FROM plinth_schema_migrations WHERE module = ? AND name <> '~claim'",
                                  {m});
        EXPECT_EQ(rows.at(0).i64(0), static_cast<int64_t>(files)) << m;
    }
    EXPECT_EQ(node(2).query("SELECT COUNT(*) FROM plinth_schema_migrations WHERE name = '~claim'").at(0).i64(0), 0);
}

TEST_F(Galera, AWriteConflictBetweenNodesFailsWithTheServersErrorNeverError0) {
    node(1).execute_trusted("CREATE TABLE conflict_row (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
    node(1).execute("INSERT INTO conflict_row VALUES (1, 0)");
    for (int round = 0; round < 5; ++round) {
        storage::Connection &winner = node(1);
        storage::Connection &loser = node(2);
        {
            storage::CausalReads causal(loser); // node 2 has the row and every earlier round
            ASSERT_EQ(loser.query("SELECT COUNT(*) FROM conflict_row").at(0).i64(0), 1);
        }
        loser.begin();
        loser.execute("UPDATE conflict_row SET v = v + 10 WHERE id = 1"); // holds node 2's row lock only
        winner.begin();
        winner.execute("UPDATE conflict_row SET v = v + 1 WHERE id = 1");
        winner.commit(); // certified first: node 2 must abort its local transaction
        try {
            // Either statement, or COMMIT, meets the conflict: a brute-force abort or a failed
            // certification, both 1213. Prepared statements once reported it as error 0.
            loser.execute("UPDATE conflict_row SET v = v + 100 WHERE id = 1");
            loser.commit();
            ADD_FAILURE() << "round " << round << ": the conflicting transaction committed";
        } catch (const storage::DbError &e) {
            EXPECT_EQ(e.code(), 1213u) << e.what();
            EXPECT_EQ(std::string(e.what()).find("database error 0"), std::string::npos) << e.what();
            EXPECT_TRUE(e.retry_transaction()) << e.what();
        }
        loser.rollback();
    }
    storage::CausalReads causal(node(3));
    EXPECT_EQ(node(3).query("SELECT v FROM conflict_row WHERE id = 1").at(0).i64(0), 5) << "only the winners' writes";
}

TEST_F(Galera, ATransactionAbortedByAnotherNodeIsReportedByACausalReadInsideIt) {
    node(1).execute_trusted("CREATE TABLE aborted_row (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
    node(1).execute("INSERT INTO aborted_row VALUES (1, 0)");
    for (int round = 0; round < 3; ++round) {
        storage::Connection loser(node_config(2, database_), &counter_); // has not asked whether it is on Galera
        {
            storage::Connection reader(node_config(2, database_), &counter_);
            storage::CausalReads causal(reader);
            ASSERT_EQ(reader.query("SELECT COUNT(*) FROM aborted_row").at(0).i64(0), 1);
        }
        loser.begin();
        loser.execute("UPDATE aborted_row SET v = v + 10 WHERE id = 1");
        node(1).begin();
        node(1).execute("UPDATE aborted_row SET v = v + 1 WHERE id = 1");
        node(1).commit();
        // The applier of node 1's write aborts the loser as soon as it reaches node 2; wait for it
        // (a state, not a time: the row shows node 1's value to another session).
        storage::Connection watcher(node_config(2, database_), &counter_);
        for (int i = 0; i < 600 && watcher.query("SELECT v FROM aborted_row WHERE id = 1").at(0).i64(0) != round + 1; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        // Asking for causal reads now must report the abort, not take it for "not Galera" and
        // let the next statements run outside any transaction.
        try {
            storage::CausalReads causal(loser);
            loser.execute("UPDATE aborted_row SET v = v + 100 WHERE id = 1");
            loser.commit();
            ADD_FAILURE() << "round " << round << ": the aborted transaction went on";
        } catch (const storage::DbError &e) {
            EXPECT_EQ(e.code(), 1213u) << e.what();
        }
        loser.rollback();
    }
    storage::CausalReads causal(node(3));
    EXPECT_EQ(node(3).query("SELECT v FROM aborted_row WHERE id = 1").at(0).i64(0), 3) << "only node 1's writes";
}

TEST_F(Galera, SeatLimitHoldsWithActivationsSpreadOverThreeNodes) {
    for (int n = 1; n <= 3; ++n) hosts_.push_back(make_host({n}, {"licenses"}));
    call(*hosts_[0], "product.create", object{{"slug", "seo"}, {"name", "SEO Pro"}}, kStaff);
    int64_t policy = call(*hosts_[0], "policy.create",
                          object{{"product", "seo"}, {"name", "three"}, {"seat_limit", 3}, {"staging_exempt", false}},
                          kStaff)
                         .at("id")
                         .as_int64();
    constexpr int kPerNode = 4;
    for (int round = 0; round < 4; ++round) {
        value l = call(*hosts_[round % 3], "license.issue", object{{"user_id", 7}, {"policy_id", policy}}, kStaff);
        std::string key(l.at("key").as_string());
        std::atomic<int> ok{0}, refused{0};
        std::vector<std::string> other;
        std::mutex other_mutex;
        std::vector<std::thread> threads;
        for (int n = 0; n < 3; ++n)
            for (int t = 0; t < kPerNode; ++t)
                threads.emplace_back([&, n, t] {
                    std::string site = "https://r" + std::to_string(round) + "-n" + std::to_string(n) + "-" +
                                       std::to_string(t) + ".example.com";
                    try {
                        call(*hosts_[n], "activation.activate", object{{"key", key}, {"site", site}},
                             host::anonymous_caller());
                        ++ok;
                    } catch (const sdk::Error &e) {
                        if (e.status() == PLINTH_E_LIMIT_EXCEEDED) {
                            ++refused;
                        } else {
                            std::lock_guard lock(other_mutex);
                            other.push_back(e.what());
                        }
                    }
                });
        for (auto &t : threads) t.join();
        EXPECT_EQ(ok.load(), 3) << "round " << round;
        EXPECT_EQ(refused.load(), 3 * kPerNode - 3) << "round " << round;
        for (const std::string &e : other) ADD_FAILURE() << "round " << round << ": " << e;
        int64_t id = l.at("id").as_int64();
        EXPECT_EQ(node(2).query("SELECT COUNT(*) FROM license_activations WHERE license_id = ?", {id}).at(0).i64(0), 3);
        EXPECT_EQ(node(3).query("SELECT seats_used FROM licenses WHERE id = ?", {id}).at(0).i64(0), 3);
    }
}

TEST_F(Galera, ARevocationOnNode1IsSeenByAHostOnNode3) {
    auto writer = make_host({1}, {"licenses"});
    call(*writer, "product.create", object{{"slug", "seo"}, {"name", "SEO Pro"}}, kStaff);
    int64_t policy =
        call(*writer, "policy.create", object{{"product", "seo"}, {"name", "one"}, {"seat_limit", 1}}, kStaff).at("id").as_int64();
    value l = call(*writer, "license.issue", object{{"user_id", 7}, {"policy_id", policy}}, kStaff);
    std::string key(l.at("key").as_string());
    call(*writer, "activation.activate", object{{"key", key}, {"site", "https://shop.example.com"}}, host::anonymous_caller());

    // A long-running host on node 3, started after the schema exists: it runs no DDL.
    auto reader = make_host({3}, {"licenses"}, object{{"cache", {{"staleness_ms", 500}}}});
    object check{{"key", key}, {"site", "https://shop.example.com"}};
    ASSERT_EQ(call(*reader, "check", check, host::anonymous_caller()).at("code").as_string(), "VALID"); // now cached

    call(*writer, "license.revoke", object{{"id", l.at("id").as_int64()}}, kStaff);
    auto revoked_at = std::chrono::steady_clock::now();
    std::string code;
    for (int i = 0; i < 600; ++i) { // waits for a state, 60 s at most; the time is reported, not asserted
        code = std::string(call(*reader, "check", check, host::anonymous_caller()).at("code").as_string());
        if (code != "VALID") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(code, "REVOKED");
    std::printf("revocation on node 1 seen on node 3 after %lld ms (staleness bound 500 ms)\n",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - revoked_at)
                                           .count()));
}

TEST_F(Galera, KillingANodeUnderActivationLoadLosesAndDuplicatesNothing) {
    auto setup = make_host({1}, {"licenses"});
    call(*setup, "product.create", object{{"slug", "seo"}, {"name", "SEO Pro"}}, kStaff);
    int64_t policy = call(*setup, "policy.create",
                          object{{"product", "seo"}, {"name", "many"}, {"seat_limit", 100000}, {"staging_exempt", false}},
                          kStaff)
                         .at("id")
                         .as_int64();
    value l = call(*setup, "license.issue", object{{"user_id", 7}, {"policy_id", policy}}, kStaff);
    std::string key(l.at("key").as_string());
    int64_t license_id = l.at("id").as_int64();

    // Hosts on node 3 fail over to node 1, then node 2.
    auto victim_host = make_host({3, 1, 2}, {"licenses"});
    std::atomic<bool> stop{false};
    std::set<std::string> confirmed, unknown;
    std::vector<std::string> failures;
    std::mutex m;
    std::vector<std::thread> load;
    for (int t = 0; t < 3; ++t)
        load.emplace_back([&, t] {
            for (int i = 0; !stop.load(); ++i) {
                std::string site = "site-" + std::to_string(t) + "-" + std::to_string(i) + ".example.com";
                try {
                    call(*victim_host, "activation.activate", object{{"key", key}, {"site", "https://" + site}},
                         host::anonymous_caller());
                    std::lock_guard lock(m);
                    confirmed.insert(site);
                } catch (const sdk::Error &e) {
                    std::lock_guard lock(m);
                    // A COMMIT cut off by the kill has an unknown outcome, and says so.
                    if (e.status() == PLINTH_E_UNAVAILABLE) unknown.insert(site);
                    else failures.push_back(e.what());
                }
            }
        });
    std::this_thread::sleep_for(std::chrono::seconds(2));
    size_t at_kill = 0;
    {
        std::lock_guard lock(m);
        at_kill = confirmed.size();
    }
    const int killed = galera("kill 3");
    std::this_thread::sleep_for(std::chrono::seconds(3)); // the hosts go on through node 1
    size_t during_outage = 0;
    {
        std::lock_guard lock(m);
        during_outage = confirmed.size();
    }
    const int rejoined = galera("start 3"); // node 3 rejoins by state transfer
    std::this_thread::sleep_for(std::chrono::seconds(2));
    stop = true;
    for (auto &t : load) t.join();
    ASSERT_EQ(killed, 0);
    ASSERT_EQ(rejoined, 0);

    EXPECT_TRUE(failures.empty()) << failures.size() << " failures, first: " << (failures.empty() ? "" : failures.front());
    std::set<std::string> stored;
    for (const auto &r : node(3).query("SELECT site_canonical FROM license_activations WHERE license_id = ?", {license_id}))
        stored.insert(r.str(0));
    for (const auto &site : confirmed) EXPECT_TRUE(stored.count(site)) << "lost: " << site;
    for (const auto &site : stored) EXPECT_TRUE(confirmed.count(site) || unknown.count(site)) << "unexpected: " << site;
    EXPECT_EQ(node(3).query("SELECT COUNT(*) FROM license_activations WHERE license_id = ?", {license_id}).at(0).i64(0),
              static_cast<int64_t>(stored.size())); // no duplicate rows
    EXPECT_GT(during_outage, at_kill);          // the hosts failed over and went on while node 3 was down
    EXPECT_GT(confirmed.size(), during_outage); // and after it came back
    std::printf("activations: %zu confirmed, %zu unknown outcome, %zu confirmed before the node came back\n",
                confirmed.size(), unknown.size(), during_outage);
}

} // namespace
