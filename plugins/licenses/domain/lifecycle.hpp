// licenses/domain/lifecycle.hpp — which changes a license allows, and the dates they produce.
#pragma once

#include "domain/verdict.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace plinth::licenses {

enum class LicenseAction { suspend, reinstate, revoke };

// Status names as shown in JSON: "active", "suspended", "revoked".
std::string_view status_name(LicenseStatus status) noexcept;
std::optional<LicenseStatus> status_from_int(int64_t value) noexcept;

// The status after `action`, or nullopt when the license cannot take it (revoked is final;
// suspend needs active; reinstate needs suspended).
std::optional<LicenseStatus> after(LicenseStatus from, LicenseAction action) noexcept;

// Why a site cannot be activated now, or an empty view when it can. A license in grace may
// still activate; a suspended, revoked or fully expired one may not.
std::string_view activation_refusal(LicenseStatus status, int64_t expires_at, int64_t grace_ends_at,
                                    int64_t now_s) noexcept;

// A seat is free when the limit is unlimited (negative) or not reached.
inline bool seat_available(int32_t seat_limit, int64_t seats_used) noexcept {
    return seat_limit < 0 || seats_used < seat_limit;
}

// Expiry at issue: fixed date, or issue time + duration, or 0 (never).
int64_t expiry_at_issue(int64_t issued_at, std::optional<int32_t> duration_days,
                        std::optional<int64_t> fixed_expires_at) noexcept;

// Renewal by `days` counts from the later of the current expiry and now, so renewing early
// never loses time and renewing late never back-dates.
int64_t renewed_expiry(int64_t current_expires_at, int64_t now_s, int64_t days) noexcept;

// How long an erased owner's license record is kept: `years` after its expiry, or after now when
// it never expires or expired long ago.
int64_t retained_until(int64_t expires_at, int64_t now_s, int64_t years) noexcept;

} // namespace plinth::licenses
