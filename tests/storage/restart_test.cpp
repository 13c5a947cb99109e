// The server restarts under a live pool: the next call reconnects and re-prepares.
// Runs alone (RUN_SERIAL): it stops the sandbox every other suite shares.
#include "support/test_host.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace {

using namespace plinth;

int sandbox(const std::string &action) {
    std::string cmd = std::string(PLINTH_SOURCE_DIR) + "/tools/sandbox.sh " + action + " '" +
                      std::getenv("PLINTH_TEST_DB_DIR") + "' >/dev/null 2>&1";
    return std::system(cmd.c_str());
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

} // namespace
