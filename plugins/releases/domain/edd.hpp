// releases/domain/edd.hpp — Plinth's answers in EDD Software Licensing's vocabulary.
//
// Plugins that embed EDD's updater (EDD_SL_Plugin_Updater) or EDD's sample licence screens
// read two fields: `license` (the licence's state) and, on a failed activation, `error`.
// edd_status() is the one place where Plinth's verdicts (plinth_license_code) and errors
// (plinth_status) become those values; docs/updates.md prints the same table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plinth::releases {

enum class EddAction { activate_license, deactivate_license, check_license, get_version };

std::optional<EddAction> parse_edd_action(std::string_view name);
std::string_view edd_action_name(EddAction action);

// How the request named the product.
enum class ItemMatch {
    matched,      // item_id or item_name named a product we serve (or neither was given)
    unknown_id,   // item_id given, and no product carries it
    unknown_name, // only item_name given, and no product carries it
};

// The verdict was not reached: the licenses module was unavailable or failed.
inline constexpr int32_t kNoVerdict = -1;
// activate/deactivate was not attempted (refused on the verdict, or not that action).
inline constexpr int32_t kNotAttempted = -1;

struct EddFacts {
    EddAction action = EddAction::check_license;
    ItemMatch item = ItemMatch::matched;
    bool item_named_by_id = false; // item_id (rather than item_name) identified the product
    int32_t verdict = kNoVerdict;  // plinth_license_code of the check for this key, site, product
    int32_t seats_used = 0;        // the licence's activations (tells inactive from site_inactive)
    int32_t operation = kNotAttempted; // plinth_status of activation.activate / .deactivate
};

struct EddStatus {
    bool success = false;
    std::string_view license; // always set
    std::string_view error;   // empty: no `error` member
};

// The whole mapping, documented in docs/updates.md ("The EDD mapping"):
//  - check_license: success is false only for an unknown key (EDD's own rule: a recognised
//    licence in any state is a successful check). VALID and EXPIRED_IN_GRACE → valid;
//    MALFORMED, NOT_FOUND → invalid; REVOKED, SUSPENDED → disabled; PRODUCT_MISMATCH →
//    item_name_mismatch; EXPIRED → expired; SITE_NOT_ACTIVATED → inactive when the licence has
//    no activation at all, else site_inactive; INVALID_SITE → site_inactive. An unknown item →
//    invalid with error invalid_item_id / item_name_mismatch.
//  - activate_license: success only when activation.activate succeeded (license valid);
//    otherwise license invalid and error missing (MALFORMED, NOT_FOUND), revoked (REVOKED),
//    disabled (SUSPENDED), key_mismatch / item_name_mismatch (PRODUCT_MISMATCH named by id /
//    by name), expired (EXPIRED), site_inactive (INVALID_SITE), invalid_item_id (unknown item
//    id), no_activations_left (the activation hit the seat limit), or the activation's own
//    refusal mapped the same way when it races a change.
//  - deactivate_license: deactivated on success, failed otherwise (with the same error values
//    as activation when the licence itself is the reason).
//  - get_version: the licence part of the answer is check_license's mapping.
//  - No verdict (licenses unavailable): success false, license failed, error unavailable — a
//    Plinth addition, so that an outage is never reported as an invalid licence.
EddStatus edd_status(const EddFacts &facts) noexcept;

// True when the verdict lets activate_license go on to activation.activate: the licence is
// usable apart from not being active on this site yet.
bool edd_activation_allowed(int32_t verdict) noexcept;

// True when the verdict lets get_version include a package URL.
bool edd_verdict_valid(int32_t verdict) noexcept;

// EDD's `expires`: "lifetime" for 0, else "YYYY-MM-DD HH:MM:SS" in UTC.
std::string edd_expires(int64_t expires_at);

// EDD's `license_limit`: 0 means unlimited (Plinth's -1).
int64_t edd_license_limit(int32_t seat_limit) noexcept;

// EDD's `activations_left`: nullopt means "unlimited"; never negative.
std::optional<int64_t> edd_activations_left(int32_t seat_limit, int32_t seats_used) noexcept;

// EDD's own licence screens send item_name through urlencode() before the form is encoded, and
// EDD's server decodes it a second time: this is that second decoding ('+' as space, %XX as the
// byte; a malformed escape stays as it is). Used only when the name as sent matches nothing.
std::string edd_decode_item_name(std::string_view name);

// "YYYY-MM-DD HH:MM:SS" (UTC) for Unix seconds; EDD's `last_updated` and `expires`.
std::string edd_datetime(int64_t unix_seconds);

// PHP's serialize() of an array of strings keyed by strings, in the given order
// ("a:1:{s:3:\"low\";s:9:\"https://x\";}"; "a:0:{}" when empty): the form in which EDD sends
// `banners` and `icons`. EDD's updater passes them through maybe_unserialize() and WordPress
// reads them as arrays (its Updates screen indexes the update's `icons`); a JSON object would
// reach WordPress as a stdClass and end that screen with a fatal error. Lengths count bytes, as
// PHP does, so nothing inside a string needs escaping. Pure; allocates.
std::string php_serialized_strings(const std::vector<std::pair<std::string, std::string>> &entries);

} // namespace plinth::releases
