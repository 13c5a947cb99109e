// `plinth-host demo`, licenses step: a multisite license from issue to suspension.
#include "demo.hpp"

#include <plinth/ext/license_check.h>
#include <plinth/sdk/host.hpp>

#include <string>

namespace plinth::demo {

namespace {

bool failed(const boost::json::value &v) { return v.is_object() && v.as_object().contains("error"); }

std::string text(const boost::json::value &v, std::string_view member) {
    if (!v.is_object()) return {};
    const boost::json::value *m = v.as_object().if_contains(member);
    return m && m->is_string() ? std::string(m->as_string()) : std::string();
}

} // namespace

void licenses_demo(DemoContext &demo) {
    const plinth_call_context staff =
        demo.staff_id ? host::user_caller(demo.staff_id, PLINTH_ROLE_STAFF) : host::system_caller();
    const int64_t customer_id = demo.user_id ? demo.user_id : 1001;
    const plinth_call_context customer = host::user_caller(customer_id, PLINTH_ROLE_CUSTOMER);
    const plinth_call_context site = host::anonymous_caller(); // a customer's WordPress site

    demo.step("Licenses: a product and a three-site policy");
    demo.say("Staff define what is sold: three sites, a year, two weeks of grace, staging sites free.");
    demo.call("licenses", "product.create", {{"slug", "seo-pro"}, {"name", "SEO Pro"}}, staff);
    boost::json::value policy = demo.call("licenses", "policy.create",
                                          {{"product", "seo-pro"},
                                           {"name", "Agency, 3 sites"},
                                           {"seat_limit", 3},
                                           {"duration_days", 365},
                                           {"grace_days", 14},
                                           {"staging_exempt", true}},
                                          staff);
    if (failed(policy)) return demo.say("(no policy, so the licenses demo stops here)");

    demo.step("Licenses: issue a key to the customer");
    boost::json::value license = demo.call(
        "licenses", "license.issue", {{"user_id", customer_id}, {"policy_id", policy.at("id")}}, staff);
    if (failed(license)) return;
    std::string key = text(license, "key");
    int64_t license_id = license.at("id").as_int64();
    demo.say("The key is random (130 bits) with a checksum; only its keyed hash and an encrypted copy are stored.");
    demo.say("The owner can see it again:");
    demo.call("licenses", "license.get", {{"id", license_id}}, customer);

    demo.step("Licenses: activate sites");
    demo.call("licenses", "activation.activate", {{"key", key}, {"site", "https://www.shop-one.example.com/"}}, site);
    demo.say("The same site spelled differently is the same activation (created: false):");
    demo.call("licenses", "activation.activate", {{"key", key}, {"site", "http://shop-one.example.com"}}, site);
    demo.call("licenses", "activation.activate", {{"key", key}, {"site", "https://shop-two.example.com/store"}}, site);
    demo.say("A staging site takes no seat:");
    demo.call("licenses", "activation.activate", {{"key", key}, {"site", "https://staging.shop-two.example.com"}}, site);
    demo.call("licenses", "activation.activate", {{"key", key}, {"site", "https://bücher.example.de"}}, site);
    demo.say("The fourth real site is refused — every seat is taken:");
    demo.call("licenses", "activation.activate", {{"key", key}, {"site", "https://shop-four.example.com"}}, site);

    demo.step("Licenses: check");
    demo.call("licenses", "check", {{"key", key}, {"site", "https://shop-two.example.com/store/?page=2"}}, site);
    demo.say("A typo in the key is caught by its checksum, without touching the database:");
    std::string typo = key;
    typo[3] = typo[3] == 'X' ? 'Y' : 'X';
    demo.call("licenses", "check", {{"key", typo}, {"site", "https://shop-one.example.com"}}, site);
    demo.call("licenses", "check", {{"key", key}, {"site", "https://never-activated.example.com"}}, site);

    const auto *typed = demo.host.interface_as<plinth_license_check_v1>("licenses", PLINTH_EXT_LICENSE_CHECK);
    if (typed != nullptr) {
        plinth_license_query q{sizeof q, sdk::to_str(key), sdk::to_str("https://shop-one.example.com"), {}, {}};
        plinth_license_verdict v{};
        v.struct_size = sizeof v;
        if (typed->check(demo.host.module("licenses"), &q, &v, nullptr) == PLINTH_OK)
            demo.say("The typed fast path (plinth.license-check/1, no JSON, served from memory) agrees: code " +
                     std::to_string(v.code) + ", valid " + std::to_string(v.valid) + ", seats " +
                     std::to_string(v.seats_used) + "/" + std::to_string(v.seat_limit) + ".");
    }

    demo.step("Licenses: a signed verdict for offline verification");
    demo.call("licenses", "public_key", boost::json::object{}, site);
    demo.call("licenses", "check.signed",
              {{"key", key}, {"site", "https://shop-one.example.com"}, {"challenge", "demo-1"}}, site);
    demo.say("Verify with crypto_sign_verify_detached(signature, payload, public_key); see docs/modules/licenses.md.");

    demo.step("Licenses: suspend, check again, reinstate");
    demo.call("licenses", "license.suspend", {{"id", license_id}}, staff);
    demo.call("licenses", "check", {{"key", key}, {"site", "https://shop-one.example.com"}}, site);
    demo.call("licenses", "license.reinstate", {{"id", license_id}}, staff);
    demo.call("licenses", "check", {{"key", key}, {"site", "https://shop-one.example.com"}}, site);
    demo.call("licenses", "audit.list", {{"license_id", license_id}, {"limit", 5}}, customer);

    demo.step("Licenses: a multisite license counts WordPress networks, not sites");
    demo.say("One network of up to 3 sites; the network is named by its main site's URL.");
    boost::json::value network_policy = demo.call("licenses", "policy.create",
                                                  {{"product", "seo-pro"},
                                                   {"name", "Multisite, 1 network of 3 sites"},
                                                   {"seat_limit", 1},
                                                   {"scope", "network"},
                                                   {"sites_per_network", 3},
                                                   {"duration_days", 365}},
                                                  staff);
    if (failed(network_policy)) return;
    boost::json::value multisite = demo.call(
        "licenses", "license.issue", {{"user_id", customer_id}, {"policy_id", network_policy.at("id")}}, staff);
    if (failed(multisite)) return;
    std::string network_key = text(multisite, "key");
    const std::string network = "https://network.example.com";
    demo.say("A subsite activates with the network URL it belongs to: the network takes the one seat.");
    demo.call("licenses", "activation.activate",
              {{"key", network_key}, {"site", "https://blog.network.example.com"}, {"network", network}}, site);
    demo.say("A subdirectory site joins (the main site counts too: three sites); a domain-mapped site would be "
             "the fourth and is refused:");
    demo.call("licenses", "activation.activate",
              {{"key", network_key}, {"site", "https://network.example.com/fr"}, {"network", network}}, site);
    demo.call("licenses", "activation.activate",
              {{"key", network_key}, {"site", "https://mapped-shop.example.org"}, {"network", network}}, site);
    demo.say("The verdict says which network covers a site, and how:");
    demo.call("licenses", "check",
              {{"key", network_key}, {"site", "https://blog.network.example.com/"}, {"network", network}}, site);
    demo.call("licenses", "license.get", {{"id", multisite.at("id")}}, customer);
    demo.say("Deactivating the network releases all its sites:");
    demo.call("licenses", "activation.deactivate", {{"key", network_key}, {"network", network}}, site);
}

} // namespace plinth::demo
