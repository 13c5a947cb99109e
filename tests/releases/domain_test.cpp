// The releases module's pure rules: SemVer precedence, release selection and rollout buckets,
// download signatures, changelog rendering and the EDD mapping.
#include "domain/catalogue.hpp"
#include "domain/changelog.hpp"
#include "domain/download_token.hpp"
#include "domain/edd.hpp"
#include "domain/selection.hpp"
#include "domain/semver.hpp"
#include "domain/settings.hpp"

#include <plinth/base.h>
#include <plinth/ext/license_check.h>
#include <plinth/sdk/display.hpp>
#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <vector>

namespace plinth::releases {
namespace {

Version v(std::string_view text) {
    std::optional<Version> parsed = parse_semver(text);
    if (!parsed) throw std::runtime_error("test version does not parse: " + std::string(text));
    return *parsed;
}

// ---- SemVer ----

TEST(SemVer, OrdersTheSpecificationsExample) {
    // §11: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11
    //      < 1.0.0-rc.1 < 1.0.0, and 1.0.0 < 2.0.0 < 2.1.0 < 2.1.1.
    std::vector<std::string> ordered = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                        "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",     "1.0.0",
                                        "2.0.0",        "2.1.0",         "2.1.1",          "10.0.0"};
    for (size_t i = 0; i < ordered.size(); ++i)
        for (size_t j = 0; j < ordered.size(); ++j) {
            int expected = i < j ? -1 : (i == j ? 0 : 1);
            EXPECT_EQ(compare(v(ordered[i]), v(ordered[j])), expected) << ordered[i] << " vs " << ordered[j];
        }
}

TEST(SemVer, BuildMetadataDoesNotAffectPrecedence) {
    EXPECT_EQ(compare(v("1.0.0+build.1"), v("1.0.0+build.2")), 0);
    EXPECT_EQ(compare(v("1.0.0-rc.1+x"), v("1.0.0-rc.1")), 0);
    EXPECT_EQ(v("1.0.0-rc.1+exp.sha.5114f85").text(), "1.0.0-rc.1+exp.sha.5114f85");
}

TEST(SemVer, RefusesWhatTheSpecificationRefuses) {
    for (std::string_view bad : {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "v1.2.3", "1.2.3-",
                                 "1.2.3-01", "1.2.3-a..b", "1.2.3+", "1.2.3+a..b", "1.2.3-a_b", "1.2.-3", " 1.2.3",
                                 "1.2.3 ", "99999999999999999999.0.0", "1.2.3-\xc3\xa9"})
        EXPECT_FALSE(parse_semver(bad).has_value()) << bad;
    EXPECT_FALSE(parse_semver(std::string(101, '1')).has_value());
    EXPECT_TRUE(parse_semver("1.2.3-0a").has_value()); // alphanumeric identifiers may start with 0
    EXPECT_TRUE(parse_semver("1.2.3+001").has_value()); // build identifiers may have leading zeros
}

TEST(SemVer, InstalledVersionsAreReadLeniently) {
    EXPECT_EQ(compare(*parse_installed_version("1.2"), v("1.2.0")), 0);
    EXPECT_EQ(compare(*parse_installed_version("v2"), v("2.0.0")), 0);
    EXPECT_EQ(compare(*parse_installed_version("1.02.3"), v("1.2.3")), 0);
    EXPECT_EQ(compare(*parse_installed_version("1.3-beta.1"), v("1.3.0-beta.1")), 0);
    for (std::string_view bad : {"", "1.2.3.4", "one", "1..2", "1.2.3-", "v"})
        EXPECT_FALSE(parse_installed_version(bad).has_value()) << bad;
}

// ---- selection ----

Candidate release(int64_t id, std::string_view version, Channel channel = Channel::stable, int32_t rollout = kFullRollout,
                  bool yanked = false) {
    return Candidate{id, v(version), channel, yanked, rollout};
}

TEST(Selection, StableSitesSeeOnlyStableReleasesAndBetaSitesSeeTheNewestOfBoth) {
    std::vector<Candidate> rs = {release(1, "1.0.0"), release(2, "1.1.0-beta.1", Channel::beta), release(3, "1.0.1")};
    EXPECT_EQ(newest_admitted(rs, Channel::stable, 0)->id, 3);
    EXPECT_EQ(newest_admitted(rs, Channel::beta, 0)->id, 2);
    rs.push_back(release(4, "1.1.0"));
    EXPECT_EQ(newest_admitted(rs, Channel::beta, 0)->id, 4); // the final release outranks its beta
}

TEST(Selection, YankedReleasesAreNeverOffered) {
    std::vector<Candidate> rs = {release(1, "1.0.0"), release(2, "1.1.0", Channel::stable, kFullRollout, true)};
    EXPECT_EQ(newest_admitted(rs, Channel::stable, 0)->id, 1);
    EXPECT_EQ(select_update(rs, Channel::stable, 0, v("1.0.0")), nullptr);
    // A site already on the yanked version is not offered a downgrade.
    EXPECT_EQ(select_update(rs, Channel::stable, 0, v("1.1.0")), nullptr);
}

TEST(Selection, OffersOnlyNewerVersions) {
    std::vector<Candidate> rs = {release(1, "1.0.0"), release(2, "1.2.0")};
    EXPECT_EQ(select_update(rs, Channel::stable, 0, v("1.1.9"))->id, 2);
    EXPECT_EQ(select_update(rs, Channel::stable, 0, v("1.2.0")), nullptr);
    EXPECT_EQ(select_update(rs, Channel::stable, 0, v("1.2.0+other-build")), nullptr);
    EXPECT_EQ(select_update(rs, Channel::stable, 0, v("1.2.0-rc.1"))->id, 2);
    EXPECT_EQ(select_update(rs, Channel::stable, 0, v("2.0.0-alpha")), nullptr);
}

TEST(Selection, ARolloutAdmitsSitesBelowItsPercentageAndOlderReleasesStayOffered) {
    std::vector<Candidate> rs = {release(1, "1.0.0"), release(2, "1.1.0", Channel::stable, 2500)};
    EXPECT_EQ(newest_admitted(rs, Channel::stable, 2499)->id, 2);
    EXPECT_EQ(newest_admitted(rs, Channel::stable, 2500)->id, 1); // not yet: still offered 1.0.0
    rs[1].rollout = 0;
    EXPECT_EQ(newest_admitted(rs, Channel::stable, 0)->id, 1); // paused
}

TEST(Selection, RolloutBucketsAreStableAndSpreadAcrossSites) {
    EXPECT_EQ(rollout_bucket("seo", "example.com"), rollout_bucket("seo", "example.com"));
    std::vector<int> per_decile(10, 0);
    for (int i = 0; i < 5000; ++i) {
        int32_t b = rollout_bucket("seo", "site" + std::to_string(i) + ".example");
        ASSERT_GE(b, 0);
        ASSERT_LT(b, kFullRollout);
        ++per_decile[static_cast<size_t>(b / 1000)];
    }
    for (int n : per_decile) EXPECT_NEAR(n, 500, 120); // uniform enough to mean what the percentage says
    // Another product orders the same sites differently.
    int same = 0;
    for (int i = 0; i < 200; ++i)
        same += rollout_bucket("seo", "s" + std::to_string(i) + ".example") ==
                rollout_bucket("forms", "s" + std::to_string(i) + ".example");
    EXPECT_LT(same, 5);
}

TEST(Selection, RaisingTheRolloutNeverTakesTheUpdateAwayFromASite) {
    std::vector<std::string> sites;
    for (int i = 0; i < 2000; ++i) sites.push_back("shop" + std::to_string(i) + ".example.org");
    std::vector<Candidate> rs = {release(1, "1.0.0"), release(2, "2.0.0", Channel::stable, 0)};
    std::vector<bool> had(sites.size(), false);
    size_t previous = 0;
    for (int32_t rollout : {0, 1, 50, 100, 500, 1000, 2500, 5000, 7500, 9999, 10000}) {
        rs[1].rollout = rollout;
        size_t offered = 0;
        for (size_t i = 0; i < sites.size(); ++i) {
            const Candidate *c = select_update(rs, Channel::stable, rollout_bucket("seo", sites[i]), v("1.0.0"));
            bool gets = c != nullptr && c->id == 2;
            EXPECT_TRUE(gets || !had[i]) << sites[i] << " lost the update at " << rollout;
            had[i] = gets;
            offered += gets;
        }
        EXPECT_GE(offered, previous);
        previous = offered;
    }
    EXPECT_EQ(previous, sites.size());
}

// ---- download signatures ----

class DownloadTokens : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_GE(sodium_init(), 0);
        for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
        grant = {"seo", "1.2.0", site_digest("example.com/shop"), 1'800'000'000};
        signature = sign_download(grant, key);
    }
    DownloadKey key{};
    DownloadGrant grant;
    std::string signature;
};

TEST_F(DownloadTokens, AValidGrantVerifiesUntilItsExpiry) {
    EXPECT_EQ(signature.size(), 43u);
    EXPECT_EQ(grant.site_digest.size(), 22u);
    EXPECT_EQ(verify_download(grant, signature, key, grant.expires_at - 3600), GrantCheck::ok);
    EXPECT_EQ(verify_download(grant, signature, key, grant.expires_at), GrantCheck::ok);
    EXPECT_EQ(verify_download(grant, signature, key, grant.expires_at + 1), GrantCheck::expired);
}

TEST_F(DownloadTokens, ChangingAnyFieldIsTampering) {
    int64_t now = grant.expires_at - 10;
    DownloadGrant g = grant;
    g.product = "forms";
    EXPECT_EQ(verify_download(g, signature, key, now), GrantCheck::bad_signature);
    g = grant;
    g.version = "1.2.1";
    EXPECT_EQ(verify_download(g, signature, key, now), GrantCheck::bad_signature);
    g = grant;
    g.site_digest = site_digest("other.example");
    EXPECT_EQ(verify_download(g, signature, key, now), GrantCheck::bad_signature);
    g = grant;
    g.expires_at += 86400; // a later expiry is tampering, not a longer life
    EXPECT_EQ(verify_download(g, signature, key, now), GrantCheck::bad_signature);
    DownloadKey other = key;
    other[0] ^= 1;
    EXPECT_EQ(verify_download(grant, signature, other, now), GrantCheck::bad_signature);
    // Every single-character change of the signature is refused.
    for (size_t i = 0; i < signature.size(); ++i) {
        std::string s = signature;
        s[i] = s[i] == 'A' ? 'B' : 'A';
        GrantCheck c = verify_download(grant, s, key, now);
        EXPECT_TRUE(c == GrantCheck::bad_signature || c == GrantCheck::malformed) << i;
    }
    // Tampering with an expired grant is still reported as tampering.
    g = grant;
    g.version = "9.9.9";
    EXPECT_EQ(verify_download(g, signature, key, grant.expires_at + 10), GrantCheck::bad_signature);
}

TEST_F(DownloadTokens, MalformedFieldsAreRefusedBeforeTheMac) {
    int64_t now = grant.expires_at - 10;
    EXPECT_EQ(verify_download(grant, "", key, now), GrantCheck::malformed);
    EXPECT_EQ(verify_download(grant, signature + "A", key, now), GrantCheck::malformed);
    EXPECT_EQ(verify_download(grant, signature.substr(1), key, now), GrantCheck::malformed);
    EXPECT_EQ(verify_download(grant, signature + "=", key, now), GrantCheck::malformed);
    DownloadGrant g = grant;
    g.version = "1.2";
    EXPECT_EQ(verify_download(g, signature, key, now), GrantCheck::malformed);
    g = grant;
    g.product = "seo\nx";
    EXPECT_EQ(verify_download(g, signature, key, now), GrantCheck::malformed);
    g = grant;
    g.expires_at = 0;
    EXPECT_EQ(verify_download(g, signature, key, now), GrantCheck::malformed);
}

TEST(Base64Url, RoundTripsAndRefusesNonCanonicalText) {
    std::string bytes;
    const uint8_t data[] = {0xfb, 0xff, 0x00, 0x10};
    std::string text = base64url(data, sizeof data);
    EXPECT_EQ(text, "-_8AEA");
    ASSERT_TRUE(from_base64url(text, bytes));
    EXPECT_EQ(bytes, std::string("\xfb\xff\x00\x10", 4));
    EXPECT_FALSE(from_base64url("-_8AEB", bytes)); // unused low bits set
    EXPECT_FALSE(from_base64url("+/8AEA", bytes)); // the standard alphabet
    EXPECT_FALSE(from_base64url("-_8AEA==", bytes));
}

// ---- changelog ----

TEST(Changelog, RendersTheSubset) {
    std::string html = render_markdown(
        "# 1.2.0\n\nFixes **two** bugs and *one* `typo`.\nSecond line.\n\n- first\n- [docs](https://example.com/a?b=1&c=2)\n\n1. one\n2. two\n\n```\nif (a < b) {}\n```\n");
    EXPECT_EQ(html,
              "<h1>1.2.0</h1>\n"
              "<p>Fixes <strong>two</strong> bugs and <em>one</em> <code>typo</code>. Second line.</p>\n"
              "<ul>\n<li>first</li>\n<li><a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer\">docs</a></li>\n</ul>\n"
              "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n"
              "<pre><code>if (a &lt; b) {}\n</code></pre>\n");
}

TEST(Changelog, NeverLetsMarkupOrScriptsThrough) {
    const char *attacks[] = {
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[x](https://a.example/\" onmouseover=\"alert(1))",
        "**<b>bold</b>**",
        "`</code><script>`",
        "# <h1>\n- <li>\n```\n</pre><script>\n```",
        "[a](data:text/html;base64,PHNjcmlwdD4=)",
        "<a href='x'>",
    };
    for (const char *a : attacks) {
        std::string html = render_markdown(a);
        EXPECT_EQ(html.find("<script"), std::string::npos) << a;
        EXPECT_EQ(html.find("<img"), std::string::npos) << a;
        EXPECT_EQ(html.find("javascript:"), std::string::npos) << a;
        EXPECT_EQ(html.find("data:"), std::string::npos) << a;
        EXPECT_EQ(html.find("\" onmouseover"), std::string::npos) << a;
        EXPECT_EQ(html.find("<b>"), std::string::npos) << a;
        EXPECT_EQ(html.find("<a href='"), std::string::npos) << a;
    }
    // The link ends at the first ')'; an unsafe target keeps only its text.
    EXPECT_EQ(render_markdown("[click](javascript:alert(1))"), "<p>click)</p>\n");
    EXPECT_EQ(render_markdown("[click](javascript:void)"), "<p>click</p>\n");
    EXPECT_EQ(sdk::html_escape("<a href=\"x\" title='y'>&"), "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;");
}

TEST(Changelog, UnclosedMarkersAreText) {
    EXPECT_EQ(render_markdown("a * b ** c ` d [e](f"), "<p>a * b ** c ` d [e](f</p>\n");
    EXPECT_EQ(render_markdown("snake_case_name"), "<p>snake_case_name</p>\n");
    EXPECT_EQ(render_markdown(""), "");
    EXPECT_LE(render_markdown(std::string(200000, '<')).size(), kMaxChangelogBytes * 4 + 16);
}

// ---- catalogue and settings ----

TEST(Catalogue, FieldRules) {
    EXPECT_TRUE(valid_product_slug("seo-pro2"));
    EXPECT_FALSE(valid_product_slug("-seo"));
    EXPECT_FALSE(valid_product_slug("SEO"));
    EXPECT_TRUE(valid_platform_version("6.1"));
    EXPECT_FALSE(valid_platform_version("6..1"));
    EXPECT_FALSE(valid_platform_version("6.1-beta"));
    EXPECT_TRUE(valid_public_link("https://cdn.example.com/banner.png"));
    EXPECT_FALSE(valid_public_link("javascript:alert(1)"));
    EXPECT_FALSE(valid_public_link("https://a.example/\"onload=x"));
    EXPECT_TRUE(looks_like_zip(std::string("PK\x03\x04rest", 8)));
    EXPECT_FALSE(looks_like_zip("MZ\x90\x00"));
}

TEST(Settings, RefusesUnknownAndMistypedMembers) {
    EXPECT_EQ(Settings::from_json({}).download_ttl_s, 3600);
    EXPECT_EQ(Settings::from_json({{"public_url", "https://updates.example.com/"}}).public_url,
              "https://updates.example.com");
    EXPECT_THROW(Settings::from_json({{"public_url", "ftp://x"}}), sdk::Error);
    EXPECT_THROW(Settings::from_json({{"download_ttl_s", 5}}), sdk::Error);
    EXPECT_THROW(Settings::from_json({{"show_version_without_license", "yes"}}), sdk::Error);
    EXPECT_THROW(Settings::from_json({{"download_tll_s", 600}}), sdk::Error);
}

} // namespace
} // namespace plinth::releases
