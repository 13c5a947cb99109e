// Issue 10 item 13: one plinth-host process stays within its connection budget, counted by the
// server, however many modules it loads (each links its own copy of the storage kit).
//
// The CLI runs as an account of its own, so the server can count and cap that account's
// sessions: MAX_USER_CONNECTIONS equal to the budget makes the server itself refuse any
// connection beyond it (a process that kept more would wait on 1226 and then fail), and a
// sampler records the most sessions it saw open together in the process list.
#include "support/test_host.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <deque>
#include <set>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace plinth;

constexpr int kBudget = 3;

class CliConnections : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = std::make_unique<test::TestDatabase>("cli_connections");
        user_ = "plinth_cli_" + std::to_string(::getpid());
        storage::Connection &admin = db_->sql();
        admin.execute_trusted("CREATE USER '" + user_ + "'@'localhost' IDENTIFIED BY 'pw-for-test' " +
                              "WITH MAX_USER_CONNECTIONS " + std::to_string(kBudget));
        admin.execute_trusted("GRANT ALL ON `" + db_->name() + "`.* TO '" + user_ + "'@'localhost'");
        home_ = std::string(PLINTH_TEST_STATE_DIR) + "/cli-connections-" + std::to_string(::getpid());
        std::filesystem::create_directories(home_);
    }
    void TearDown() override {
        try {
            db_->sql().execute_trusted("DROP USER '" + user_ + "'@'localhost'");
        } catch (...) {
        }
        std::filesystem::remove_all(home_);
    }

    void write_config(boost::json::object database_extra) {
        boost::json::object database{{"socket", db_->socket()}, {"database", db_->name()}, {"user", user_},
                                     {"password", "pw-for-test"}};
        for (auto &[k, v] : database_extra) database[k] = v;
        boost::json::array modules;
        for (const char *m : {"accounts", "licenses", "tickets", "prompts", "privacy"})
            modules.emplace_back(std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_" + m + ".so");
        boost::json::object config{
            {"database", database},
            {"modules", {{"paths", modules}}},
            {"accounts", {{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}}}}};
        std::ofstream(home_ + "/plinth.json") << boost::json::serialize(config);
    }

    // Runs plinth-host; returns its exit code, stdout in `out`.
    int run(const std::string &args, std::string *out = nullptr) {
        std::string command = "env -u PLINTH_MODULE_DIR -u PLINTH_DB_SOCKET -u PLINTH_DB_HOST -u PLINTH_DB_NAME "
                              "-u PLINTH_DB_USER -u PLINTH_DB_PASSWORD -u PLINTH_CONFIG PLINTH_HOME='" +
                              home_ + "' " PLINTH_HOST_BINARY " " + args + " 2>&1";
        FILE *pipe = popen(command.c_str(), "r");
        std::array<char, 4096> buffer{};
        std::string text;
        size_t n;
        while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) text.append(buffer.data(), n);
        int status = pclose(pipe);
        if (out) *out = text;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    void wait_for_no_sessions() {
        while (db_->sql().query("SELECT COUNT(*) FROM information_schema.processlist WHERE user = ?", {user_})
                   .at(0)
                   .i64(0) > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

    // Runs `body` while a second thread samples the CLI account's sessions; returns the most
    // sessions that were all open across 50 ms. A closed session stays in the process list for a
    // moment after the server stopped counting it (and after the client opened its successor), so
    // an instantaneous count can show one session too many while the budget holds; the
    // connections a process keeps live far longer than that.
    template <class Body>
    int64_t peak_sessions_during(Body &&body, int64_t *seen = nullptr) {
        std::atomic<bool> done{false};
        std::atomic<int64_t> peak{0}, any{0};
        std::thread sampler([&] {
            std::atomic<uint64_t> counter{0};
            storage::Connection c(db_->db_config(), &counter);
            using Clock = std::chrono::steady_clock;
            std::deque<std::pair<Clock::time_point, std::set<int64_t>>> history;
            while (!done.load()) {
                std::set<int64_t> ids;
                for (const auto &row : c.query("SELECT id FROM information_schema.processlist WHERE user = ?", {user_}))
                    ids.insert(row.i64(0));
                any = std::max<int64_t>(any.load(), static_cast<int64_t>(ids.size()));
                auto now = Clock::now();
                while (history.size() > 1 && now - history[1].first >= std::chrono::milliseconds(50))
                    history.pop_front();
                if (!history.empty() && now - history.front().first >= std::chrono::milliseconds(50)) {
                    int64_t steady = 0;
                    for (int64_t id : ids) steady += history.front().second.count(id);
                    peak = std::max(peak.load(), steady);
                }
                history.emplace_back(now, std::move(ids));
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        });
        body();
        done = true;
        sampler.join();
        if (seen) *seen = any.load();
        return peak.load();
    }

    std::unique_ptr<test::TestDatabase> db_;
    std::string user_;
    std::string home_;
};

TEST_F(CliConnections, OneCallStaysWithinTheProcessBudget) {
    write_config({{"connection_budget", kBudget}});
    std::string migrate_out, call_out;
    int migrate_rc = -1, call_rc = -1;
    int64_t seen = 0;
    int64_t peak = peak_sessions_during([&] {
        migrate_rc = run("migrate", &migrate_out);
        wait_for_no_sessions(); // the next process is counted on its own
        call_rc = run("call accounts register "
                      "'{\"email\":\"budget@example.com\",\"username\":\"budget\",\"first_name\":\"B\","
                      "\"password\":\"a long enough password\"}'",
                      &call_out);
    }, &seen);
    EXPECT_EQ(migrate_rc, 0) << migrate_out;
    EXPECT_EQ(call_rc, 0) << call_out;
    EXPECT_GE(seen, 1); // the sampler saw the process at work
    EXPECT_LE(peak, kBudget);
    std::printf("peak sessions of one CLI call with connection_budget %d: %lld\n", kBudget, static_cast<long long>(peak));
    // Every module came up (the licenses poller included) within those connections.
    auto tables = db_->sql().query("SELECT COUNT(DISTINCT module) FROM plinth_schema_migrations");
    EXPECT_EQ(tables.at(0).i64(0), 5);
}

// The server takes fewer sessions than the concurrent calls would like (the account's cap stands
// for max_connections): every call waits its turn instead of failing.
TEST_F(CliConnections, ConcurrentCallsBeyondTheServerLimitAllSucceed) {
    write_config({{"connection_budget", 2}, {"reconnect_timeout_ms", 120000}});
    ASSERT_EQ(run("migrate"), 0);
    constexpr int kCalls = 8;
    std::vector<int> codes(kCalls, -1);
    std::vector<std::string> outputs(kCalls);
    int64_t peak = peak_sessions_during([&] {
        std::vector<std::thread> calls;
        for (int i = 0; i < kCalls; ++i)
            calls.emplace_back([&, i] { codes[i] = run("call licenses product.list '{}'", &outputs[i]); });
        for (auto &t : calls) t.join();
    });
    for (int i = 0; i < kCalls; ++i) EXPECT_EQ(codes[i], 0) << outputs[i];
    EXPECT_LE(peak, kBudget);
}

TEST_F(CliConnections, ABudgetBelowTwoIsRefusedClearly) {
    write_config({{"connection_budget", 1}});
    std::string out;
    EXPECT_NE(run("migrate", &out), 0);
    EXPECT_NE(out.find("connection_budget"), std::string::npos) << out;
}

} // namespace
