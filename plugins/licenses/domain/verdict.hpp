// licenses/domain/verdict.hpp — the answer to "may this site run this product with this key?".
//
// Every check, cached or not, typed or JSON, ends in decide(): one pure function over plain facts,
// so the precedence of the codes is written down once and tested over every combination.
#pragma once

#include "domain/network.hpp"

#include <cstdint>
#include <string_view>

namespace plinth::licenses {

// Same numbers as plinth_license_code (plinth/ext/license_check.h); module.cpp asserts it.
enum class VerdictCode : int32_t {
    valid = 0,
    malformed = 1,
    not_found = 2,
    revoked = 3,
    suspended = 4,
    product_mismatch = 5,
    expired = 6,
    expired_in_grace = 7,
    site_not_activated = 8,
    invalid_site = 9,
};

enum class LicenseStatus : uint8_t { active = 0, suspended = 1, revoked = 2 };

// What is known when a check is decided. Fields after `found` matter only when it is true.
// A check's answer. Mirrors plinth_license_verdict.
struct Verdict {
    VerdictCode code = VerdictCode::malformed;
    bool valid = false;
    bool site_exempt = false;
    int32_t seat_limit = 0;
    int32_t seats_used = 0;
    int64_t expires_at = 0;
    int64_t grace_ends_at = 0;
    // How the license's activations cover the site, whatever the code (a suspended license's
    // covered site still names its network): an activated site of a site-scoped license, or a
    // site of network `network_id`. none (and 0) when the site is not covered.
    Coverage coverage = Coverage::none;
    int64_t network_id = 0;
};

struct CheckFacts {
    bool key_wellformed = false;  // format and checksum passed
    bool found = false;           // a license has this key
    LicenseStatus status = LicenseStatus::active;
    bool product_matches = true;  // no product asked for, or the license's product was asked for
    int64_t expires_at = 0;       // Unix seconds; 0 = never
    int64_t grace_ends_at = 0;    // Unix seconds; equals expires_at when there are no grace days
    bool site_valid = false;      // the site URL (and a reported network URL) could be canonicalised
    bool site_activated = false;  // the canonical site is activated, or covered by an activated network
};

struct Decision {
    VerdictCode code = VerdictCode::malformed;
    bool valid = false;
};

// Precedence, first match wins:
//   MALFORMED, NOT_FOUND, REVOKED, SUSPENDED, PRODUCT_MISMATCH, EXPIRED (past grace),
//   INVALID_SITE, SITE_NOT_ACTIVATED, EXPIRED_IN_GRACE (valid), VALID.
// A license is expired from the second expires_at on; grace lasts until grace_ends_at
// (exclusive). EXPIRED_IN_GRACE is a warning on an otherwise valid verdict, so a site problem
// outranks it.
Decision decide(const CheckFacts &facts, int64_t now_s) noexcept;

// "VALID", "MALFORMED", ... as documented; "UNKNOWN" for a number outside the enum.
std::string_view code_name(VerdictCode code) noexcept;

// grace_ends_at for a license: expires_at + grace days, or 0 when it never expires.
int64_t grace_end(int64_t expires_at, int32_t grace_days) noexcept;

} // namespace plinth::licenses
