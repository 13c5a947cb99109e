// Signed verdicts and the audit trail of the licenses module, over a real host.
#include "licenses_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <string>

namespace plinth::licenses {
namespace {

using namespace plinth::licenses::fixture;
using boost::json::object;
using boost::json::value;

TEST_F(LicensesTest, SignedVerdictsVerifyOffline) {
    ASSERT_GE(sodium_init(), 0);
    product();
    License l = issue(policy(2, object{{"duration_days", 10}}));
    activate(l.key, "https://signed.example.com/");
    value pk = call("public_key", object{}, anonymous);
    EXPECT_EQ(str(pk, "algorithm"), "Ed25519");
    std::string pk64 = str(pk, "public_key");
    std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> public_key{};
    size_t n = 0;
    ASSERT_EQ(sodium_base642bin(public_key.data(), public_key.size(), pk64.data(), pk64.size(), nullptr, &n, nullptr,
                                sodium_base64_VARIANT_ORIGINAL),
              0);
    ASSERT_EQ(n, public_key.size());

    value sv = call("check.signed", object{{"key", l.key}, {"site", "http://signed.example.com"}, {"challenge", "c-42"}},
                    anonymous);
    std::string payload = str(sv, "payload");
    std::string sig64 = str(sv, "signature");
    std::array<uint8_t, crypto_sign_BYTES> signature{};
    ASSERT_EQ(sodium_base642bin(signature.data(), signature.size(), sig64.data(), sig64.size(), nullptr, &n, nullptr,
                                sodium_base64_VARIANT_ORIGINAL),
              0);
    // What an offline verifier does: check the bytes, then read them.
    EXPECT_EQ(crypto_sign_verify_detached(signature.data(), reinterpret_cast<const unsigned char *>(payload.data()),
                                          payload.size(), public_key.data()),
              0);
    value p = boost::json::parse(payload);
    EXPECT_EQ(str(p, "type"), "plinth.license-verdict/1");
    EXPECT_EQ(str(p, "code"), "VALID");
    EXPECT_TRUE(p.at("valid").as_bool());
    EXPECT_EQ(str(p, "site"), "signed.example.com");
    EXPECT_EQ(str(p, "product"), "seo");
    EXPECT_EQ(str(p, "challenge"), "c-42");
    EXPECT_EQ(str(p, "nonce").size(), 32u);
    int64_t now = host->now_us() / 1000000;
    EXPECT_EQ(p.at("issued_at").as_int64(), now);
    EXPECT_EQ(p.at("valid_until").as_int64(), std::min(now + 86400, p.at("expires_at").as_int64()));

    std::string tampered = payload;
    tampered.replace(tampered.find("\"seats_used\":1"), 14, "\"seats_used\":0");
    EXPECT_NE(crypto_sign_verify_detached(signature.data(), reinterpret_cast<const unsigned char *>(tampered.data()),
                                          tampered.size(), public_key.data()),
              0);
    // Fresh nonce every time; invalid verdicts are signed too.
    value again = call("check.signed", object{{"key", l.key}, {"site", "http://signed.example.com"}}, anonymous);
    EXPECT_NE(str(boost::json::parse(str(again, "payload")), "nonce"), str(p, "nonce"));
    value bad = call("check.signed", object{{"key", "nope"}, {"site", "http://signed.example.com"}}, anonymous);
    EXPECT_EQ(str(boost::json::parse(str(bad, "payload")), "code"), "MALFORMED");
    EXPECT_EQ(fails("check.signed", "{\"key\":\"k\",\"site\":\"https://a.com\",\"challenge\":\"a b\"}", anonymous),
              PLINTH_E_INVALID_ARGUMENT);
}

TEST_F(LicensesTest, EveryChangeAndActivationIsAudited) {
    product();
    License l = issue(policy(2, object{{"duration_days", 30}}));
    activate(l.key, "https://audited.example.com");
    call("license.suspend", object{{"id", l.id}}, staff);
    call("license.reinstate", object{{"id", l.id}}, staff);
    call("license.renew", object{{"id", l.id}, {"days", 10}}, staff);
    call("activation.deactivate", object{{"license_id", l.id}, {"site", "https://audited.example.com"}}, owner);
    value entries = call("audit.list", object{{"license_id", l.id}}, owner);
    std::vector<std::string> actions;
    for (const value &e : entries.as_array()) actions.push_back(str(e, "action"));
    std::vector<std::string> want = {"activation.removed", "license.renewed",     "license.reinstated",
                                     "license.suspended",  "activation.created", "license.issued"};
    EXPECT_EQ(actions, want);
    EXPECT_EQ(entries.as_array()[0].at("actor_user_id").as_int64(), 7);
    EXPECT_EQ(str(entries.as_array()[4], "actor"), "anonymous");
    EXPECT_EQ(fails("audit.list", "{}", owner), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("audit.list", "{\"license_id\":" + std::to_string(l.id) + "}", stranger), PLINTH_E_NOT_FOUND);
    EXPECT_GE(call("audit.list", object{{"limit", 2}}, staff).as_array().size(), 2u);
}

} // namespace
} // namespace plinth::licenses
