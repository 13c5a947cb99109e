// Input edge cases found by black-box testing (issue 10, items 19-24), through a real host:
// each one was accepted or refused wrongly before.
#include "licenses_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace plinth::licenses {
namespace {

using namespace plinth::licenses::fixture;
using boost::json::object;
using boost::json::value;

TEST_F(LicensesTest, DotSegmentsDoNotMakeASecondSeatOfOneSite) {
    product();
    License l = issue(policy(1));
    value first = activate(l.key, "https://example.com/shop");
    for (const char *spelling : {"https://example.com/../shop", "https://example.com/%2e%2e/shop",
                                 "https://example.com/%2E%2E/./shop/", "https://example.com/a/../../shop"}) {
        value again = activate(l.key, spelling);
        EXPECT_FALSE(again.at("created").as_bool()) << spelling;
        EXPECT_EQ(again.at("id").as_int64(), first.at("id").as_int64()) << spelling;
        EXPECT_EQ(code(l.key, spelling), "VALID") << spelling;
    }
    EXPECT_EQ(count("SELECT COUNT(*) FROM license_activations WHERE license_id = ?", l.id), 1);
}

TEST_F(LicensesTest, OnlyLocalAddressesAreExemptNotPublicOnes) {
    product();
    License l = issue(policy(1)); // staging_exempt by default
    for (const char *local : {"http://10.0.0.5", "http://192.168.1.10:8080/wp", "http://[fd00::7]", "http://127.0.0.1"}) {
        value v = activate(l.key, local);
        EXPECT_TRUE(v.at("exempt").as_bool()) << local;
        EXPECT_EQ(v.at("seats_used").as_int64(), 0) << local;
    }
    value pub = activate(l.key, "https://8.8.8.8");
    EXPECT_FALSE(pub.at("exempt").as_bool());
    EXPECT_EQ(pub.at("seats_used").as_int64(), 1);
    // The only seat is taken: another public address is a production site like any domain.
    std::string message;
    EXPECT_EQ(fails("activation.activate", boost::json::serialize(object{{"key", l.key}, {"site", "https://1.1.1.1"}}),
                    anonymous, &message),
              PLINTH_E_LIMIT_EXCEEDED)
        << message;
    EXPECT_FALSE(check(l.key, "https://8.8.8.8").at("site_exempt").as_bool());
    expect_summary_matches(l.id);
}

TEST_F(LicensesTest, WhitespaceAroundKeysAndSitesIsIgnored) {
    product();
    License l = issue(policy(2));
    value v = activate(l.key + "\n", "\thttps://example.com/shop\r\n");
    EXPECT_EQ(str(v, "site"), "example.com/shop");
    for (const std::string &key : {l.key + "\n", "\t" + l.key + "\t", " " + l.key + "\r\n", "\xC2\xA0" + l.key})
        EXPECT_EQ(code(key, "https://example.com/shop\n"), "VALID") << key;
    EXPECT_EQ(code(l.key.substr(0, 10) + "\n" + l.key.substr(10), "https://example.com/shop"), "MALFORMED");
    value freed = call("activation.deactivate", object{{"key", " " + l.key + "\n"}, {"site", "https://example.com/shop\t"}},
                       anonymous);
    EXPECT_TRUE(freed.at("deactivated").as_bool());
}

TEST_F(LicensesTest, DeactivationAcceptsTheCanonicalFormThatLicenseGetLists) {
    product();
    License l = issue(policy(3));
    activate(l.key, "https://www.Example.com/shop/");
    activate(l.key, "http://localhost:8888/wp");
    value listed = call("license.get", object{{"id", l.id}}, owner);
    std::vector<std::string> forms;
    for (const value &a : listed.at("activations").as_array()) forms.push_back(str(a, "site"));
    ASSERT_EQ(forms.size(), 2u);
    EXPECT_EQ(forms[0], "example.com/shop");
    // By key (a site) and by license id (its owner), each with the form as listed.
    call("activation.deactivate", object{{"key", l.key}, {"site", forms[0]}}, anonymous);
    call("activation.deactivate", object{{"license_id", l.id}, {"site", forms[1]}}, owner);
    EXPECT_EQ(count("SELECT COUNT(*) FROM license_activations WHERE license_id = ?", l.id), 0);
    // A form that names no activation is still a clear not_found, and junk is still refused.
    EXPECT_EQ(fails("activation.deactivate", boost::json::serialize(object{{"key", l.key}, {"site", "example.com/shop"}}),
                    anonymous),
              PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("activation.deactivate", boost::json::serialize(object{{"key", l.key}, {"site", "exa mple.com"}}),
                    anonymous),
              PLINTH_E_INVALID_ARGUMENT);
    // A new activation still needs a URL.
    EXPECT_EQ(fails("activation.activate", boost::json::serialize(object{{"key", l.key}, {"site", "example.com"}}),
                    anonymous),
              PLINTH_E_INVALID_ARGUMENT);
}

TEST_F(LicensesTest, ProductAndPolicyNamesRefuseControlAndBidiCharacters) {
    product();
    std::string before = db.dump_all_tables();
    for (const char *name : {"SEO\nPro", "SEO\tPro", "esc\x1b[2J", "c1 \xC2\x85", "invoice\u202Etxt.pdf",
                             "\u2066isolate\u2069"}) {
        std::string message;
        EXPECT_EQ(fails("product.create", boost::json::serialize(object{{"slug", "other"}, {"name", name}}), staff,
                        &message),
                  PLINTH_E_INVALID_ARGUMENT)
            << name;
        EXPECT_NE(message.find("'name'"), std::string::npos) << message;
        EXPECT_EQ(fails("policy.create",
                        boost::json::serialize(object{{"product", "seo"}, {"name", name}, {"seat_limit", 1}}), staff),
                  PLINTH_E_INVALID_ARGUMENT)
            << name;
    }
    EXPECT_EQ(db.dump_all_tables(), before);
    // Names in any script, with ordinary punctuation, are fine.
    call("product.create", object{{"slug", "buecher"}, {"name", "Bücher – 日本語 (Pro)"}}, staff);
}

// With the accounts module loaded, a license is issued only to an account that exists.
class LicensesWithAccountsTest : public LicensesTest {
protected:
    void SetUp() override {
        host = std::make_unique<test::TestHost>(db, std::vector<std::string>{"accounts", "licenses"}, config());
    }
    int64_t register_user(std::string_view email, std::string_view username) {
        return host->call("accounts", "register",
                          object{{"email", email},
                                 {"username", username},
                                 {"first_name", "Ada"},
                                 {"last_name", "Lovelace"},
                                 {"password", "correct horse battery staple 1"}},
                          anonymous)
            .at("user_id")
            .as_int64();
    }
};

TEST_F(LicensesWithAccountsTest, IssueRefusesAUserIdWithNoAccount) {
    product();
    int64_t p = policy(1);
    int64_t ada = register_user("ada@example.com", "ada");
    std::string before = db.dump_all_tables();
    std::string message;
    EXPECT_EQ(fails("license.issue", boost::json::serialize(object{{"user_id", ada + 1000}, {"policy_id", p}}), staff,
                    &message),
              PLINTH_E_NOT_FOUND);
    EXPECT_NE(message.find("no account"), std::string::npos) << message;
    EXPECT_EQ(db.dump_all_tables(), before);
    License l = issue(p, ada);
    EXPECT_EQ(call("license.get", object{{"id", l.id}}, staff).at("user_id").as_int64(), ada);
}

TEST_F(LicensesTest, WithoutTheAccountsModuleIssueTrustsTheUserId) {
    product();
    License l = issue(policy(1), 424242);
    EXPECT_EQ(call("license.get", object{{"id", l.id}}, staff).at("user_id").as_int64(), 424242);
}

} // namespace
} // namespace plinth::licenses
