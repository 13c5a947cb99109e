// The typed license check through a real host and a real MariaDB: plinth.license-check/1 against
// the JSON command and under older struct sizes, /2's check_cached, how often the database is
// read, and the steady state without allocation.
#include "licenses_fixture.hpp"

#include <plinth/ext/license_check.h>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string>

namespace plinth::licenses {
namespace {

using namespace plinth::licenses::fixture;
using boost::json::object;
using boost::json::value;

TEST_F(LicensesTest, TypedCheckMatchesTheJsonCommandAndHonoursStructSize) {
    product();
    License l = issue(policy(2));
    activate(l.key, "https://typed.example.com");
    const auto *table = host->host().interface_as<plinth_license_check_v1>("licenses", PLINTH_EXT_LICENSE_CHECK);
    const plinth_module *module = host->host().module("licenses");
    ASSERT_NE(table, nullptr);
    ASSERT_NE(module, nullptr);

    auto typed = [&](const std::string &key, std::string_view site, std::string_view product) {
        plinth_license_query q{sizeof(plinth_license_query), sdk::to_str(key), sdk::to_str(site), sdk::to_str(product), {}};
        plinth_license_verdict v{};
        v.struct_size = sizeof v;
        plinth_error e = sdk::make_error();
        EXPECT_EQ(table->check(module, &q, &v, &e), PLINTH_OK) << e.message;
        return v;
    };
    struct Case {
        std::string key;
        std::string site;
        std::string product;
    };
    for (const Case &c : {Case{l.key, "https://typed.example.com", ""}, Case{l.key, "https://typed.example.com/", "seo"},
                          Case{l.key, "https://untyped.example.com", ""}, Case{l.key, "gopher://x", ""},
                          Case{"bad", "https://typed.example.com", ""}, Case{fresh_key(), "https://a.com", ""},
                          Case{l.key, "https://typed.example.com", "other"}}) {
        plinth_license_verdict v = typed(c.key, c.site, c.product);
        value j = check(c.key, c.site, c.product);
        EXPECT_EQ(v.code, j.at("code_number").as_int64()) << c.key << " " << c.site;
        EXPECT_EQ(v.valid != 0, j.at("valid").as_bool());
        EXPECT_EQ(v.seats_used, j.at("seats_used").as_int64());
        EXPECT_EQ(v.seat_limit, j.at("seat_limit").as_int64());
        EXPECT_EQ(v.expires_at, j.at("expires_at").as_int64());
    }

    // A caller built against a smaller verdict only gets the fields it knows.
    plinth_license_verdict small;
    std::memset(&small, 0x5A, sizeof small);
    small.struct_size = offsetof(plinth_license_verdict, site_exempt);
    plinth_license_query q{sizeof(plinth_license_query), sdk::to_str(l.key), sdk::to_str("https://typed.example.com"), {}, {}};
    ASSERT_EQ(table->check(module, &q, &small, nullptr), PLINTH_OK);
    EXPECT_EQ(small.struct_size, offsetof(plinth_license_verdict, site_exempt));
    EXPECT_EQ(small.code, PLINTH_LICENSE_VALID);
    EXPECT_EQ(small.valid, 1);
    EXPECT_EQ(small.seat_limit, 0x5A5A5A5A);
    // Null arguments are refused, never dereferenced.
    plinth_error e = sdk::make_error();
    EXPECT_EQ(table->check(module, nullptr, &small, &e), PLINTH_E_INVALID_ARGUMENT);
    plinth_license_query broken{sizeof(plinth_license_query), plinth_str{nullptr, 5}, {}, {}, {}};
    plinth_license_verdict v{};
    v.struct_size = sizeof v;
    EXPECT_EQ(table->check(module, &broken, &v, &e), PLINTH_E_INVALID_ARGUMENT);
}

// plinth.license-check/2: check_cached answers what the cache holds, and otherwise says so
// without reading the database or touching the verdict (a caller then checks where it may wait).
TEST_F(LicensesTest, CheckCachedAnswersFromMemoryOrSaysItCannot) {
    product();
    License l = issue(policy(1));
    activate(l.key, "https://cached.example.com");
    const auto *table = host->host().interface_as<plinth_license_check_v2>("licenses");
    const plinth_module *module = host->host().module("licenses");
    ASSERT_NE(table, nullptr);
    ASSERT_NE(module, nullptr);
    auto query = [](const std::string &key, std::string_view site) {
        return plinth_license_query{sizeof(plinth_license_query), sdk::to_str(key), sdk::to_str(site), {}, {}};
    };
    auto untouched = [] {
        plinth_license_verdict v;
        std::memset(&v, 0x5A, sizeof v);
        v.struct_size = sizeof v;
        return v;
    };

    // A key never checked (well-formed, unknown: anyone can make such keys) is not in the cache.
    for (const std::string &key : {fresh_key(), l.key}) {
        const std::string site = "https://cached.example.com";
        plinth_license_query q = query(key, site);
        plinth_license_verdict v = untouched();
        int32_t answered = 7;
        plinth_error e = sdk::make_error();
        uint64_t before = statements();
        ASSERT_EQ(table->check_cached(module, &q, &v, &answered, &e), PLINTH_OK) << e.message;
        EXPECT_EQ(statements(), before) << "check_cached read the database";
        if (key != l.key) { // (activation may already have cached the issued key)
            EXPECT_EQ(answered, 0) << key;
            EXPECT_EQ(v.code, 0x5A5A5A5A) << "the verdict was written without an answer";
        }

        plinth_license_verdict waited{};
        waited.struct_size = sizeof waited;
        ASSERT_EQ(table->check(module, &q, &waited, &e), PLINTH_OK) << e.message;
        before = statements();
        ASSERT_EQ(table->check_cached(module, &q, &v, &answered, &e), PLINTH_OK) << e.message;
        EXPECT_EQ(answered, 1) << key;
        EXPECT_EQ(statements(), before);
        EXPECT_EQ(std::memcmp(&v, &waited, sizeof v), 0) << "the cached answer differs from the waited one";
    }
    EXPECT_EQ(code(l.key, "https://cached.example.com"), "VALID");

    // A malformed key needs no database: answered.
    const std::string not_a_key = "not-a-key"; // the query borrows it
    plinth_license_query bad = query(not_a_key, "https://cached.example.com");
    plinth_license_verdict v = untouched();
    int32_t answered = 0;
    ASSERT_EQ(table->check_cached(module, &bad, &v, &answered, nullptr), PLINTH_OK);
    EXPECT_EQ(answered, 1);
    EXPECT_EQ(v.code, PLINTH_LICENSE_MALFORMED);
    // Null arguments are refused, never dereferenced.
    plinth_error e = sdk::make_error();
    EXPECT_EQ(table->check_cached(module, &bad, &v, nullptr, &e), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(table->check_cached(module, nullptr, &v, &answered, &e), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(table->check_cached(nullptr, &bad, &v, &answered, &e), PLINTH_E_INVALID_ARGUMENT);
}

TEST_F(LicensesTest, MalformedAndUnknownKeysHitTheDatabaseAtMostOnce) {
    product();
    License l = issue(policy(1));
    activate(l.key, "https://known.example.com");
    const auto *table = host->host().interface_as<plinth_license_check_v1>("licenses", PLINTH_EXT_LICENSE_CHECK);
    const plinth_module *module = host->host().module("licenses");

    uint64_t before = statements();
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(code("AAAAA-BBBBB-" + std::to_string(i), "https://known.example.com"), "MALFORMED");
        std::string typo = l.key;
        typo[i % 5] = typo[i % 5] == 'X' ? 'Y' : 'X';
        EXPECT_EQ(code(typo, "https://known.example.com"), "MALFORMED");
    }
    EXPECT_EQ(statements(), before) << "a malformed key must not reach the database";

    std::string unknown = fresh_key();
    for (int i = 0; i < 100; ++i) EXPECT_EQ(code(unknown, "https://known.example.com"), "NOT_FOUND");
    plinth_license_query q{sizeof q, sdk::to_str(unknown), sdk::to_str("https://x.com"), {}, {}};
    for (int i = 0; i < 100; ++i) {
        plinth_license_verdict v{};
        v.struct_size = sizeof v;
        ASSERT_EQ(table->check(module, &q, &v, nullptr), PLINTH_OK);
        EXPECT_EQ(v.code, PLINTH_LICENSE_NOT_FOUND);
    }
    EXPECT_EQ(statements(), before + 1) << "an unknown key is looked up once, then served from a negative entry";

    // A known key: one read, then every spelling of its site from memory. The poller first sees
    // the activation in the change log (and evicts the entry once more, harmlessly): on a loaded
    // machine it may lag, so wait for it rather than count its eviction as a second read.
    wait_for_poller();
    before = statements();
    for (int i = 0; i < 300; ++i) {
        const char *spellings[] = {"https://known.example.com", "http://www.known.example.com/", "https://KNOWN.example.com:443"};
        EXPECT_EQ(code(l.key, spellings[i % 3]), "VALID");
    }
    EXPECT_LE(statements(), before + 1);
}

TEST_F(LicensesTest, SteadyStateTypedCheckDoesNotAllocate) {
    product();
    License l = issue(policy(2, object{{"duration_days", 30}}));
    activate(l.key, "https://alloc.example.com");
    std::string unknown = fresh_key();
    const auto *table = host->host().interface_as<plinth_license_check_v1>("licenses", PLINTH_EXT_LICENSE_CHECK);
    const plinth_module *module = host->host().module("licenses");
    auto typed = [&](const std::string &key, std::string_view site) {
        plinth_license_query q{sizeof q, sdk::to_str(key), sdk::to_str(site), sdk::to_str("seo"), {}};
        plinth_license_verdict v{};
        v.struct_size = sizeof v;
        EXPECT_EQ(table->check(module, &q, &v, nullptr), PLINTH_OK);
        return v.code;
    };
    // Warm: one miss per key and spelling (after the poller has seen the activation, so that its
    // eviction cannot land inside the counted loop).
    wait_for_poller();
    EXPECT_EQ(typed(l.key, "https://alloc.example.com"), PLINTH_LICENSE_VALID);
    EXPECT_EQ(typed(l.key, "http://www.alloc.example.com/"), PLINTH_LICENSE_VALID);
    EXPECT_EQ(typed(unknown, "https://alloc.example.com"), PLINTH_LICENSE_NOT_FOUND);

    alloc_count::allocations = 0;
    alloc_count::counting = true;
    for (int i = 0; i < 1000; ++i) {
        EXPECT_EQ(typed(l.key, i % 2 ? "https://alloc.example.com" : "http://www.alloc.example.com/"),
                  PLINTH_LICENSE_VALID);
        EXPECT_EQ(typed(unknown, "https://alloc.example.com"), PLINTH_LICENSE_NOT_FOUND);
        EXPECT_EQ(typed("not a key", "https://alloc.example.com"), PLINTH_LICENSE_MALFORMED);
    }
    alloc_count::counting = false;
    EXPECT_EQ(alloc_count::allocations, 0u);

    // The counter does see the module's allocations: a new spelling is canonicalised (allocates).
    alloc_count::allocations = 0;
    alloc_count::counting = true;
    typed(l.key, "https://ALLOC.example.com:443/");
    alloc_count::counting = false;
    EXPECT_GT(alloc_count::allocations, 0u);
}

} // namespace
} // namespace plinth::licenses
