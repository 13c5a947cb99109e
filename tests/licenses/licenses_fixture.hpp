// tests/licenses/licenses_fixture.hpp — the licenses module in a real host over a real MariaDB,
// with helpers that read like the commands they run. Shared by the integration test files.
#pragma once

#include "domain/key.hpp"
#include "support/sinks.hpp"
#include "support/test_host.hpp"

#include <plinth/ext/personal_data.h>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

// Counts operator new on threads that ask for it (alloc_counter.cpp replaces operator new for the
// whole test executable; the module's allocations resolve to it too).
namespace alloc_count {
extern thread_local bool counting;
extern thread_local uint64_t allocations;
} // namespace alloc_count

namespace plinth::licenses::fixture {

using boost::json::object;
using boost::json::value;

struct License {
    int64_t id = 0;
    std::string key;
};

inline std::string fresh_key() {
    if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
    return format_key(generate_key());
}

inline std::string str(const value &v, std::string_view member) { return std::string(v.at(member).as_string()); }

class LicensesTest : public ::testing::Test {
protected:
    test::TestDatabase db{"licenses"};
    std::unique_ptr<test::TestHost> host;
    const plinth_call_context system = host::system_caller();
    const plinth_call_context staff = host::user_caller(900, PLINTH_ROLE_STAFF);
    const plinth_call_context owner = host::user_caller(7, PLINTH_ROLE_CUSTOMER);
    const plinth_call_context stranger = host::user_caller(8, PLINTH_ROLE_CUSTOMER);
    const plinth_call_context anonymous = host::anonymous_caller();

    int policies_ = 0;

    virtual object config() { return {}; }

    void SetUp() override { host = std::make_unique<test::TestHost>(db, std::vector<std::string>{"licenses"}, config()); }

    value call(std::string_view command, const value &args, const plinth_call_context &who) {
        return host->call("licenses", command, args, who);
    }

    int32_t fails(std::string_view command, std::string_view raw, const plinth_call_context &who,
                  std::string *message = nullptr) {
        return host->call_error("licenses", command, raw, who, message);
    }

    void product(std::string_view slug = "seo") {
        call("product.create", object{{"slug", slug}, {"name", "SEO Pro"}}, staff);
    }

    int64_t policy(int64_t seats, object extra = {}, std::string_view product = "seo") {
        object args{{"product", product}, {"name", "policy " + std::to_string(++policies_)}, {"seat_limit", seats}};
        for (auto &m : extra) args[m.key()] = m.value();
        return call("policy.create", args, staff).at("id").as_int64();
    }

    License issue(int64_t policy_id, int64_t user = 7) {
        value v = call("license.issue", object{{"user_id", user}, {"policy_id", policy_id}}, staff);
        return License{v.at("id").as_int64(), str(v, "key")};
    }

    value activate(const std::string &key, std::string_view site) {
        return call("activation.activate", object{{"key", key}, {"site", site}}, anonymous);
    }

    value check(const std::string &key, std::string_view site, std::string_view product = {}) {
        object args{{"key", key}, {"site", site}};
        if (!product.empty()) args["product"] = product;
        return call("check", args, anonymous);
    }

    std::string code(const std::string &key, std::string_view site, std::string_view product = {}) {
        return str(check(key, site, product), "code");
    }

    // Waits (up to 30 s) until this host's change-log poller has read every change committed so
    // far, so that its evictions cannot interleave with what a test counts next.
    void wait_for_poller() {
        int64_t newest = db.sql().query("SELECT COALESCE(MAX(id), 0) FROM license_changes").front().i64(0);
        for (int i = 0; i < 1500; ++i) {
            if (call("stats", object{}, system).at("last_change_id").as_int64() >= newest) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ADD_FAILURE() << "the change-log poller did not reach change " << newest;
    }

    uint64_t statements() { return call("stats", object{}, system).at("statements_executed").to_number<uint64_t>(); }

    int64_t count(const std::string &sql_text, int64_t id) {
        return db.sql().query(sql_text, {id}).front().i64(0);
    }

    // The license row's activation summary (what checks read) against license_activations.
    void expect_summary_matches(int64_t license_id) {
        std::string want = "\n";
        int64_t seats = 0;
        for (const auto &r : db.sql().query("SELECT site_canonical, exempt FROM license_activations "
                                            "WHERE license_id = ? ORDER BY site_canonical",
                                            {license_id})) {
            want += r.str(0) + "\n";
            seats += r.i64(1) == 0;
        }
        auto row = db.sql().query("SELECT activated_sites, seats_used FROM licenses WHERE id = ?", {license_id});
        ASSERT_EQ(row.size(), 1u);
        EXPECT_EQ(row.front().str(0), want) << "license " << license_id;
        EXPECT_EQ(row.front().i64(1), seats) << "license " << license_id;
    }
};

// What plinth.personal-data/1 hands over (tests/support/sinks.hpp).
using Exported = plinth::test::ExportCollector;
using Erased = plinth::test::ErasureCollector;

} // namespace plinth::licenses::fixture
