// plinth/sdk/license_check.hpp — the names of plinth.license-check/1's verdict codes and coverage
// values, as every JSON answer spells them (the licenses module's check command, the HTTP typed
// check route, the releases module's update answers). One table, so the spellings cannot drift.
#pragma once

#include <plinth/ext/license_check.h>

#include <cstdint>
#include <string_view>

namespace plinth::sdk {

// "VALID", "EXPIRED_IN_GRACE", ...; "UNKNOWN" for a code this header does not know (a newer
// module's verdict read by an older caller).
constexpr std::string_view license_code_name(int32_t code) noexcept {
    switch (code) {
    case PLINTH_LICENSE_VALID: return "VALID";
    case PLINTH_LICENSE_MALFORMED: return "MALFORMED";
    case PLINTH_LICENSE_NOT_FOUND: return "NOT_FOUND";
    case PLINTH_LICENSE_REVOKED: return "REVOKED";
    case PLINTH_LICENSE_SUSPENDED: return "SUSPENDED";
    case PLINTH_LICENSE_PRODUCT_MISMATCH: return "PRODUCT_MISMATCH";
    case PLINTH_LICENSE_EXPIRED: return "EXPIRED";
    case PLINTH_LICENSE_EXPIRED_IN_GRACE: return "EXPIRED_IN_GRACE";
    case PLINTH_LICENSE_SITE_NOT_ACTIVATED: return "SITE_NOT_ACTIVATED";
    case PLINTH_LICENSE_INVALID_SITE: return "INVALID_SITE";
    default: return "UNKNOWN";
    }
}

// "none", "site", "main", "subdomain", "subdirectory", "mapped"; "none" for an unknown value.
constexpr std::string_view license_coverage_name(int32_t coverage) noexcept {
    switch (coverage) {
    case PLINTH_LICENSE_COVERAGE_SITE: return "site";
    case PLINTH_LICENSE_COVERAGE_MAIN: return "main";
    case PLINTH_LICENSE_COVERAGE_SUBDOMAIN: return "subdomain";
    case PLINTH_LICENSE_COVERAGE_SUBDIRECTORY: return "subdirectory";
    case PLINTH_LICENSE_COVERAGE_MAPPED: return "mapped";
    default: return "none";
    }
}

} // namespace plinth::sdk
