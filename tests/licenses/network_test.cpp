// Multisite coverage rules, pure: how a site relates to a network, and when a license covers it.
#include "domain/network.hpp"
#include "domain/site.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace plinth::licenses {
namespace {

std::string canon(const std::string &url) {
    SiteResult r = canonical_site(url);
    EXPECT_TRUE(r.ok) << url << ": " << r.error;
    return r.site.canonical;
}

TEST(Network, CanonicalFormsSplitIntoHostPortAndPath) {
    struct Case {
        const char *canonical, *host, *port, *path;
    };
    for (const Case &c : std::vector<Case>{{"example.com", "example.com", "", ""},
                                           {"example.com/shop", "example.com", "", "/shop"},
                                           {"example.com:8443/a/b", "example.com", ":8443", "/a/b"},
                                           {"[::1]:8080/wp", "[::1]", ":8080", "/wp"},
                                           {"[2001:db8::1]", "[2001:db8::1]", "", ""},
                                           {"127.0.0.1:8080", "127.0.0.1", ":8080", ""}}) {
        CanonicalParts p = split_canonical(c.canonical);
        EXPECT_EQ(p.host, c.host) << c.canonical;
        EXPECT_EQ(p.port, c.port) << c.canonical;
        EXPECT_EQ(p.path, c.path) << c.canonical;
    }
}

TEST(Network, HowASiteRelatesToANetwork) {
    struct Case {
        const char *site, *network;
        Coverage expected;
    };
    for (const Case &c : std::vector<Case>{
             {"https://example.com", "https://www.example.com/", Coverage::main},
             {"https://blog.example.com", "https://example.com", Coverage::subdomain},
             {"https://www.blog.example.com/", "https://example.com", Coverage::subdomain},
             {"https://a.b.example.com/x", "https://example.com", Coverage::subdomain},
             {"https://example.com/fr", "https://example.com", Coverage::subdirectory},
             {"https://example.com/wp/fr/", "https://example.com/wp", Coverage::subdirectory},
             {"https://blog.example.com/wp", "https://example.com/wp", Coverage::mapped}, // subdirectory network
             {"http://localhost:8080/wp/site2", "http://localhost:8080/wp", Coverage::subdirectory},
             // near misses are other sites: domain-mapped at best
             {"https://myexample.com", "https://example.com", Coverage::mapped},
             {"https://example.com.evil.net", "https://example.com", Coverage::mapped},
             {"https://example.com/wpx", "https://example.com/wp", Coverage::mapped},
             {"https://example.com", "https://example.com/wp", Coverage::mapped},
             {"https://blog.example.com:8443", "https://example.com", Coverage::mapped},
             {"https://example.com:8443/fr", "https://example.com", Coverage::mapped},
             {"https://other.org", "https://example.com", Coverage::mapped},
             {"https://example.org", "https://example.com", Coverage::mapped},
         })
        EXPECT_EQ(relation(canon(c.site), canon(c.network)), c.expected) << c.site << " in " << c.network;
    // An address has no subdomains.
    EXPECT_EQ(relation("x.10.0.0.1", "10.0.0.1"), Coverage::mapped);
    EXPECT_EQ(relation("10.0.0.1/blog", "10.0.0.1"), Coverage::subdirectory);
}

TEST(Network, DomainMappedSitesAlwaysCountStagingSitesOtherwiseDoNot) {
    EXPECT_TRUE(counts_against_network(Coverage::mapped, true));
    EXPECT_TRUE(counts_against_network(Coverage::mapped, false));
    for (Coverage c : {Coverage::main, Coverage::subdomain, Coverage::subdirectory}) {
        EXPECT_FALSE(counts_against_network(c, true));
        EXPECT_TRUE(counts_against_network(c, false));
    }
}

LicenseSites network_license(bool structural) {
    LicenseSites l;
    l.scope = LicenseScope::network;
    l.structural_without_activation = structural;
    l.networks = {{10, "example.com"}, {11, "example.com/wp"}, {12, "other.org"}};
    l.sites = {{"example.com", 10, Coverage::main},
               {"example.com/wp", 11, Coverage::main},
               {"other.org", 12, Coverage::main},
               {"blog.example.com", 10, Coverage::subdomain},
               {"mapped.net", 12, Coverage::mapped}};
    l.sort();
    return l;
}

TEST(Network, ActivatedSitesAreCoveredByTheirOwnNetwork) {
    for (bool structural : {true, false}) {
        LicenseSites l = network_license(structural);
        CoverageAnswer a = cover(l, "blog.example.com", "example.com");
        EXPECT_EQ(a.coverage, Coverage::subdomain);
        EXPECT_EQ(a.network_id, 10);
        a = cover(l, "mapped.net", "");
        EXPECT_EQ(a.coverage, Coverage::mapped);
        EXPECT_EQ(a.network_id, 12);
        EXPECT_EQ(cover(l, "other.org", "other.org").network_id, 12);
        // A domain-mapped site is covered only once activated, whatever network it reports.
        EXPECT_FALSE(cover(l, "unmapped.net", "example.com").covered());
        EXPECT_FALSE(cover(l, "unmapped.net", "").covered());
    }
}

TEST(Network, StructuralSitesNeedNoActivationOnlyWithoutASubLimit) {
    LicenseSites open = network_license(true);
    CoverageAnswer a = cover(open, "shop.example.com", "example.com");
    EXPECT_EQ(a.coverage, Coverage::subdomain);
    EXPECT_EQ(a.network_id, 10);
    a = cover(open, "example.com/fr", "example.com");
    EXPECT_EQ(a.coverage, Coverage::subdirectory);
    // Reporting no network: the most specific activated network that contains the site.
    a = cover(open, "example.com/wp/de", "");
    EXPECT_EQ(a.coverage, Coverage::subdirectory);
    EXPECT_EQ(a.network_id, 11);
    EXPECT_EQ(cover(open, "shop.example.com", "").network_id, 10);
    // Reporting a network that is not activated, or that does not contain the site.
    EXPECT_FALSE(cover(open, "shop.example.com", "unknown.com").covered());
    EXPECT_FALSE(cover(open, "shop.example.com", "other.org").covered());

    LicenseSites limited = network_license(false);
    EXPECT_FALSE(cover(limited, "shop.example.com", "example.com").covered());
    EXPECT_FALSE(cover(limited, "example.com/fr", "").covered());
}

TEST(Network, ASiteScopedLicenseIgnoresTheReportedNetwork) {
    LicenseSites l(std::vector<std::string>{"a.com", "b.com/shop"});
    CoverageAnswer a = cover(l, "a.com", "whatever.org");
    EXPECT_EQ(a.coverage, Coverage::site);
    EXPECT_EQ(a.network_id, 0);
    EXPECT_FALSE(cover(l, "c.com", "a.com").covered());
    EXPECT_FALSE(cover(l, "sub.a.com", "a.com").covered());
}

TEST(Network, NamesAndScopes) {
    EXPECT_EQ(coverage_name(Coverage::subdirectory), "subdirectory");
    EXPECT_EQ(scope_from_name("network"), LicenseScope::network);
    EXPECT_EQ(scope_from_name("site"), LicenseScope::site);
    EXPECT_FALSE(scope_from_name("Network").has_value());
    EXPECT_FALSE(scope_from_name("").has_value());
}

} // namespace
} // namespace plinth::licenses
