// The EDD mapping (domain/edd.hpp) for every verdict, every activation refusal and every item
// problem: the table docs/updates.md prints, as a specification.
#include "domain/edd.hpp"

#include <plinth/base.h>
#include <plinth/ext/license_check.h>

#include <gtest/gtest.h>

#include <string>

namespace plinth::releases {
namespace {

struct Row {
    int32_t verdict;
    const char *check;      // check_license / get_version: license
    bool check_success;
    const char *activate_error; // activate_license refused on the verdict: error ("" = goes on to activate)
};

// Every plinth_license_code, in the documented order.
const Row kTable[] = {
    {PLINTH_LICENSE_VALID, "valid", true, ""},
    {PLINTH_LICENSE_MALFORMED, "invalid", false, "missing"},
    {PLINTH_LICENSE_NOT_FOUND, "invalid", false, "missing"},
    {PLINTH_LICENSE_REVOKED, "disabled", true, "revoked"},
    {PLINTH_LICENSE_SUSPENDED, "disabled", true, "disabled"},
    {PLINTH_LICENSE_PRODUCT_MISMATCH, "item_name_mismatch", true, "key_mismatch"},
    {PLINTH_LICENSE_EXPIRED, "expired", true, "expired"},
    {PLINTH_LICENSE_EXPIRED_IN_GRACE, "valid", true, ""},
    {PLINTH_LICENSE_SITE_NOT_ACTIVATED, "site_inactive", true, ""},
    {PLINTH_LICENSE_INVALID_SITE, "site_inactive", true, "site_inactive"},
};

EddStatus status(EddAction action, int32_t verdict, int32_t operation = kNotAttempted, int32_t seats_used = 1,
                 ItemMatch item = ItemMatch::matched, bool by_id = true) {
    EddFacts f;
    f.action = action;
    f.item = item;
    f.item_named_by_id = by_id;
    f.verdict = verdict;
    f.seats_used = seats_used;
    f.operation = operation;
    return edd_status(f);
}

TEST(EddMapping, CheckLicenseForEveryVerdict) {
    for (const Row &r : kTable) {
        for (EddAction action : {EddAction::check_license, EddAction::get_version}) {
            EddStatus s = status(action, r.verdict);
            EXPECT_EQ(s.license, r.check) << r.verdict;
            EXPECT_EQ(s.success, r.check_success) << r.verdict;
            EXPECT_EQ(s.error, "") << r.verdict;
        }
    }
    // A licence with no activation anywhere is "inactive"; with activations elsewhere "site_inactive".
    EXPECT_EQ(status(EddAction::check_license, PLINTH_LICENSE_SITE_NOT_ACTIVATED, kNotAttempted, 0).license, "inactive");
    // A verdict code a newer licenses module might add reads as invalid, never as valid.
    EXPECT_EQ(status(EddAction::check_license, 42).license, "invalid");
}

TEST(EddMapping, ActivateLicenseRefusedOnTheVerdict) {
    for (const Row &r : kTable) {
        EddStatus s = status(EddAction::activate_license, r.verdict);
        if (std::string(r.activate_error).empty()) {
            EXPECT_TRUE(edd_activation_allowed(r.verdict)) << r.verdict;
            continue;
        }
        EXPECT_FALSE(edd_activation_allowed(r.verdict)) << r.verdict;
        EXPECT_FALSE(s.success) << r.verdict;
        EXPECT_EQ(s.license, "invalid") << r.verdict;
        EXPECT_EQ(s.error, r.activate_error) << r.verdict;
    }
    // A product named by item_name rather than item_id: the name is what did not match.
    EXPECT_EQ(status(EddAction::activate_license, PLINTH_LICENSE_PRODUCT_MISMATCH, kNotAttempted, 1,
                     ItemMatch::matched, false)
                  .error,
              "item_name_mismatch");
}

TEST(EddMapping, ActivateLicenseAfterTheActivation) {
    for (int32_t verdict : {PLINTH_LICENSE_VALID, PLINTH_LICENSE_EXPIRED_IN_GRACE, PLINTH_LICENSE_SITE_NOT_ACTIVATED}) {
        EddStatus ok = status(EddAction::activate_license, verdict, PLINTH_OK);
        EXPECT_TRUE(ok.success);
        EXPECT_EQ(ok.license, "valid");
        EXPECT_EQ(ok.error, "");
    }
    struct Refusal {
        int32_t status;
        const char *error;
        const char *license;
    };
    for (Refusal r : {Refusal{PLINTH_E_LIMIT_EXCEEDED, "no_activations_left", "invalid"},
                      Refusal{PLINTH_E_EXPIRED, "expired", "invalid"},
                      Refusal{PLINTH_E_CONFLICT, "disabled", "invalid"},
                      Refusal{PLINTH_E_NOT_FOUND, "site_inactive", "invalid"},
                      Refusal{PLINTH_E_INVALID_ARGUMENT, "missing", "invalid"},
                      Refusal{PLINTH_E_DATABASE, "unavailable", "failed"},
                      Refusal{PLINTH_E_UNAVAILABLE, "unavailable", "failed"},
                      Refusal{PLINTH_E_INTERNAL, "unavailable", "failed"}}) {
        EddStatus s = status(EddAction::activate_license, PLINTH_LICENSE_SITE_NOT_ACTIVATED, r.status);
        EXPECT_FALSE(s.success) << r.status;
        EXPECT_EQ(s.error, r.error) << r.status;
        EXPECT_EQ(s.license, r.license) << r.status;
    }
    // Allowed on the verdict, but the activation could not be attempted (licenses went away).
    EddStatus s = status(EddAction::activate_license, PLINTH_LICENSE_VALID, kNotAttempted);
    EXPECT_EQ(s.license, "failed");
    EXPECT_EQ(s.error, "unavailable");
}

TEST(EddMapping, DeactivateLicense) {
    EddStatus ok = status(EddAction::deactivate_license, PLINTH_LICENSE_VALID, PLINTH_OK);
    EXPECT_TRUE(ok.success);
    EXPECT_EQ(ok.license, "deactivated");
    // An expired or revoked licence may still free its seat.
    EXPECT_EQ(status(EddAction::deactivate_license, PLINTH_LICENSE_EXPIRED, PLINTH_OK).license, "deactivated");
    for (const Row &r : kTable) {
        EddStatus s = status(EddAction::deactivate_license, r.verdict, PLINTH_E_NOT_FOUND);
        EXPECT_FALSE(s.success) << r.verdict;
        EXPECT_EQ(s.license, "failed") << r.verdict;
        EXPECT_FALSE(s.error.empty()) << r.verdict;
    }
    EXPECT_EQ(status(EddAction::deactivate_license, PLINTH_LICENSE_SITE_NOT_ACTIVATED, PLINTH_E_NOT_FOUND).error,
              "site_inactive");
    EXPECT_EQ(status(EddAction::deactivate_license, PLINTH_LICENSE_NOT_FOUND).error, "missing");
}

TEST(EddMapping, UnknownItemsAndOutages) {
    for (EddAction action : {EddAction::activate_license, EddAction::check_license, EddAction::get_version}) {
        EddStatus id = status(action, kNoVerdict, kNotAttempted, 0, ItemMatch::unknown_id);
        EXPECT_FALSE(id.success);
        EXPECT_EQ(id.license, "invalid");
        EXPECT_EQ(id.error, "invalid_item_id");
        EddStatus name = status(action, kNoVerdict, kNotAttempted, 0, ItemMatch::unknown_name, false);
        EXPECT_EQ(name.license, "invalid");
        EXPECT_EQ(name.error, "item_name_mismatch");
    }
    EXPECT_EQ(status(EddAction::deactivate_license, kNoVerdict, kNotAttempted, 0, ItemMatch::unknown_id).license,
              "failed");
    for (EddAction action : {EddAction::activate_license, EddAction::deactivate_license, EddAction::check_license,
                             EddAction::get_version}) {
        EddStatus s = status(action, kNoVerdict);
        EXPECT_FALSE(s.success);
        EXPECT_EQ(s.license, "failed"); // an outage is never reported as an invalid licence
        EXPECT_EQ(s.error, "unavailable");
    }
}

TEST(EddMapping, Fields) {
    EXPECT_EQ(edd_expires(0), "lifetime");
    EXPECT_EQ(edd_expires(1767225600), "2026-01-01 00:00:00");
    EXPECT_EQ(edd_datetime(1767312245), "2026-01-02 00:04:05");
    EXPECT_EQ(edd_license_limit(-1), 0);
    EXPECT_EQ(edd_license_limit(5), 5);
    EXPECT_FALSE(edd_activations_left(-1, 7).has_value());
    EXPECT_EQ(edd_activations_left(5, 2), 3);
    EXPECT_EQ(edd_activations_left(2, 3), 0); // never negative, even after a limit was lowered
    for (std::string_view a : {"activate_license", "deactivate_license", "check_license", "get_version"})
        EXPECT_EQ(edd_action_name(*parse_edd_action(a)), a);
    EXPECT_FALSE(parse_edd_action("get_versions").has_value());
    EXPECT_EQ(edd_decode_item_name("SEO+Pro"), "SEO Pro");
    EXPECT_EQ(edd_decode_item_name("SEO%20Pro%C3%A9"), "SEO Pro\xc3\xa9");
    EXPECT_EQ(edd_decode_item_name("100%25 %zz %2"), "100% %zz %2");
    EXPECT_TRUE(edd_verdict_valid(PLINTH_LICENSE_EXPIRED_IN_GRACE));
    EXPECT_FALSE(edd_verdict_valid(PLINTH_LICENSE_SITE_NOT_ACTIVATED));
}

// banners and icons as PHP's serialize() writes an array of strings: lengths in bytes, nothing
// escaped (PHP reads exactly that many bytes).
TEST(EddMapping, PhpSerializedStrings) {
    EXPECT_EQ(php_serialized_strings({}), "a:0:{}");
    EXPECT_EQ(php_serialized_strings({{"low", "https://cdn.example/b.png"}, {"high", "https://cdn.example/c.png"}}),
              "a:2:{s:3:\"low\";s:25:\"https://cdn.example/b.png\";s:4:\"high\";s:25:\"https://cdn.example/c.png\";}");
    EXPECT_EQ(php_serialized_strings({{"1x", "https://cdn.example/\xc3\xa9\";.png"}}),
              "a:1:{s:2:\"1x\";s:28:\"https://cdn.example/\xc3\xa9\";.png\";}");
}

} // namespace
} // namespace plinth::releases
