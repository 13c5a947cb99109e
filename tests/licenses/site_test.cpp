// What "the same site" means: canonicalisation table and local/staging detection.
#include "domain/site.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace plinth::licenses {
namespace {

struct Canonical {
    std::string input;
    std::string canonical;
    bool exempt;
};

// Each row: a spelling and the one canonical form it must reach.
const std::vector<Canonical> kCanonical = {
    // schemes and case
    {"https://example.com", "example.com", false},
    {"http://example.com", "example.com", false},
    {"HTTPS://EXAMPLE.COM", "example.com", false},
    {"hTTp://Example.Com", "example.com", false},
    // www
    {"https://www.example.com", "example.com", false},
    {"https://WWW.Example.Com/", "example.com", false},
    {"https://www.com", "www.com", false},          // what remains would be a public suffix
    {"https://www.co.uk", "www.co.uk", false},
    {"https://www2.example.com", "www2.example.com", false},
    {"https://123.example.com", "123.example.com", false}, // a name may begin with digits
    {"https://www.1und1.de", "1und1.de", false},
    // every leading "www." (the site fuzzer found "www.www.x" reading back as another site)
    {"https://www.www.example.com", "example.com", false},
    {"https://www.www.www.example.com/shop", "example.com/shop", false},
    {"https://www.www.com", "www.com", false},
    // trailing slash, query, fragment
    {"https://example.com/", "example.com", false},
    {"https://example.com///", "example.com", false},
    {"https://example.com?x=1#f", "example.com", false},
    {"https://example.com/shop?x=1", "example.com/shop", false},
    {"https://example.com/shop#top", "example.com/shop", false},
    {"https://example.com/shop/?utm_source=mail", "example.com/shop", false},
    // ports
    {"https://example.com:443", "example.com", false},
    {"http://example.com:80/", "example.com", false},
    {"https://example.com:0443", "example.com", false},
    {"https://example.com:/", "example.com", false},
    {"https://example.com:8443", "example.com:8443", false},
    {"http://example.com:443", "example.com", false},  // the scheme is dropped, so are both defaults
    {"https://example.com:80", "example.com", false},
    {"https://example.com:65535/", "example.com:65535", false},
    // paths: kept (subdirectory installs), case-sensitive, normalised
    {"https://example.com/shop", "example.com/shop", false},
    {"https://example.com/shop/", "example.com/shop", false},
    {"https://example.com/Shop", "example.com/Shop", false},
    {"https://example.com/a/../b/", "example.com/b", false},
    {"https://example.com/./shop", "example.com/shop", false},
    {"https://example.com/%7Euser", "example.com/~user", false},
    {"https://example.com/caf%c3%a9", "example.com/caf%C3%A9", false},
    {"https://example.com/café", "example.com/caf%C3%A9", false},
    {"https://example.com/blog/en/", "example.com/blog/en", false},
    // dot segments above the root, plain or percent-encoded (RFC 3986 §5.2.4)
    {"https://example.com/../shop", "example.com/shop", false},
    {"https://example.com/%2e%2e/shop", "example.com/shop", false},
    {"https://example.com/%2E%2E/%2e/shop/", "example.com/shop", false},
    {"https://example.com/.%2e/shop", "example.com/shop", false},
    {"https://example.com/a/b/../../../../shop", "example.com/shop", false},
    {"https://example.com/shop/..", "example.com", false},
    {"https://example.com/shop/%2e", "example.com/shop", false},
    {"https://example.com/...", "example.com/...", false}, // three dots are a name, not a dot segment
    // IDN
    {"https://bücher.de", "xn--bcher-kva.de", false},
    {"https://BÜCHER.de/", "xn--bcher-kva.de", false},
    {"https://xn--bcher-kva.de", "xn--bcher-kva.de", false},
    {"https://www.bücher.de", "xn--bcher-kva.de", false},
    {"https://faß.de", "xn--fa-hia.de", false}, // non-transitional: ß is kept, not mapped to ss
    {"https://例え.jp", "xn--r8jz45g.jp", false},
    {"https://b%C3%BCcher.de", "xn--bcher-kva.de", false},
    // odd but valid spellings
    {"https://example.com.", "example.com", false},
    {"  https://example.com  ", "example.com", false},
    {"\thttps://example.com/shop\r\n", "example.com/shop", false},
    {"\xC2\xA0https://example.com\xE3\x80\x80", "example.com", false}, // NBSP, ideographic space
    {"\xEF\xBB\xBFhttps://example.com", "example.com", false},            // a byte-order mark
    {"https://ex%61mple.com", "example.com", false},
    {"https://shop.example.co.uk/", "shop.example.co.uk", false},
    {"https://devices.com", "devices.com", false},
    {"https://mystaging.com", "mystaging.com", false},
    {"https://dev.to", "dev.to", false},
    {"https://r3---sn-abc.googlevideo.com", "r3---sn-abc.googlevideo.com", false},
    {"https://a_b.example.com", "a_b.example.com", false},
    // local and staging
    {"http://127.0.0.1:8080/wp", "127.0.0.1:8080/wp", true},
    {"http://[::1]/", "[::1]", true},
    {"http://[2001:DB8::1]:8080", "[2001:db8::1]:8080", true},
    {"http://10.1.2.3", "10.1.2.3", true},
    {"http://192.168.1.20/wp", "192.168.1.20/wp", true},
    {"http://[fd12:3456::1]", "[fd12:3456::1]", true},
    // public addresses are production sites
    {"https://8.8.8.8", "8.8.8.8", false},
    {"https://[2606:4700::1111]/", "[2606:4700::1111]", false},
    {"http://localhost:8888/site", "localhost:8888/site", true},
    {"https://mysite.local", "mysite.local", true},
    {"https://shop.test/", "shop.test", true},
    {"https://staging.example.com", "staging.example.com", true},
    {"https://www.staging.example.com", "staging.example.com", true},
    {"https://staging.example.co.uk", "staging.example.co.uk", true},
};

TEST(CanonicalSite, Table) {
    ASSERT_GE(kCanonical.size(), 40u);
    for (const Canonical &c : kCanonical) {
        SiteResult r = canonical_site(c.input);
        ASSERT_TRUE(r.ok) << "'" << c.input << "' was refused: " << r.error;
        EXPECT_EQ(r.site.canonical, c.canonical) << c.input;
        EXPECT_EQ(r.site.exempt, c.exempt) << c.input;
        EXPECT_TRUE(r.error.empty()) << c.input;
        // Canonical forms are fixed points: canonicalising the canonical URL changes nothing.
        SiteResult again = canonical_site("https://" + r.site.canonical);
        ASSERT_TRUE(again.ok) << c.input << ": " << again.error;
        EXPECT_EQ(again.site.canonical, r.site.canonical) << c.input;
    }
}

TEST(CanonicalSite, SpellingsOfOneSiteAgree) {
    std::vector<std::string> spellings = {
        "https://www.example.com/shop/", "http://example.com/shop",  "HTTPS://EXAMPLE.COM:443/shop?x=1",
        "https://example.com/shop#f",   "http://www.example.com:80/./shop/", "https://example.com/a/../shop"};
    for (const std::string &s : spellings) {
        SiteResult r = canonical_site(s);
        ASSERT_TRUE(r.ok) << s << ": " << r.error;
        EXPECT_EQ(r.site.canonical, "example.com/shop") << s;
    }
}

TEST(CanonicalSite, DifferentSitesStayDifferent) {
    std::vector<std::string> sites = {"https://example.com",      "https://example.com/shop", "https://example.com:8080",
                                      "https://shop.example.com", "https://example.org",      "https://example.com/Shop",
                                      "https://xn--bcher-kva.de", "https://bucher.de"};
    std::vector<std::string> seen;
    for (const std::string &s : sites) {
        SiteResult r = canonical_site(s);
        ASSERT_TRUE(r.ok) << s;
        for (const std::string &other : seen) EXPECT_NE(other, r.site.canonical) << s;
        seen.push_back(r.site.canonical);
    }
}

struct Refused {
    std::string input;
    std::string error_contains;
};

const std::vector<Refused> kRefused = {
    {"", "empty"},
    {"   ", "empty"},
    {"example.com", "not a valid URL"},
    {"www.example.com/shop", "not a valid URL"},
    {"ftp://example.com", "http:// or https://"},
    {"mailto:someone@example.com", "http:// or https://"},
    {"javascript:alert(1)", "http:// or https://"},
    {"file:///etc/passwd", "http:// or https://"},
    {"https://", "no host"},
    {"https:///path", "no host"},
    {"https://user:pass@example.com", "user name or password"},
    {"https://user@example.com", "user name or password"},
    {"https://exa mple.com", "not a valid URL"},
    {"https://example.com:99999", "port"},
    {"https://example.com:0", "port"},
    {"https://example.com:abc", "not a valid URL"},
    {"https://example.com:8080abc", "not a valid URL"},
    {"https://example..com", "empty label"},
    {"https://-example.com", "starts or ends with '-'"},
    {"https://com", "public suffix"},
    {"https://co.uk", "public suffix"},
    {"https://intranet", "public suffix"},
    {"https://127.1", "neither a domain name nor a valid IP address"},
    {"https://1.2.3.4.5", "not a valid URL"},
    // names that would read back as an IPv4 address and a path (the site fuzzer found the first)
    {"https://68.1.1%2E0t", "neither a domain name nor a valid IP address"},
    {"https://www.1.2.3.4t", "neither a domain name nor a valid IP address"},
    {"https://999.1.1.1", "neither a domain name nor a valid IP address"},
    {"https://example.com/\x01", "control characters"},
    {"https://exa\nmple.com/", "control characters"},
    {"https://" + std::string(64, 'a') + ".com", "longer than 63"},
    {"https://example.com/" + std::string(3000, 'a'), "longer than 2048"},
    {"https://example.com/" + std::string(600, 'a'), "too long once canonicalised"},
    {"https://\xff\xfe.com", "international domain name"},
    {"https://xn--zz.com", "international domain name"},
    {"https://XN--.com", "international domain name"},
    {"https://[v1.x]/", "not a name or an IP address"},
    {"https://ex%00ample.com", "not allowed"},
    {"https://exa%2Fmple.com", "not allowed"},
    {"https://<script>.com", "not a valid URL"},
    {"https://example.com' OR '1'='1", "not a valid URL"},
};

TEST(CanonicalSite, InvalidInputIsRefusedWithAClearError) {
    for (const Refused &c : kRefused) {
        SiteResult r = canonical_site(c.input);
        EXPECT_FALSE(r.ok) << "'" << c.input << "' was accepted as " << r.site.canonical;
        EXPECT_NE(r.error.find(c.error_contains), std::string::npos)
            << "'" << c.input << "' gave: " << r.error << " (wanted: " << c.error_contains << ")";
    }
}

TEST(CanonicalSite, DotSegmentsAreRemovedAsRfc3986Says) {
    EXPECT_EQ(remove_dot_segments("/a/b/c/./../../g"), "/a/g"); // RFC 3986 §5.2.4's own example
    EXPECT_EQ(remove_dot_segments("/../shop"), "/shop");
    EXPECT_EQ(remove_dot_segments("/%2E%2e/shop"), "/shop");
    EXPECT_EQ(remove_dot_segments("/shop/."), "/shop/");
    EXPECT_EQ(remove_dot_segments("/.."), "/");
    EXPECT_EQ(remove_dot_segments("/a//b"), "/a//b");
    EXPECT_EQ(remove_dot_segments("/a.b/..c/c../%2ex"), "/a.b/..c/c../%2ex");
    EXPECT_EQ(remove_dot_segments(""), "");
}

TEST(CanonicalSite, CanonicalFormsAreAcceptedWhereASiteIsNamedAgain) {
    for (const char *form : {"example.com/shop", "localhost:8888/site", "[2001:db8::1]:8080", "xn--bcher-kva.de",
                             "  example.com/shop\n", "https://www.example.com/shop/"}) {
        SiteResult r = canonical_site_or_form(form);
        ASSERT_TRUE(r.ok) << form << ": " << r.error;
        SiteResult again = canonical_site_or_form(r.site.canonical);
        ASSERT_TRUE(again.ok) << form;
        EXPECT_EQ(again.site.canonical, r.site.canonical) << form;
    }
    EXPECT_EQ(canonical_site_or_form("example.com/shop").site.canonical, "example.com/shop");
    // Found by the site fuzzer: a "://" inside the path is no scheme, and the form reads back.
    SiteResult odd = canonical_site("https://w2w.Examplhttp/w://w/ss://./?p=1");
    ASSERT_TRUE(odd.ok) << odd.error;
    SiteResult odd_again = canonical_site_or_form(odd.site.canonical);
    ASSERT_TRUE(odd_again.ok) << odd.site.canonical << ": " << odd_again.error;
    EXPECT_EQ(odd_again.site.canonical, odd.site.canonical);
    // New activations still need a URL.
    EXPECT_FALSE(canonical_site("example.com/shop").ok);
    for (const char *bad : {"", "com", "mailto:a@example.com", "ftp://example.com", "exa mple.com"})
        EXPECT_FALSE(canonical_site_or_form(bad).ok) << bad;
}

TEST(LocalOrStaging, WholeLabelsAndThePublicSuffixList) {
    for (const char *host : {"localhost", "shop.localhost", "127.0.0.1", "10.0.0.7", "[::1]", "[2001:db8::1]",
                             "127.255.0.1", "172.16.0.1", "172.31.255.254", "192.168.0.1", "169.254.10.1",
                             "192.0.2.7", "198.51.100.7", "203.0.113.7", "[fc00::1]", "[fdff::1]", "[fe80::1]",
                             "[febf::1]", "[3fff::1]", "[::ffff:192.168.0.1]", "[::ffff:127.0.0.1]",
                             "mysite.local", "shop.test", "foo.invalid", "docs.example", "www.example.test",
                             "staging.example.com", "stage.example.com", "dev.example.com", "staging.example.co.uk",
                             "dev.shop.example.com"})
        EXPECT_TRUE(is_local_or_staging_host(host)) << host;
}

TEST(LocalOrStaging, NearMissesAreRealSites) {
    for (const char *host : {"devices.com", "mystaging.com", "staging.com", "stage.com", "dev.to", "example.dev",
                             "staging-shop.example.com", "shop.staging.example.com", "developer.example.com",
                             "localhost.com", "example.local.com", "test.com", "testing.example.com",
                             "dev.github.io", "staging.co.uk", "example.com", "local.example.org", "devstaging.net",
                             // public addresses, and the neighbours of every local range
                             "8.8.8.8", "1.1.1.1", "11.0.0.1", "9.255.255.255", "172.15.255.255", "172.32.0.1",
                             "192.167.255.255", "192.169.0.1", "169.253.0.1", "192.0.3.1", "198.51.101.1",
                             "203.0.114.1", "100.64.0.1", "[2606:4700::1111]", "[fec0::1]", "[fbff::1]",
                             "[2001:db9::1]", "[::ffff:8.8.8.8]", "[2001:4860:4860::8888]", "[::]", "[::2]"})
        EXPECT_FALSE(is_local_or_staging_host(host)) << host;
}

} // namespace
} // namespace plinth::licenses
