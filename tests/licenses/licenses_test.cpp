// The licenses module through a real host and a real MariaDB: commands, the cache across host
// processes, seats under concurrency, bad input. The typed check is in typed_check_test.cpp.
#include "licenses_fixture.hpp"

#include <plinth/ext/license_check.h>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <functional>
#include <map>
#include <thread>
#include <vector>

namespace plinth::licenses {
namespace {

using namespace plinth::licenses::fixture;
using boost::json::object;
using boost::json::value;

TEST_F(LicensesTest, IssuedKeyIsShownToTheOwnerAndStaffButNeverStored) {
    product();
    License l = issue(policy(3));
    NormalKey normal;
    ASSERT_TRUE(normalise_key(l.key, normal)) << l.key;
    EXPECT_EQ(str(call("license.get", object{{"id", l.id}}, owner), "key"), l.key);
    EXPECT_EQ(str(call("license.get", object{{"id", l.id}}, staff), "key"), l.key);
    EXPECT_EQ(fails("license.get", "{\"id\":" + std::to_string(l.id) + "}", stranger), PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("license.get", "{\"id\":" + std::to_string(l.id) + "}", anonymous), PLINTH_E_UNAUTHENTICATED);
    std::string dump = db.dump_all_tables();
    EXPECT_EQ(dump.find(l.key), std::string::npos);
    EXPECT_EQ(dump.find(std::string(normal.view())), std::string::npos);
    // The owner lists their own licenses only.
    issue(policy(1), 8);
    value mine = call("license.list", object{}, owner);
    ASSERT_EQ(mine.as_array().size(), 1u);
    EXPECT_EQ(mine.as_array()[0].at("id").as_int64(), l.id);
    EXPECT_FALSE(mine.as_array()[0].as_object().contains("key"));
    EXPECT_EQ(call("license.list", object{}, staff).as_array().size(), 2u);
}

TEST_F(LicensesTest, SeatLimitHoldsUnderConcurrentActivation) {
    product();
    int64_t five = policy(5, object{{"staging_exempt", false}});
    constexpr int kThreads = 24;
    for (int round = 0; round < 5; ++round) {
        License l = issue(five);
        std::atomic<int> ok{0}, refused{0}, other{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                std::string args = boost::json::serialize(object{
                    {"key", l.key}, {"site", "https://site-" + std::to_string(round) + "-" + std::to_string(t) + ".com"}});
                try {
                    host->host().call("licenses", "activation.activate", args, host::anonymous_caller());
                    ++ok;
                } catch (const sdk::Error &e) {
                    (e.status() == PLINTH_E_LIMIT_EXCEEDED ? refused : other)++;
                }
            });
        }
        for (auto &th : threads) th.join();
        EXPECT_EQ(ok.load(), 5) << "round " << round;
        EXPECT_EQ(refused.load(), kThreads - 5) << "round " << round;
        EXPECT_EQ(other.load(), 0) << "round " << round;
        EXPECT_EQ(count("SELECT COUNT(*) FROM license_activations WHERE license_id = ?", l.id), 5);
        EXPECT_EQ(count("SELECT seats_used FROM licenses WHERE id = ?", l.id), 5);
        expect_summary_matches(l.id);
    }
}

TEST_F(LicensesTest, ConcurrentActivationOfOneSiteCreatesOneActivation) {
    product();
    License l = issue(policy(2));
    std::atomic<int> created{0}, ok{0};
    std::vector<std::thread> threads;
    const char *spellings[] = {"https://www.shop.com/", "http://shop.com", "HTTPS://SHOP.COM:443"};
    for (int t = 0; t < 12; ++t) {
        threads.emplace_back([&, t] {
            std::string args = boost::json::serialize(object{{"key", l.key}, {"site", spellings[t % 3]}});
            value v = host->host().call("licenses", "activation.activate", args, host::anonymous_caller());
            ++ok;
            if (v.at("created").as_bool()) ++created;
        });
    }
    for (auto &th : threads) th.join();
    EXPECT_EQ(ok.load(), 12);
    EXPECT_EQ(created.load(), 1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM license_activations WHERE license_id = ?", l.id), 1);
}

TEST_F(LicensesTest, ReactivatingTheSameSiteReturnsTheExistingActivation) {
    product();
    License l = issue(policy(1));
    value first = activate(l.key, "https://www.Example.com/shop/");
    EXPECT_TRUE(first.at("created").as_bool());
    EXPECT_EQ(str(first, "site"), "example.com/shop");
    for (const char *spelling : {"http://example.com/shop", "https://example.com:443/shop?x=1", "https://EXAMPLE.com/shop#a"}) {
        value again = activate(l.key, spelling);
        EXPECT_FALSE(again.at("created").as_bool()) << spelling;
        EXPECT_EQ(again.at("id").as_int64(), first.at("id").as_int64()) << spelling;
        EXPECT_EQ(again.at("seats_used").as_int64(), 1) << spelling;
    }
    // A different path is a different site, and the only seat is taken.
    std::string message;
    EXPECT_EQ(fails("activation.activate",
                    boost::json::serialize(object{{"key", l.key}, {"site", "https://example.com/blog"}}), anonymous,
                    &message),
              PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_NE(message.find("seats"), std::string::npos) << message;
}

TEST_F(LicensesTest, LocalAndStagingSitesTakeNoSeatAndDeactivationFreesOne) {
    product();
    License l = issue(policy(1));
    for (const char *site : {"https://staging.example.com", "http://localhost:8080/wp", "https://shop.test",
                             "http://127.0.0.1"}) {
        value v = activate(l.key, site);
        EXPECT_TRUE(v.at("exempt").as_bool()) << site;
        EXPECT_EQ(v.at("seats_used").as_int64(), 0) << site;
    }
    EXPECT_FALSE(activate(l.key, "https://devices.com").at("exempt").as_bool());
    EXPECT_EQ(fails("activation.activate", boost::json::serialize(object{{"key", l.key}, {"site", "https://mystaging.com"}}),
                    anonymous),
              PLINTH_E_LIMIT_EXCEEDED);
    value freed = call("activation.deactivate", object{{"key", l.key}, {"site", "https://www.devices.com/"}}, anonymous);
    EXPECT_EQ(freed.at("seats_used").as_int64(), 0);
    EXPECT_EQ(code(l.key, "https://devices.com"), "SITE_NOT_ACTIVATED");
    activate(l.key, "https://mystaging.com");
    EXPECT_EQ(code(l.key, "https://mystaging.com"), "VALID");
    expect_summary_matches(l.id);
    value staging = check(l.key, "https://staging.example.com/");
    EXPECT_EQ(str(staging, "code"), "VALID");
    EXPECT_TRUE(staging.at("site_exempt").as_bool());

    // Without the policy's exemption a staging site is an ordinary site.
    License strict = issue(policy(1, object{{"staging_exempt", false}}));
    EXPECT_FALSE(activate(strict.key, "https://staging.example.com").at("exempt").as_bool());
    EXPECT_EQ(fails("activation.activate", boost::json::serialize(object{{"key", strict.key}, {"site", "http://localhost"}}),
                    anonymous),
              PLINTH_E_LIMIT_EXCEEDED);
}

TEST_F(LicensesTest, VerdictsFollowTheLicenseState) {
    product();
    product("forms");
    License l = issue(policy(2));
    std::string site = "https://shop.example.org/store";
    EXPECT_EQ(code(l.key, site), "SITE_NOT_ACTIVATED");
    activate(l.key, site);
    value v = check(l.key, "http://www.shop.example.org/store/?p=1");
    EXPECT_EQ(str(v, "code"), "VALID");
    EXPECT_TRUE(v.at("valid").as_bool());
    EXPECT_EQ(v.at("code_number").as_int64(), PLINTH_LICENSE_VALID);
    EXPECT_EQ(v.at("seats_used").as_int64(), 1);
    EXPECT_EQ(v.at("seat_limit").as_int64(), 2);
    EXPECT_EQ(v.at("expires_at").as_int64(), 0);
    EXPECT_EQ(code(l.key, site, "seo"), "VALID");
    EXPECT_EQ(code(l.key, site, "forms"), "PRODUCT_MISMATCH");
    EXPECT_EQ(code(l.key, "ftp://shop.example.org"), "INVALID_SITE");
    EXPECT_EQ(code("not-a-key", site), "MALFORMED");
    EXPECT_EQ(code(fresh_key(), site), "NOT_FOUND");
    // Lower case and without dashes is the same key.
    std::string sloppy;
    for (char c : l.key)
        if (c != '-') sloppy.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    EXPECT_EQ(code(sloppy, site), "VALID");

    // Local writes are seen by the very next check.
    call("license.suspend", object{{"id", l.id}}, staff);
    value suspended = check(l.key, site);
    EXPECT_EQ(str(suspended, "code"), "SUSPENDED");
    EXPECT_FALSE(suspended.at("valid").as_bool());
    call("license.reinstate", object{{"id", l.id}}, staff);
    EXPECT_EQ(code(l.key, site), "VALID");
    call("license.revoke", object{{"id", l.id}}, staff);
    EXPECT_EQ(code(l.key, site), "REVOKED");
    EXPECT_EQ(code(l.key, site, "forms"), "REVOKED"); // revocation outranks the product
}

TEST_F(LicensesTest, ExpiryAndGraceFollowTheInjectedClock) {
    product();
    License l = issue(policy(3, object{{"duration_days", 30}, {"grace_days", 7}}));
    std::string site = "https://example.net";
    activate(l.key, site);
    value v = check(l.key, site);
    int64_t issued = host->now_us() / 1000000;
    EXPECT_EQ(v.at("expires_at").as_int64(), issued + 30 * 86400);
    EXPECT_EQ(v.at("grace_ends_at").as_int64(), issued + 37 * 86400);
    EXPECT_EQ(str(v, "code"), "VALID");

    host->advance_s(30 * 86400 - 1);
    EXPECT_EQ(code(l.key, site), "VALID");
    host->advance_s(1);
    v = check(l.key, site);
    EXPECT_EQ(str(v, "code"), "EXPIRED_IN_GRACE");
    EXPECT_TRUE(v.at("valid").as_bool());
    EXPECT_EQ(code(l.key, "https://other.net"), "SITE_NOT_ACTIVATED"); // grace does not skip activation
    // In grace a new site may still be activated.
    activate(l.key, "https://other.net");

    host->advance_s(7 * 86400);
    v = check(l.key, site);
    EXPECT_EQ(str(v, "code"), "EXPIRED");
    EXPECT_FALSE(v.at("valid").as_bool());
    EXPECT_EQ(fails("activation.activate", boost::json::serialize(object{{"key", l.key}, {"site", "https://third.net"}}),
                    anonymous),
              PLINTH_E_EXPIRED);

    // Renewing late counts from now.
    value renewed = call("license.renew", object{{"id", l.id}, {"days", 30}}, staff);
    EXPECT_EQ(renewed.at("expires_at").as_int64(), host->now_us() / 1000000 + 30 * 86400);
    EXPECT_EQ(code(l.key, site), "VALID");
    // Renewing to a date.
    int64_t until = host->now_us() / 1000000 + 365 * 86400;
    EXPECT_EQ(call("license.renew", object{{"id", l.id}, {"until", until}}, staff).at("expires_at").as_int64(), until);

    // A fixed-date policy.
    int64_t fixed = host->now_us() / 1000000 + 10 * 86400;
    License f = issue(policy(1, object{{"expires_at", fixed}}));
    activate(f.key, site);
    host->advance_s(10 * 86400);
    EXPECT_EQ(code(f.key, site), "EXPIRED");
}

// A second host process on the same database (same secrets folder, as a real installation has).
class SecondHost {
public:
    SecondHost(test::TestDatabase &db, test::TestHost &first) {
        host::HostOptions o;
        o.module_paths.push_back(PLINTH_TEST_MODULE_DIR);
        o.only_modules = {"licenses"};
        o.config = object{{"database", db.config()}};
        o.state_dir = first.state_dir();
        host_ = std::make_unique<host::Host>(std::move(o));
        host_->set_clock([&first] { return first.now_us(); });
        host_->load();
    }
    host::Host &host() { return *host_; }
    std::string code(const std::string &key, std::string_view site) {
        value v = host_->call("licenses", "check", boost::json::serialize(object{{"key", key}, {"site", site}}),
                              host::anonymous_caller());
        return std::string(v.at("code").as_string());
    }

private:
    std::unique_ptr<host::Host> host_;
};

// Polls until `code` is seen or the deadline passes; returns the last code and the time taken.
std::pair<std::string, double> wait_for(const std::function<std::string()> &probe, const std::string &want,
                                        std::chrono::milliseconds deadline) {
    auto start = std::chrono::steady_clock::now();
    std::string last;
    while (std::chrono::steady_clock::now() - start < deadline) {
        last = probe();
        if (last == want) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return {last, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count()};
}

TEST_F(LicensesTest, AnotherHostSeesChangesWithinTheStalenessBound) {
    product();
    License l = issue(policy(3));
    std::string site = "https://shared.example.com";
    activate(l.key, site);
    SecondHost other(db, *host);
    ASSERT_NE(other.host().module("licenses"), nullptr);

    EXPECT_EQ(other.code(l.key, site), "VALID");
    EXPECT_EQ(other.code(l.key, site), "VALID"); // now cached in the second host

    call("license.revoke", object{{"id", l.id}}, staff);
    EXPECT_EQ(code(l.key, site), "REVOKED"); // the writer sees it at once
    // Default bound: 1 s. Poll with a generous deadline rather than asserting a time.
    auto [seen, ms] = wait_for([&] { return other.code(l.key, site); }, "REVOKED", std::chrono::seconds(15));
    EXPECT_EQ(seen, "REVOKED");
    std::cout << "[ info ] revocation seen by the second host after " << ms << " ms (bound 1000 ms)\n";

    // And the other way round: an activation through the second host reaches the first's cache.
    License m = issue(policy(3));
    EXPECT_EQ(code(m.key, "https://second.example.com"), "SITE_NOT_ACTIVATED"); // cached here
    other.host().call("licenses", "activation.activate",
                      boost::json::serialize(object{{"key", m.key}, {"site", "https://second.example.com"}}),
                      host::anonymous_caller());
    auto [seen2, ms2] = wait_for([&] { return code(m.key, "https://second.example.com"); }, "VALID",
                                 std::chrono::seconds(15));
    EXPECT_EQ(seen2, "VALID");
    std::cout << "[ info ] activation seen by the first host after " << ms2 << " ms\n";
}

TEST_F(LicensesTest, BadInputOfEveryKindChangesNothing) {
    product();
    int64_t one = policy(1);
    int64_t perpetual = policy(3);
    License full = issue(one);
    activate(full.key, "https://full.example.com");
    License revoked = issue(perpetual);
    call("license.revoke", object{{"id", revoked.id}}, staff);
    License fine = issue(perpetual);
    std::string id = std::to_string(fine.id);
    std::string unknown = fresh_key();

    std::string before = db.dump_all_tables();
    struct Bad {
        std::string command;
        std::string args;
        plinth_call_context caller;
        int32_t status;
    };
    const std::vector<Bad> bad = {
        {"product.create", "{", staff, PLINTH_E_INVALID_ARGUMENT},
        {"product.create", "[]", staff, PLINTH_E_INVALID_ARGUMENT},
        {"product.create", "\"x\"", staff, PLINTH_E_INVALID_ARGUMENT},
        {"product.create", R"({"slug":"x","name":"X","extra":1})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"product.create", R"({"slug":"Bad Slug","name":"X"})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"product.create", R"({"slug":"x'; DROP TABLE licenses; --","name":"X"})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"product.create", R"({"slug":"-x","name":"X"})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"product.create", R"({"slug":"seo","name":"Again"})", staff, PLINTH_E_CONFLICT},
        {"product.create", R"({"slug":"new","name":"X"})", owner, PLINTH_E_PERMISSION_DENIED},
        {"product.create", R"({"slug":"new","name":"X"})", anonymous, PLINTH_E_PERMISSION_DENIED},
        {"product.create", "{\"slug\":\"new\",\"name\":\"\xff\xfe\"}", staff, PLINTH_E_INVALID_ARGUMENT},
        {"product.create", R"({"slug":"new","name":")" + std::string(201, 'n') + "\"}", staff, PLINTH_E_INVALID_ARGUMENT},
        {"product.create", R"({"slug":"new","name":""})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"product.create", R"({"slug":5,"name":"X"})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"policy.create", R"({"product":"seo","name":"p","seat_limit":0})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"policy.create", R"({"product":"seo","name":"p","seat_limit":-2})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"policy.create", R"({"product":"seo","name":"p","seat_limit":"5"})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"policy.create", R"({"product":"seo","name":"p","seat_limit":1.5})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"policy.create", R"({"product":"seo","name":"p","seat_limit":1,"duration_days":30,"expires_at":4000000000})",
         staff, PLINTH_E_INVALID_ARGUMENT},
        {"policy.create", R"({"product":"seo","name":"p","seat_limit":1,"expires_at":1000})", staff,
         PLINTH_E_INVALID_ARGUMENT},
        {"policy.create", R"({"product":"seo","name":"p","seat_limit":1,"grace_days":-1})", staff,
         PLINTH_E_INVALID_ARGUMENT},
        {"policy.create", R"({"product":"seo","name":"p","seat_limit":1,"staging_exempt":"yes"})", staff,
         PLINTH_E_INVALID_ARGUMENT},
        {"policy.create", R"({"product":"nope","name":"p","seat_limit":1})", staff, PLINTH_E_NOT_FOUND},
        {"policy.create", R"({"product":"seo","name":"policy 1","seat_limit":1})", staff, PLINTH_E_CONFLICT},
        {"license.issue", R"({"user_id":0,"policy_id":1})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"license.issue", R"({"user_id":"7","policy_id":1})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"license.issue", R"({"user_id":7,"policy_id":999999})", staff, PLINTH_E_NOT_FOUND},
        {"license.issue", R"({"user_id":7,"policy_id":1})", owner, PLINTH_E_PERMISSION_DENIED},
        {"license.issue", R"({"user_id":7})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"license.suspend", R"({"id":999999})", staff, PLINTH_E_NOT_FOUND},
        {"license.suspend", R"({"id":)" + id + "}", owner, PLINTH_E_PERMISSION_DENIED},
        {"license.revoke", R"({"id":)" + std::to_string(revoked.id) + "}", staff, PLINTH_E_CONFLICT},
        {"license.reinstate", R"({"id":)" + std::to_string(revoked.id) + "}", staff, PLINTH_E_CONFLICT},
        {"license.reinstate", R"({"id":)" + id + "}", staff, PLINTH_E_CONFLICT},
        {"license.suspend", R"({"id":-1})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"license.renew", R"({"id":)" + id + "}", staff, PLINTH_E_INVALID_ARGUMENT},
        {"license.renew", R"({"id":)" + id + R"(,"days":5,"until":4000000000})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"license.renew", R"({"id":)" + id + R"(,"days":5})", staff, PLINTH_E_CONFLICT}, // never expires
        {"license.renew", R"({"id":)" + id + R"(,"days":0})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"license.get", R"({"id":)" + id + "}", stranger, PLINTH_E_NOT_FOUND},
        {"license.get", R"({"id":)" + id + "}", anonymous, PLINTH_E_UNAUTHENTICATED},
        {"license.list", R"({"user_id":7})", stranger, PLINTH_E_PERMISSION_DENIED},
        {"license.list", R"({"limit":100000})", staff, PLINTH_E_INVALID_ARGUMENT},
        {"activation.activate", R"({"key":"nope","site":"https://a.com"})", anonymous, PLINTH_E_INVALID_ARGUMENT},
        {"activation.activate", R"({"key":")" + unknown + R"(","site":"https://a.com"})", anonymous, PLINTH_E_NOT_FOUND},
        {"activation.activate", R"({"key":")" + fine.key + R"(","site":"ftp://a.com"})", anonymous,
         PLINTH_E_INVALID_ARGUMENT},
        {"activation.activate", R"({"key":")" + fine.key + R"(","site":"https://a.com' OR 1=1 --"})", anonymous,
         PLINTH_E_INVALID_ARGUMENT},
        {"activation.activate", R"({"key":")" + fine.key + R"(","license_id":)" + id + R"(,"site":"https://a.com"})",
         staff, PLINTH_E_INVALID_ARGUMENT},
        {"activation.activate", R"({"site":"https://a.com"})", anonymous, PLINTH_E_INVALID_ARGUMENT},
        {"activation.activate", R"({"license_id":)" + id + R"(,"site":"https://a.com"})", stranger, PLINTH_E_NOT_FOUND},
        {"activation.activate", R"({"license_id":)" + id + R"(,"site":"https://a.com"})", anonymous, PLINTH_E_NOT_FOUND},
        {"activation.activate", R"({"key":")" + revoked.key + R"(","site":"https://a.com"})", anonymous, PLINTH_E_CONFLICT},
        {"activation.activate", R"({"key":")" + full.key + R"(","site":"https://b.com"})", anonymous,
         PLINTH_E_LIMIT_EXCEEDED},
        {"activation.deactivate", R"({"key":")" + fine.key + R"(","site":"https://never.com"})", anonymous,
         PLINTH_E_NOT_FOUND},
        {"check", R"({"key":"x"})", anonymous, PLINTH_E_INVALID_ARGUMENT},
        {"check", R"({"key":")" + std::string(300, 'A') + R"(","site":"https://a.com"})", anonymous,
         PLINTH_E_INVALID_ARGUMENT},
        {"check", R"({"key":")" + fine.key + R"(","site":"https://a.com","product":"Not A Slug!"})", anonymous,
         PLINTH_E_INVALID_ARGUMENT},
        {"check.signed", R"({"key":"x","site":"https://a.com","challenge":"a b"})", anonymous, PLINTH_E_INVALID_ARGUMENT},
        {"stats", "{}", staff, PLINTH_E_PERMISSION_DENIED},
        {"audit.list", "{}", owner, PLINTH_E_PERMISSION_DENIED},
        {"no.such.command", "{}", system, PLINTH_E_UNSUPPORTED},
    };
    for (const Bad &b : bad) {
        std::string message;
        int32_t status = fails(b.command, b.args, b.caller, &message);
        EXPECT_EQ(status, b.status) << b.command << " " << b.args.substr(0, 120) << " -> " << message;
        EXPECT_FALSE(message.empty()) << b.command;
    }
    EXPECT_EQ(db.dump_all_tables(), before);
}

TEST_F(LicensesTest, CatalogueListsProductsAndPolicies) {
    product();
    product("forms");
    policy(5, object{{"duration_days", 365}, {"grace_days", 14}});
    policy(-1, {}, "forms");
    value products = call("product.list", object{}, staff);
    ASSERT_EQ(products.as_array().size(), 2u);
    value seo = call("policy.list", object{{"product", "seo"}}, staff);
    ASSERT_EQ(seo.as_array().size(), 1u);
    EXPECT_EQ(seo.as_array()[0].at("duration_days").as_int64(), 365);
    EXPECT_EQ(seo.as_array()[0].at("grace_days").as_int64(), 14);
    EXPECT_TRUE(seo.as_array()[0].at("expires_at").is_null());
    EXPECT_EQ(call("policy.list", object{}, staff).as_array().size(), 2u);
    // Unlimited seats.
    License l = issue(call("policy.list", object{{"product", "forms"}}, staff).as_array()[0].at("id").as_int64());
    for (int i = 0; i < 30; ++i) activate(l.key, "https://many-" + std::to_string(i) + ".example.com");
    value v = check(l.key, "https://many-29.example.com", "forms");
    EXPECT_EQ(str(v, "code"), "VALID");
    EXPECT_EQ(v.at("seat_limit").as_int64(), -1);
    EXPECT_EQ(v.at("seats_used").as_int64(), 30);
}

class UncachedLicensesTest : public LicensesTest {
protected:
    object config() override { return object{{"licenses", object{{"cache", object{{"enabled", false}}}}}}; }
};

TEST_F(UncachedLicensesTest, EveryCheckReadsTheDatabaseAndAgreesWithTheCachedAnswer) {
    product();
    License l = issue(policy(2));
    activate(l.key, "https://uncached.example.com");
    EXPECT_FALSE(call("stats", object{}, system).at("cache_enabled").as_bool());
    EXPECT_EQ(code(l.key, "https://uncached.example.com"), "VALID"); // reads the product's slug once
    uint64_t before = statements();
    for (int i = 0; i < 20; ++i) EXPECT_EQ(code(l.key, "https://www.uncached.example.com/"), "VALID");
    EXPECT_EQ(statements(), before + 20);
    EXPECT_EQ(code(l.key, "https://other.example.com"), "SITE_NOT_ACTIVATED");
    EXPECT_EQ(code(fresh_key(), "https://uncached.example.com"), "NOT_FOUND");
    EXPECT_EQ(code("junk", "https://uncached.example.com"), "MALFORMED");
    call("license.suspend", object{{"id", l.id}}, staff);
    EXPECT_EQ(code(l.key, "https://uncached.example.com"), "SUSPENDED");
}

TEST(LicensesConfig, InvalidConfigurationRefusesTheModuleWithAClearMessage) {
    test::TestDatabase db("licenses_cfg");
    host::HostOptions o;
    o.module_paths.push_back(PLINTH_TEST_MODULE_DIR);
    o.only_modules = {"licenses"};
    o.config = object{{"database", db.config()}, {"licenses", object{{"cache", object{{"staleness_ms", "soon"}}}}}};
    o.state_dir = std::string(PLINTH_TEST_STATE_DIR) + "/licenses_cfg_" + db.name();
    o.log = [](int32_t, std::string_view, std::string_view) {};
    host::Host h(std::move(o));
    h.load();
    EXPECT_EQ(h.module("licenses"), nullptr);
    bool explained = false;
    for (const auto &m : h.modules())
        if (m.id == "licenses") explained = m.refusal.find("staleness_ms") != std::string::npos;
    EXPECT_TRUE(explained);
}

// A misspelt key must not leave its default silently in force.
TEST(LicensesConfig, AnUnknownKeyRefusesTheModuleNamingIt) {
    for (const object &section : {object{{"cache", object{{"stalenes_ms", 100}}}}, object{{"retention_days", 30}}}) {
        test::TestDatabase db("licenses_cfg");
        host::HostOptions o;
        o.module_paths.push_back(PLINTH_TEST_MODULE_DIR);
        o.only_modules = {"licenses"};
        o.config = object{{"database", db.config()}, {"licenses", section}};
        o.state_dir = std::string(PLINTH_TEST_STATE_DIR) + "/licenses_cfg_" + db.name();
        o.log = [](int32_t, std::string_view, std::string_view) {};
        host::Host h(std::move(o));
        h.load();
        EXPECT_EQ(h.module("licenses"), nullptr) << boost::json::serialize(section);
        std::string refusal;
        for (const auto &m : h.modules())
            if (m.id == "licenses") refusal = m.refusal;
        EXPECT_NE(refusal.find("unknown configuration key 'licenses."), std::string::npos) << refusal;
    }
}

} // namespace
} // namespace plinth::licenses
