#include "edd.hpp"

#include <plinth/base.h>
#include <plinth/ext/license_check.h>

#include <chrono>
#include <cstdio>

namespace plinth::releases {

std::optional<EddAction> parse_edd_action(std::string_view name) {
    if (name == "activate_license") return EddAction::activate_license;
    if (name == "deactivate_license") return EddAction::deactivate_license;
    if (name == "check_license") return EddAction::check_license;
    if (name == "get_version") return EddAction::get_version;
    return std::nullopt;
}

std::string_view edd_action_name(EddAction action) {
    switch (action) {
    case EddAction::activate_license: return "activate_license";
    case EddAction::deactivate_license: return "deactivate_license";
    case EddAction::check_license: return "check_license";
    case EddAction::get_version: return "get_version";
    }
    return "check_license";
}

namespace {

// The licence's state as check_license reports it.
std::string_view check_value(int32_t verdict, int32_t seats_used) {
    switch (verdict) {
    case PLINTH_LICENSE_VALID:
    case PLINTH_LICENSE_EXPIRED_IN_GRACE: return "valid";
    case PLINTH_LICENSE_REVOKED:
    case PLINTH_LICENSE_SUSPENDED: return "disabled";
    case PLINTH_LICENSE_PRODUCT_MISMATCH: return "item_name_mismatch";
    case PLINTH_LICENSE_EXPIRED: return "expired";
    case PLINTH_LICENSE_SITE_NOT_ACTIVATED: return seats_used == 0 ? "inactive" : "site_inactive";
    case PLINTH_LICENSE_INVALID_SITE: return "site_inactive";
    default: return "invalid"; // MALFORMED, NOT_FOUND, and any code a newer licenses module adds
    }
}

// Why a licence cannot be activated (or deactivated), from its verdict. Empty when it can.
std::string_view refusal_from_verdict(int32_t verdict, bool named_by_id) {
    switch (verdict) {
    case PLINTH_LICENSE_VALID:
    case PLINTH_LICENSE_EXPIRED_IN_GRACE:
    case PLINTH_LICENSE_SITE_NOT_ACTIVATED: return "";
    case PLINTH_LICENSE_REVOKED: return "revoked";
    case PLINTH_LICENSE_SUSPENDED: return "disabled";
    case PLINTH_LICENSE_PRODUCT_MISMATCH: return named_by_id ? "key_mismatch" : "item_name_mismatch";
    case PLINTH_LICENSE_EXPIRED: return "expired";
    case PLINTH_LICENSE_INVALID_SITE: return "site_inactive";
    default: return "missing";
    }
}

// Why activation.activate / .deactivate refused, from its status (a change raced the check).
std::string_view refusal_from_status(int32_t status) {
    switch (status) {
    case PLINTH_E_LIMIT_EXCEEDED: return "no_activations_left";
    case PLINTH_E_EXPIRED: return "expired";
    case PLINTH_E_CONFLICT: return "disabled"; // revoked or suspended meanwhile
    case PLINTH_E_NOT_FOUND: return "site_inactive"; // deactivating a site that has no activation
    case PLINTH_E_INVALID_ARGUMENT: return "missing";
    default: return "unavailable";
    }
}

std::string_view item_refusal(ItemMatch item) {
    return item == ItemMatch::unknown_id ? "invalid_item_id" : "item_name_mismatch";
}

} // namespace

EddStatus edd_status(const EddFacts &f) noexcept {
    if (f.item != ItemMatch::matched) {
        if (f.action == EddAction::deactivate_license) return {false, "failed", item_refusal(f.item)};
        return {false, "invalid", item_refusal(f.item)};
    }
    if (f.verdict == kNoVerdict) return {false, "failed", "unavailable"};
    switch (f.action) {
    case EddAction::check_license:
    case EddAction::get_version: {
        std::string_view license = check_value(f.verdict, f.seats_used);
        return {license != "invalid", license, ""};
    }
    case EddAction::activate_license: {
        std::string_view refusal = refusal_from_verdict(f.verdict, f.item_named_by_id);
        if (!refusal.empty()) return {false, "invalid", refusal};
        if (f.operation == PLINTH_OK) return {true, "valid", ""};
        if (f.operation == kNotAttempted) return {false, "failed", "unavailable"};
        std::string_view why = refusal_from_status(f.operation);
        return {false, why == "unavailable" ? "failed" : "invalid", why};
    }
    case EddAction::deactivate_license: {
        if (f.operation == PLINTH_OK) return {true, "deactivated", ""};
        std::string_view refusal = refusal_from_verdict(f.verdict, f.item_named_by_id);
        if (refusal.empty() && f.verdict == PLINTH_LICENSE_SITE_NOT_ACTIVATED) refusal = "site_inactive";
        if (refusal.empty()) refusal = f.operation == kNotAttempted ? "unavailable" : refusal_from_status(f.operation);
        return {false, "failed", refusal};
    }
    }
    return {false, "failed", "unavailable"};
}

bool edd_activation_allowed(int32_t verdict) noexcept { return refusal_from_verdict(verdict, true).empty(); }

bool edd_verdict_valid(int32_t verdict) noexcept {
    return verdict == PLINTH_LICENSE_VALID || verdict == PLINTH_LICENSE_EXPIRED_IN_GRACE;
}

std::string edd_datetime(int64_t unix_seconds) {
    using namespace std::chrono;
    sys_seconds t{seconds{unix_seconds}};
    sys_days day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss hms{t - day};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    return buf;
}

std::string edd_decode_item_name(std::string_view name) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(name.size());
    for (size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '+') {
            out += ' ';
        } else if (name[i] == '%' && i + 2 < name.size() && hex(name[i + 1]) >= 0 && hex(name[i + 2]) >= 0) {
            out += static_cast<char>(hex(name[i + 1]) * 16 + hex(name[i + 2]));
            i += 2;
        } else {
            out += name[i];
        }
    }
    return out;
}

std::string php_serialized_strings(const std::vector<std::pair<std::string, std::string>> &entries) {
    auto string = [](const std::string &text) { return "s:" + std::to_string(text.size()) + ":\"" + text + "\";"; };
    std::string out = "a:" + std::to_string(entries.size()) + ":{";
    for (const auto &[key, text] : entries) out += string(key) + string(text);
    return out + "}";
}

std::string edd_expires(int64_t expires_at) { return expires_at == 0 ? "lifetime" : edd_datetime(expires_at); }

int64_t edd_license_limit(int32_t seat_limit) noexcept { return seat_limit < 0 ? 0 : seat_limit; }

std::optional<int64_t> edd_activations_left(int32_t seat_limit, int32_t seats_used) noexcept {
    if (seat_limit < 0) return std::nullopt;
    return seats_used >= seat_limit ? 0 : static_cast<int64_t>(seat_limit) - seats_used;
}

} // namespace plinth::releases
