// Multisite licenses (issue 17) through a real host and MariaDB: a network takes a seat, its
// sites are covered (main site, subdomains, subdirectories, domain-mapped sites), the
// sites_per_network sub-limit, limits under concurrency, license.get, deactivation, the typed
// check with a network, and the network URLs as personal data.
#include "licenses_fixture.hpp"

#include <plinth/ext/license_check.h>
#include <plinth/ext/personal_data.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace plinth::licenses {
namespace {

using namespace plinth::licenses::fixture;
using boost::json::object;
using boost::json::value;

class MultisiteTest : public LicensesTest {
protected:
    // A network policy: `networks` seats, `sites` per network (-1 unlimited).
    int64_t network_policy(int64_t networks, int64_t sites, object extra = {}) {
        object o{{"scope", "network"}};
        if (sites != -1) o["sites_per_network"] = sites;
        for (auto &m : extra) o[m.key()] = m.value();
        return policy(networks, o);
    }

    value join(const std::string &key, std::string_view site, std::string_view network = {}) {
        object args{{"key", key}, {"site", site}};
        if (!network.empty()) args["network"] = network;
        return call("activation.activate", args, anonymous);
    }

    int32_t join_fails(const std::string &key, std::string_view site, std::string_view network,
                       std::string *message = nullptr) {
        object args{{"key", key}, {"site", site}};
        if (!network.empty()) args["network"] = network;
        return fails("activation.activate", boost::json::serialize(args), anonymous, message);
    }

    value check_in(const std::string &key, std::string_view site, std::string_view network) {
        object args{{"key", key}, {"site", site}};
        if (!network.empty()) args["network"] = network;
        return call("check", args, anonymous);
    }

    // seats_used counts networks; the activation summary still lists every site.
    void expect_network_summary(int64_t license_id) {
        int64_t networks = count("SELECT COUNT(*) FROM license_networks WHERE license_id = ? AND exempt = 0", license_id);
        EXPECT_EQ(count("SELECT seats_used FROM licenses WHERE id = ?", license_id), networks);
        EXPECT_EQ(count("SELECT COUNT(*) FROM license_activations WHERE license_id = ? AND network_id IS NULL", license_id),
                  0);
    }
};

TEST_F(MultisiteTest, ANetworkTakesOneSeatAndCoversItsSites) {
    product();
    License l = issue(network_policy(1, -1));
    value first = join(l.key, "https://www.example.com/");
    EXPECT_TRUE(first.at("created").as_bool());
    EXPECT_TRUE(first.at("network_created").as_bool());
    EXPECT_EQ(str(first, "network"), "example.com");
    EXPECT_EQ(str(first, "coverage"), "main");
    EXPECT_EQ(first.at("seats_used").as_int64(), 1);

    // The main site by any spelling, subdomains and subdirectories: covered without activations.
    struct Case {
        const char *site, *network, *coverage;
    };
    for (const Case &c : std::vector<Case>{{"http://EXAMPLE.com:443/", "https://example.com", "main"},
                                           {"https://example.com/?p=1", "", "main"},
                                           {"https://blog.example.com", "https://www.example.com", "subdomain"},
                                           {"https://shop.example.com/", "", "subdomain"},
                                           {"https://example.com/fr/", "https://example.com/", "subdirectory"},
                                           {"https://example.com/de", "", "subdirectory"}}) {
        value v = check_in(l.key, c.site, c.network);
        EXPECT_EQ(str(v, "code"), "VALID") << c.site;
        EXPECT_EQ(str(v, "coverage"), c.coverage) << c.site;
        EXPECT_EQ(str(v, "network"), "example.com") << c.site;
        EXPECT_EQ(v.at("network_id").as_int64(), first.at("network_id").as_int64()) << c.site;
        EXPECT_EQ(v.at("seats_used").as_int64(), 1);
    }
    // A domain-mapped site reporting the network is covered once it is activated (unverifiable).
    EXPECT_EQ(str(check_in(l.key, "https://mapped-shop.net", "https://example.com"), "code"), "SITE_NOT_ACTIVATED");
    value mapped = join(l.key, "https://mapped-shop.net", "https://example.com");
    EXPECT_EQ(str(mapped, "coverage"), "mapped");
    EXPECT_FALSE(mapped.at("network_created").as_bool());
    EXPECT_EQ(mapped.at("seats_used").as_int64(), 1) << "a covered site takes no network seat";
    value v = check_in(l.key, "https://mapped-shop.net", "");
    EXPECT_EQ(str(v, "code"), "VALID");
    EXPECT_EQ(str(v, "coverage"), "mapped");
    // A signed verdict names the network too, and its signature covers it.
    value signed_verdict = call("check.signed",
                                object{{"key", l.key}, {"site", "https://blog.example.com"}, {"network", "https://example.com"}},
                                anonymous);
    std::string payload = str(signed_verdict, "payload");
    value p = boost::json::parse(payload);
    EXPECT_EQ(str(p, "network"), "example.com");
    EXPECT_EQ(str(p, "coverage"), "subdomain");
    std::string pk64 = str(call("public_key", object{}, anonymous), "public_key");
    std::string sig64 = str(signed_verdict, "signature");
    std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
    std::array<uint8_t, crypto_sign_BYTES> sig{};
    ASSERT_EQ(sodium_base642bin(pk.data(), pk.size(), pk64.data(), pk64.size(), nullptr, nullptr, nullptr,
                                sodium_base64_VARIANT_ORIGINAL),
              0);
    ASSERT_EQ(sodium_base642bin(sig.data(), sig.size(), sig64.data(), sig64.size(), nullptr, nullptr, nullptr,
                                sodium_base64_VARIANT_ORIGINAL),
              0);
    EXPECT_EQ(crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char *>(payload.data()),
                                          payload.size(), pk.data()),
              0);
    // Reporting a network that is not activated, or a site outside the network.
    EXPECT_EQ(str(check_in(l.key, "https://blog.example.com", "https://other.org"), "code"), "SITE_NOT_ACTIVATED");
    EXPECT_EQ(str(check_in(l.key, "https://myexample.com", "https://example.com"), "code"), "SITE_NOT_ACTIVATED");
    EXPECT_EQ(str(check_in(l.key, "https://example.com", "not a url"), "code"), "INVALID_SITE");
    // The one seat is the network's: another network is refused.
    std::string message;
    EXPECT_EQ(join_fails(l.key, "https://other.org", "", &message), PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_NE(message.find("networks"), std::string::npos) << message;
    // The main site, activated again by other spellings of it and of its network: the same row.
    for (const char *spelling : {"http://EXAMPLE.com:443", "https://example.com/?ref=1"}) {
        value main_again = join(l.key, spelling, "http://www.example.com");
        EXPECT_FALSE(main_again.at("created").as_bool()) << spelling;
        EXPECT_EQ(main_again.at("id").as_int64(), first.at("id").as_int64()) << spelling;
    }
    // Idempotent: the same site again, by another spelling.
    value again = join(l.key, "https://BLOG.example.com/", "http://example.com");
    value again2 = join(l.key, "https://blog.example.com", "https://www.example.com");
    EXPECT_FALSE(again2.at("created").as_bool());
    EXPECT_EQ(again2.at("id").as_int64(), again.at("id").as_int64());
    expect_network_summary(l.id);
}

TEST_F(MultisiteTest, ASubsiteReportingNoNetworkJoinsTheActivatedNetworkThatContainsIt) {
    // What an unmodified EDD updater does: every site sends its own URL and no network.
    product();
    License l = issue(network_policy(1, 10));
    join(l.key, "https://example.com");
    value sub = join(l.key, "https://blog.example.com");
    EXPECT_EQ(str(sub, "network"), "example.com");
    EXPECT_EQ(str(sub, "coverage"), "subdomain");
    EXPECT_FALSE(sub.at("network_created").as_bool());
    EXPECT_EQ(str(join(l.key, "https://example.com/fr"), "coverage"), "subdirectory");
    // What the EDD-compatible endpoint asks (check.identify, no network): covered by the network.
    value identified = call("check.identify", object{{"key", l.key}, {"site", "https://example.com/fr/"}}, system);
    EXPECT_EQ(str(identified, "code"), "VALID");
    EXPECT_EQ(str(identified, "coverage"), "subdirectory");
    EXPECT_EQ(identified.at("network_id").as_int64(), sub.at("network_id").as_int64());
    EXPECT_EQ(sub.at("seats_used").as_int64(), 1);
    // A domain-mapped site cannot be recognised: it would be a network of its own (no seat left).
    EXPECT_EQ(join_fails(l.key, "https://mapped.net", ""), PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_EQ(str(join(l.key, "https://mapped.net", "https://example.com"), "coverage"), "mapped");
    expect_network_summary(l.id);
}

TEST_F(MultisiteTest, SitesPerNetworkCountsEverySiteAndDomainMappedOnesAlways) {
    product();
    License l = issue(network_policy(2, 3)); // staging-exempt by default
    join(l.key, "https://example.com");                                          // main: 1
    EXPECT_EQ(join(l.key, "https://blog.example.com", "https://example.com").at("network_sites").as_int64(), 2);
    value staging = join(l.key, "https://staging.example.com", "https://example.com"); // staging subdomain: free
    EXPECT_TRUE(staging.at("exempt").as_bool());
    EXPECT_EQ(staging.at("network_sites").as_int64(), 2);
    value mapped = join(l.key, "https://staging.mapped.net", "https://example.com"); // mapped: counts anyway
    EXPECT_FALSE(mapped.at("exempt").as_bool());
    EXPECT_EQ(mapped.at("network_sites").as_int64(), 3);
    std::string before = db.dump_all_tables();
    std::string message;
    EXPECT_EQ(join_fails(l.key, "https://shop.example.com", "https://example.com", &message), PLINTH_E_LIMIT_EXCEEDED);
    EXPECT_NE(message.find("sites"), std::string::npos) << message;
    EXPECT_EQ(db.dump_all_tables(), before) << "a refused activation changes nothing";
    // With a sub-limit every site must be activated: an unknown subdomain is not covered.
    EXPECT_EQ(str(check_in(l.key, "https://shop.example.com", "https://example.com"), "code"), "SITE_NOT_ACTIVATED");
    EXPECT_EQ(str(check_in(l.key, "https://blog.example.com", "https://example.com"), "code"), "VALID");
    // A second network has its own sub-limit; a new network that cannot hold its first site is
    // not created either.
    EXPECT_EQ(join(l.key, "https://second.org").at("network_sites").as_int64(), 1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM license_networks WHERE license_id = ?", l.id), 2);
    // A site belongs to one network at a time.
    EXPECT_EQ(join_fails(l.key, "https://blog.example.com", "https://second.org"), PLINTH_E_CONFLICT);
    expect_network_summary(l.id);
}

TEST_F(MultisiteTest, LicenseGetListsNetworksAndDeactivationReleasesASiteOrTheWholeNetwork) {
    product();
    License l = issue(network_policy(2, -1));
    join(l.key, "https://example.com");
    join(l.key, "https://blog.example.com", "https://example.com");
    join(l.key, "https://mapped.net", "https://example.com");
    join(l.key, "https://other.org/wp");
    value got = call("license.get", object{{"id", l.id}}, owner);
    EXPECT_EQ(str(got, "scope"), "network");
    const auto &networks = got.at("networks").as_array();
    ASSERT_EQ(networks.size(), 2u);
    EXPECT_EQ(str(networks[0], "network"), "example.com");
    ASSERT_EQ(networks[0].at("sites").as_array().size(), 3u);
    EXPECT_EQ(str(networks[0].at("sites").as_array()[1], "coverage"), "subdomain");
    EXPECT_EQ(str(networks[1], "network"), "other.org/wp");
    EXPECT_EQ(got.at("seats_used").as_int64(), 2);

    // One site, by its listed form.
    value one = call("activation.deactivate", object{{"key", l.key}, {"site", "mapped.net"}}, anonymous);
    EXPECT_EQ(one.at("sites_released").as_int64(), 1);
    EXPECT_TRUE(one.at("network_released").is_null());
    EXPECT_EQ(str(check_in(l.key, "https://mapped.net", ""), "code"), "SITE_NOT_ACTIVATED");
    // The whole network, named by `network`: its sites go with it and its seat is free.
    value all = call("activation.deactivate", object{{"license_id", l.id}, {"network", "https://www.example.com"}}, owner);
    EXPECT_EQ(str(all, "network_released"), "example.com");
    EXPECT_EQ(all.at("sites_released").as_int64(), 2);
    EXPECT_EQ(all.at("seats_used").as_int64(), 1);
    for (const char *site : {"https://example.com", "https://blog.example.com", "https://news.example.com"})
        EXPECT_EQ(str(check_in(l.key, site, "https://example.com"), "code"), "SITE_NOT_ACTIVATED") << site;
    EXPECT_EQ(count("SELECT COUNT(*) FROM license_activations WHERE license_id = ?", l.id), 1);
    // The main site stands for its network.
    value main = call("activation.deactivate", object{{"key", l.key}, {"site", "other.org/wp"}}, anonymous);
    EXPECT_EQ(str(main, "network_released"), "other.org/wp");
    EXPECT_EQ(main.at("seats_used").as_int64(), 0);
    EXPECT_EQ(fails("activation.deactivate", boost::json::serialize(object{{"key", l.key}, {"network", "other.org/wp"}}),
                    anonymous),
              PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("activation.deactivate", boost::json::serialize(object{{"key", l.key}}), anonymous),
              PLINTH_E_INVALID_ARGUMENT);
    expect_network_summary(l.id);
}

TEST_F(MultisiteTest, SiteScopedLicensesIgnoreTheNetworkAndBadNetworksAreRefused) {
    product();
    License site = issue(policy(1));
    value v = join(site.key, "https://example.com", "https://network.org");
    EXPECT_FALSE(v.as_object().contains("network"));
    EXPECT_EQ(str(v, "coverage"), "site");
    value c = check_in(site.key, "https://example.com", "https://network.org");
    EXPECT_EQ(str(c, "code"), "VALID");
    EXPECT_EQ(str(c, "coverage"), "site");
    EXPECT_TRUE(c.at("network").is_null());

    License net = issue(network_policy(1, -1));
    std::string before = db.dump_all_tables();
    for (const char *bad : {"example.com", "ftp://example.com", "https://com", "https://exa mple.com"})
        EXPECT_EQ(join_fails(net.key, "https://example.com", bad), PLINTH_E_INVALID_ARGUMENT) << bad;
    EXPECT_EQ(db.dump_all_tables(), before);
    EXPECT_EQ(fails("policy.create",
                    boost::json::serialize(object{{"product", "seo"}, {"name", "x"}, {"seat_limit", 1}, {"scope", "galaxy"}}),
                    staff),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("policy.create",
                    boost::json::serialize(object{{"product", "seo"}, {"name", "y"}, {"seat_limit", 1}, {"sites_per_network", 3}}),
                    staff),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("policy.create",
                    boost::json::serialize(object{
                        {"product", "seo"}, {"name", "z"}, {"seat_limit", 1}, {"scope", "network"}, {"sites_per_network", 0}}),
                    staff),
              PLINTH_E_INVALID_ARGUMENT);
}

TEST_F(MultisiteTest, LimitsHoldUnderConcurrentActivation) {
    product();
    constexpr int kThreads = 16;
    auto race = [&](const std::vector<object> &requests) {
        std::atomic<int> ok{0}, refused{0}, other{0};
        std::vector<std::thread> threads;
        for (const object &args : requests) {
            threads.emplace_back([&, body = boost::json::serialize(args)] {
                try {
                    host->host().call("licenses", "activation.activate", body, host::anonymous_caller());
                    ++ok;
                } catch (const sdk::Error &e) {
                    (e.status() == PLINTH_E_LIMIT_EXCEEDED ? refused : other)++;
                }
            });
        }
        for (auto &t : threads) t.join();
        EXPECT_EQ(other.load(), 0);
        return std::pair<int, int>{ok.load(), refused.load()};
    };
    for (int round = 0; round < 3; ++round) {
        // Many subsites of one network at once (its main site activated with the first of them):
        // the main site plus four more fill sites_per_network = 5.
        License one = issue(network_policy(1, 5, object{{"staging_exempt", false}}));
        std::vector<object> subsites;
        for (int t = 0; t < kThreads; ++t)
            subsites.push_back(object{{"key", one.key},
                                      {"site", "https://s" + std::to_string(t) + ".net" + std::to_string(round) + ".com"},
                                      {"network", "https://net" + std::to_string(round) + ".com"}});
        auto [ok, refused] = race(subsites);
        EXPECT_EQ(ok, 4) << "round " << round;
        EXPECT_EQ(refused, kThreads - 4) << "round " << round;
        EXPECT_EQ(count("SELECT COUNT(*) FROM license_activations WHERE license_id = ?", one.id), 5);
        EXPECT_EQ(count("SELECT COUNT(*) FROM license_networks WHERE license_id = ?", one.id), 1);

        // Many networks on one license at once: exactly seat_limit of them.
        License many = issue(network_policy(3, -1, object{{"staging_exempt", false}}));
        std::vector<object> networks;
        for (int t = 0; t < kThreads; ++t)
            networks.push_back(object{{"key", many.key},
                                      {"site", "https://blog.n" + std::to_string(t) + "-" + std::to_string(round) + ".org"},
                                      {"network", "https://n" + std::to_string(t) + "-" + std::to_string(round) + ".org"}});
        auto [nets, refused_nets] = race(networks);
        EXPECT_EQ(nets, 3) << "round " << round;
        EXPECT_EQ(refused_nets, kThreads - 3) << "round " << round;
        EXPECT_EQ(count("SELECT COUNT(*) FROM license_networks WHERE license_id = ?", many.id), 3);
        EXPECT_EQ(count("SELECT COUNT(*) FROM license_activations WHERE license_id = ?", many.id), 6);
        expect_network_summary(one.id);
        expect_network_summary(many.id);
    }
}

TEST_F(MultisiteTest, TypedCheckLearnsTheNetworkAndACachedCoveredSubsiteDoesNotAllocate) {
    product();
    License l = issue(network_policy(1, -1, object{{"duration_days", 30}}));
    int64_t network_id = join(l.key, "https://example.com").at("network_id").as_int64();
    const auto *table = host->host().interface_as<plinth_license_check_v1>("licenses", PLINTH_EXT_LICENSE_CHECK);
    const plinth_module *module = host->host().module("licenses");
    ASSERT_NE(table, nullptr);
    auto typed = [&](std::string_view site, std::string_view network, plinth_license_verdict &v) {
        plinth_license_query q{sizeof q, sdk::to_str(l.key), sdk::to_str(site), sdk::to_str("seo"), sdk::to_str(network)};
        v = plinth_license_verdict{};
        v.struct_size = sizeof v;
        EXPECT_EQ(table->check(module, &q, &v, nullptr), PLINTH_OK);
    };
    plinth_license_verdict v;
    typed("https://blog.example.com", "https://example.com", v);
    EXPECT_EQ(v.code, PLINTH_LICENSE_VALID);
    EXPECT_EQ(v.coverage, PLINTH_LICENSE_COVERAGE_SUBDOMAIN);
    EXPECT_EQ(v.network_id, network_id);
    typed("https://example.com/fr", "https://example.com", v);
    EXPECT_EQ(v.coverage, PLINTH_LICENSE_COVERAGE_SUBDIRECTORY);
    typed("https://unrelated.org", "https://example.com", v);
    EXPECT_EQ(v.code, PLINTH_LICENSE_SITE_NOT_ACTIVATED);
    EXPECT_EQ(v.network_id, 0);
    EXPECT_EQ(v.coverage, PLINTH_LICENSE_COVERAGE_NONE);

    // A caller built before ABI 1.1 sends a shorter query (no network) and reads a shorter verdict.
    plinth_license_query old{offsetof(plinth_license_query, network), sdk::to_str(l.key),
                             sdk::to_str("https://example.com/"), {}, sdk::to_str("https://ignored.org")};
    plinth_license_verdict small;
    std::memset(&small, 0x5A, sizeof small);
    small.struct_size = offsetof(plinth_license_verdict, network_id);
    ASSERT_EQ(table->check(module, &old, &small, nullptr), PLINTH_OK);
    EXPECT_EQ(small.code, PLINTH_LICENSE_VALID) << "the network beyond struct_size must not be read";
    EXPECT_EQ(small.network_id, 0x5A5A5A5A5A5A5A5A) << "fields beyond struct_size must not be written";

    // Warm (once the poller has seen the activation), then a steady stream of covered-subsite
    // checks allocates nothing.
    wait_for_poller();
    typed("https://blog.example.com", "https://example.com", v);
    alloc_count::allocations = 0;
    alloc_count::counting = true;
    for (int i = 0; i < 1000; ++i) {
        typed("https://blog.example.com", "https://example.com", v);
        EXPECT_EQ(v.code, PLINTH_LICENSE_VALID);
        EXPECT_EQ(v.network_id, network_id);
    }
    alloc_count::counting = false;
    EXPECT_EQ(alloc_count::allocations, 0u);
}

TEST_F(MultisiteTest, NetworkUrlsAreExportedAndErasedWithTheActivations) {
    product();
    License l = issue(network_policy(2, -1));
    join(l.key, "https://private-net.example.org");
    join(l.key, "https://blog.private-net.example.org", "https://private-net.example.org");
    const plinth_module *module = host->host().module("licenses");
    const auto *pd = host->host().interface_as<plinth_personal_data_v1>("licenses", PLINTH_EXT_PERSONAL_DATA);
    plinth_subject subject{sizeof(plinth_subject), 7, nullptr, 0};
    Exported ex;
    plinth_export_sink sink{sizeof(plinth_export_sink), &ex, &Exported::item, nullptr};
    plinth_error e = sdk::make_error();
    ASSERT_EQ(pd->export_subject(module, &subject, &sink, &e), PLINTH_OK) << e.message;
    int networks = 0;
    for (const auto &[category, item] : ex.items) {
        if (category != "license activation") continue;
        if (item.as_object().contains("network") && !item.as_object().contains("site")) ++networks;
        if (item.as_object().contains("site") && str(item, "site") == "blog.private-net.example.org") {
            EXPECT_EQ(str(item, "network"), "private-net.example.org");
            EXPECT_EQ(str(item, "coverage"), "subdomain");
        }
    }
    EXPECT_EQ(networks, 1);

    Erased erased;
    plinth_erasure_sink esink{sizeof(plinth_erasure_sink), &erased, &Erased::item};
    ASSERT_EQ(pd->erase_subject(module, &subject, 0, &esink, &e), PLINTH_OK) << e.message;
    bool network_reported = false;
    for (const auto &i : erased.items) network_reported = network_reported || i.item.rfind("network ", 0) == 0;
    EXPECT_TRUE(network_reported);
    EXPECT_EQ(db.dump_all_tables().find("private-net"), std::string::npos);
    EXPECT_EQ(count("SELECT COUNT(*) FROM license_networks WHERE license_id = ?", l.id), 0);
}

class UncachedMultisiteTest : public MultisiteTest {
protected:
    object config() override { return object{{"licenses", object{{"cache", object{{"enabled", false}}}}}}; }
};

TEST_F(UncachedMultisiteTest, NetworkChecksFromTheDatabaseAgreeWithTheCachedRules) {
    product();
    License l = issue(network_policy(1, -1));
    join(l.key, "https://example.com");
    join(l.key, "https://mapped.net", "https://example.com");
    EXPECT_EQ(str(check_in(l.key, "https://blog.example.com", "https://example.com"), "coverage"), "subdomain");
    EXPECT_EQ(str(check_in(l.key, "https://mapped.net", ""), "coverage"), "mapped");
    EXPECT_EQ(str(check_in(l.key, "https://unmapped.net", "https://example.com"), "code"), "SITE_NOT_ACTIVATED");
    EXPECT_EQ(str(check_in(l.key, "https://example.com/fr", ""), "network"), "example.com");
}

} // namespace
} // namespace plinth::licenses
