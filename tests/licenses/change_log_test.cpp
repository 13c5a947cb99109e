// The change-log poller with ids that step by more than one, as on a Galera cluster
// (wsrep_auto_increment_control: auto_increment_increment = node count): the ids in between are
// gaps no node will ever fill, and a lower id may still commit after a higher one.
//
// Another node's writes are simulated by inserting change-log rows directly on a session whose
// auto_increment_increment is 3: the sandbox is one server, and the poller only sees ids.
#include "licenses_fixture.hpp"

namespace plinth::licenses::fixture {
namespace {

class ChangeLogGapsTest : public LicensesTest {
protected:
    // Polls every 50 ms; an unseen id is waited for 300 ms.
    object config() override {
        return object{{"licenses", object{{"cache", object{{"staleness_ms", 100}, {"gap_wait_ms", 300}}}}}};
    }

    value stats() { return call("stats", object{}, system); }
    int64_t misses() { return stats().at("cache").at("misses").as_int64(); }

    // Waits (30 s at most) for the poller to report no unseen id; false if it never does.
    bool wait_until_no_gaps() {
        for (int i = 0; i < 1500; ++i) {
            if (stats().at("change_log_gap_ids").as_int64() == 0) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

    std::string key_hash_of(int64_t license_id) {
        return db.sql().query("SELECT key_hash FROM licenses WHERE id = ?", {license_id}).at(0).str(0);
    }
};

TEST_F(ChangeLogGapsTest, IdsSteppingByTheNodeCountKeepTheCacheAndAreForgottenAfterTheWait) {
    product();
    License l = issue(policy(2));
    activate(l.key, "https://shop.example.com");
    wait_for_poller();
    ASSERT_EQ(code(l.key, "https://shop.example.com"), "VALID");
    ASSERT_EQ(code(l.key, "https://shop.example.com"), "VALID");
    const int64_t misses_before = misses();

    // 2100 changes of another license, numbered as a node of a 3-node cluster numbers them: two
    // ids that never come between each pair. Tracked one id at a time, 4200 of them overflowed
    // the poller's bound and cleared the whole cache.
    auto &s = db.sql();
    s.execute_trusted("SET SESSION auto_increment_increment = 3");
    s.execute_trusted("INSERT INTO license_changes (license_id, key_hash, changed_at_us) "
                      "SELECT 0, UNHEX(REPEAT('ab', 16)), 1767225600000000 FROM seq_1_to_2100");
    s.execute_trusted("SET SESSION auto_increment_increment = 1");
    wait_for_poller();

    EXPECT_EQ(code(l.key, "https://shop.example.com"), "VALID");
    EXPECT_EQ(misses(), misses_before) << "the cache was cleared by ids that step by the node count";

    // Ids no node uses are waited for gap_wait_ms, then no longer looked for.
    EXPECT_TRUE(wait_until_no_gaps()) << stats().at("change_log_gap_ids").as_int64() << " ids still waited for";
}

// Gaps waited for a minute: the late change below always arrives while its gap is open.
class LateChangeTest : public ChangeLogGapsTest {
protected:
    object config() override {
        return object{{"licenses", object{{"cache", object{{"staleness_ms", 100}, {"gap_wait_ms", 60000}}}}}};
    }
};

TEST_F(LateChangeTest, AChangeCommittedLateIntoAGapStillEvictsItsLicense) {
    product();
    License l = issue(policy(2));
    activate(l.key, "https://shop.example.com");
    wait_for_poller();
    ASSERT_EQ(code(l.key, "https://shop.example.com"), "VALID"); // cached now

    // Node 3 revokes the license and takes change id top+2 but commits after node 1's change
    // top+4 has been read: the poller must find it in the gap it left.
    auto &s = db.sql();
    const int64_t top = s.query("SELECT COALESCE(MAX(id), 0) FROM license_changes").at(0).i64(0);
    s.execute("INSERT INTO license_changes (id, license_id, key_hash, changed_at_us) VALUES (?, 0, UNHEX(REPEAT('cd', "
              "16)), 1767225600000000)",
              {top + 4});
    wait_for_poller();
    ASSERT_GT(stats().at("change_log_gap_ids").as_int64(), 0);
    s.execute("UPDATE licenses SET status = 2 WHERE id = ?", {l.id}); // 2: revoked
    std::string hash = key_hash_of(l.id);
    s.execute("INSERT INTO license_changes (id, license_id, key_hash, changed_at_us) VALUES (?, ?, ?, "
              "1767225600000000)",
              {top + 2, l.id, storage::Param::bytes(hash.data(), hash.size())});

    std::string seen;
    for (int i = 0; i < 1500; ++i) { // waits for a state (30 s at most), never for a time
        seen = code(l.key, "https://shop.example.com");
        if (seen != "VALID") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(seen, "REVOKED");
}

} // namespace
} // namespace plinth::licenses::fixture
