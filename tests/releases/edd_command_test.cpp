// The EDD-compatible API through the `edd` command, with the form fields exactly as EDD's updater
// and licence screens send them (every value a string).
#include "fixture.hpp"

namespace plinth::releases::test {
namespace {

class Edd : public ReleasesFixture {
protected:
    void SetUp() override {
        ReleasesFixture::SetUp();
        call("licenses", "product.create", {{"slug", "forms"}, {"name", "Forms"}}, staff);
        call("releases", "product.set", {{"product", "forms"}, {"name", "Forms Plus"}, {"edd_item_id", 202}}, staff);
    }

    // The fields EDD_SL_Plugin_Updater 1.9 posts for get_version.
    object updater_form(const std::string &key, std::string_view url, std::string_view beta = "0") {
        return {{"edd_action", "get_version"}, {"license", key},   {"item_name", "0"},      {"item_id", "101"},
                {"version", "1.0.0"},         {"slug", "seo-pro"}, {"author", "Vendor"},    {"url", url},
                {"beta", beta},               {"php_version", "8.2.7"}, {"wp_version", "6.1.1"}};
    }

    object licence_form(std::string_view action, const std::string &key, std::string_view url,
                        std::string_view item_id = "101") {
        return {{"edd_action", action}, {"license", key}, {"item_id", item_id}, {"url", url}};
    }

    static void expect_no_personal_fields(const value &v) {
        std::string text = boost::json::serialize(v);
        for (const char *f : {"customer_name", "customer_email", "payment_id", "email"})
            EXPECT_EQ(text.find(f), std::string::npos) << f << " in " << text;
    }
};

TEST_F(Edd, CheckLicenseSpeaksEddsValues) {
    auto [id, key] = issue(policy(3, {{"expires_at", 1798761600}})); // 2027-01-01
    auto [unused_id, unused] = issue(policy(3));
    activate(key, "https://shop-one.com");

    value v = edd(licence_form("check_license", key, "https://shop-one.com"));
    EXPECT_TRUE(v.at("success").as_bool());
    EXPECT_EQ(str(v, "license"), "valid");
    EXPECT_EQ(v.at("item_id").as_int64(), 101);
    EXPECT_EQ(str(v, "item_name"), "SEO Pro");
    EXPECT_EQ(v.at("license_limit").as_int64(), 3);
    EXPECT_EQ(v.at("site_count").as_int64(), 1);
    EXPECT_EQ(v.at("activations_left").as_int64(), 2);
    EXPECT_EQ(str(v, "expires"), "2027-01-01 00:00:00");
    EXPECT_EQ(str(v, "checksum").size(), 32u);
    expect_no_personal_fields(v);

    EXPECT_EQ(str(edd(licence_form("check_license", key, "https://elsewhere-shop.com")), "license"), "site_inactive");
    EXPECT_EQ(str(edd(licence_form("check_license", unused, "https://elsewhere-shop.com")), "license"), "inactive");
    value missing = edd(licence_form("check_license", "", "https://shop-one.com"));
    EXPECT_FALSE(missing.at("success").as_bool());
    EXPECT_EQ(str(missing, "license"), "invalid");
    EXPECT_FALSE(missing.as_object().contains("license_limit"));
    EXPECT_EQ(str(edd(licence_form("check_license", key, "https://shop-one.com", "202")), "license"),
              "item_name_mismatch");
    value unknown = edd(licence_form("check_license", key, "https://shop-one.com", "999"));
    EXPECT_EQ(str(unknown, "license"), "invalid");
    EXPECT_EQ(str(unknown, "error"), "invalid_item_id");
    // item_name alone names the product too; a name we do not sell is a mismatch.
    EXPECT_EQ(str(edd({{"edd_action", "check_license"}, {"license", key}, {"item_name", "SEO Pro"},
                       {"url", "https://shop-one.com"}}),
                  "license"),
              "valid");
    // EDD's sample licence screen urlencode()s the name before the form is encoded.
    EXPECT_EQ(str(edd({{"edd_action", "check_license"}, {"license", key}, {"item_name", "SEO+Pro"},
                       {"url", "https://shop-one.com"}}),
                  "license"),
              "valid");
    EXPECT_EQ(str(edd({{"edd_action", "check_license"}, {"license", key}, {"item_name", "SEO Lite"},
                       {"url", "https://shop-one.com"}}),
                  "error"),
              "item_name_mismatch");

    call("licenses", "license.suspend", {{"id", id}}, staff);
    EXPECT_EQ(str(edd(licence_form("check_license", key, "https://shop-one.com")), "license"), "disabled");
    call("licenses", "license.reinstate", {{"id", id}}, staff);
    host->set_now_s(1798761600 + 10);
    EXPECT_EQ(str(edd(licence_form("check_license", key, "https://shop-one.com")), "license"), "expired");
    (void)unused_id;
}

TEST_F(Edd, ActivateAndDeactivate) {
    auto [id, key] = issue(policy(1));
    value a = edd(licence_form("activate_license", key, "https://www.shop-one.com/"));
    EXPECT_TRUE(a.at("success").as_bool());
    EXPECT_EQ(str(a, "license"), "valid");
    EXPECT_EQ(a.at("site_count").as_int64(), 1);
    EXPECT_EQ(a.at("activations_left").as_int64(), 0);
    EXPECT_EQ(str(a, "expires"), "lifetime");
    expect_no_personal_fields(a);
    // Activating the same site again is idempotent; another site finds no seat.
    EXPECT_TRUE(edd(licence_form("activate_license", key, "https://shop-one.com")).at("success").as_bool());
    value full = edd(licence_form("activate_license", key, "https://second-shop.com"));
    EXPECT_FALSE(full.at("success").as_bool());
    EXPECT_EQ(str(full, "license"), "invalid");
    EXPECT_EQ(str(full, "error"), "no_activations_left");

    value mismatch = edd(licence_form("activate_license", key, "https://second-shop.com", "202"));
    EXPECT_EQ(str(mismatch, "error"), "key_mismatch");
    EXPECT_EQ(str(edd(licence_form("activate_license", "", "https://second-shop.com")), "error"), "missing");
    EXPECT_EQ(str(edd(licence_form("activate_license", key, "https://second-shop.com", "77")), "error"),
              "invalid_item_id");
    EXPECT_EQ(str(edd(licence_form("activate_license", key, "")), "error"), "site_inactive");

    value d = edd(licence_form("deactivate_license", key, "https://shop-one.com"));
    EXPECT_TRUE(d.at("success").as_bool());
    EXPECT_EQ(str(d, "license"), "deactivated");
    EXPECT_EQ(d.at("site_count").as_int64(), 0);
    value again = edd(licence_form("deactivate_license", key, "https://shop-one.com"));
    EXPECT_FALSE(again.at("success").as_bool());
    EXPECT_EQ(str(again, "license"), "failed");

    call("licenses", "license.revoke", {{"id", id}}, staff);
    value revoked = edd(licence_form("activate_license", key, "https://shop-one.com"));
    EXPECT_EQ(str(revoked, "error"), "revoked");
    EXPECT_EQ(count("SELECT COUNT(*) FROM license_activations"), 0);
}

TEST_F(Edd, ExpiredLicencesCannotActivate) {
    int64_t now = host->now_us() / 1000000;
    auto [id, key] = issue(policy(2, {{"expires_at", now + 60}}));
    host->advance_s(120);
    value a = edd(licence_form("activate_license", key, "https://shop-one.com"));
    EXPECT_FALSE(a.at("success").as_bool());
    EXPECT_EQ(str(a, "error"), "expired");
    EXPECT_EQ(count("SELECT COUNT(*) FROM license_activations"), 0);
    (void)id;
}

TEST_F(Edd, GetVersionAnswersTheUpdaterWithAPackageOnlyForAValidLicence) {
    publish("1.0.0", {{"released_at", 1767225600}});
    publish("1.1.0", {{"released_at", 1767312000}, {"changelog", "Fixes <script>alert(1)</script> **XSS**"}}, 4096, 2);
    publish("1.2.0-beta.1", {}, 4096, 3);
    auto [id, key] = issue(policy(1));
    activate(key, "https://shop-one.com");

    value v = edd(updater_form(key, "https://shop-one.com"));
    const object &o = v.as_object();
    for (const char *field : {"new_version", "stable_version", "name", "slug", "url", "last_updated", "homepage",
                              "package", "download_link", "sections", "banners", "icons", "requires", "tested",
                              "requires_php"})
        EXPECT_TRUE(o.contains(field)) << field;
    EXPECT_EQ(str(v, "new_version"), "1.1.0");
    EXPECT_EQ(str(v, "stable_version"), "1.1.0");
    EXPECT_EQ(str(v, "name"), "SEO Pro");
    EXPECT_EQ(str(v, "slug"), "seo-pro"); // the plugin's own slug, as it asked
    EXPECT_EQ(str(v, "url"), "https://vendor.example/seo");
    EXPECT_EQ(str(v, "last_updated"), "2026-01-02 00:00:00");
    EXPECT_EQ(str(v, "requires"), "6.1");
    EXPECT_EQ(str(v, "tested"), "6.4");
    EXPECT_EQ(str(v, "requires_php"), "8.0");
    // PHP-serialized arrays, as EDD sends them (WordPress indexes them as arrays).
    EXPECT_EQ(str(v, "banners"), "a:1:{s:4:\"high\";s:32:\"https://cdn.example/seo-1544.png\";}");
    EXPECT_EQ(str(v, "icons"), "a:0:{}");
    EXPECT_EQ(str(v.at("sections"), "description"), "<p>Better <em>titles</em>.</p>\n");
    std::string changelog = str(v.at("sections"), "changelog");
    EXPECT_EQ(changelog.find("<script>"), std::string::npos);
    EXPECT_NE(changelog.find("&lt;script&gt;"), std::string::npos);
    EXPECT_NE(changelog.find("<h4>1.1.0 (2026-01-02)</h4>"), std::string::npos);
    EXPECT_LT(changelog.find("1.1.0"), changelog.find("1.0.0"));
    std::string package = str(v, "package");
    EXPECT_EQ(package, str(v, "download_link"));
    DownloadLink link = parse_link(package);
    std::string bytes;
    EXPECT_EQ(read(link, 0, 4, bytes), PLINTH_OK);
    EXPECT_EQ(bytes, std::string("PK\x03\x04", 4));
    expect_no_personal_fields(v);

    EXPECT_EQ(str(edd(updater_form(key, "https://shop-one.com", "1")), "new_version"), "1.2.0-beta.1");

    // No key, a key for another site, an expired or revoked licence: version shown, no package.
    for (const std::string &k : {std::string(), key}) {
        value shown = edd(updater_form(k, k.empty() ? "https://shop-one.com" : "https://other-shop.com"));
        EXPECT_EQ(str(shown, "new_version"), "1.1.0");
        EXPECT_EQ(str(shown, "package"), "");
        EXPECT_EQ(str(shown, "download_link"), "");
    }
    call("licenses", "license.revoke", {{"id", id}}, staff);
    EXPECT_EQ(str(edd(updater_form(key, "https://shop-one.com")), "package"), "");

    // An item we do not know: no `sections`, so the updater discards the answer.
    object unknown = updater_form(key, "https://shop-one.com");
    unknown["item_id"] = "999";
    value u = edd(unknown);
    EXPECT_FALSE(u.as_object().contains("sections"));
    EXPECT_EQ(str(u, "error"), "invalid_item_id");
}

TEST_F(Edd, RefusesWhatIsNotAnEddRequest) {
    EXPECT_EQ(fails("edd", object{{"edd_action", "get_versions"}}, anonymous), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("edd", object{{"license", "x"}}, anonymous), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("edd", object{{"edd_action", "check_license"}, {"license", object{}}}, anonymous),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("edd", object{{"edd_action", "check_license"}, {"url", std::string(5000, 'a')}}, anonymous),
              PLINTH_E_INVALID_ARGUMENT);
}

} // namespace
} // namespace plinth::releases::test
