#include "domain/lifecycle.hpp"

#include <algorithm>

namespace plinth::licenses {

std::string_view status_name(LicenseStatus status) noexcept {
    switch (status) {
    case LicenseStatus::active: return "active";
    case LicenseStatus::suspended: return "suspended";
    case LicenseStatus::revoked: return "revoked";
    }
    return "unknown";
}

std::optional<LicenseStatus> status_from_int(int64_t value) noexcept {
    if (value < 0 || value > 2) return std::nullopt;
    return static_cast<LicenseStatus>(value);
}

std::optional<LicenseStatus> after(LicenseStatus from, LicenseAction action) noexcept {
    switch (action) {
    case LicenseAction::suspend:
        if (from == LicenseStatus::active) return LicenseStatus::suspended;
        return std::nullopt;
    case LicenseAction::reinstate:
        if (from == LicenseStatus::suspended) return LicenseStatus::active;
        return std::nullopt;
    case LicenseAction::revoke:
        if (from != LicenseStatus::revoked) return LicenseStatus::revoked;
        return std::nullopt;
    }
    return std::nullopt;
}

std::string_view activation_refusal(LicenseStatus status, int64_t expires_at, int64_t grace_ends_at,
                                    int64_t now_s) noexcept {
    if (status == LicenseStatus::revoked) return "the license is revoked";
    if (status == LicenseStatus::suspended) return "the license is suspended";
    if (expires_at != 0 && now_s >= expires_at && now_s >= grace_ends_at) return "the license has expired";
    return {};
}

int64_t expiry_at_issue(int64_t issued_at, std::optional<int32_t> duration_days,
                        std::optional<int64_t> fixed_expires_at) noexcept {
    if (fixed_expires_at) return *fixed_expires_at;
    if (duration_days) return issued_at + static_cast<int64_t>(*duration_days) * 86400;
    return 0;
}

int64_t renewed_expiry(int64_t current_expires_at, int64_t now_s, int64_t days) noexcept {
    return std::max(current_expires_at, now_s) + days * 86400;
}

int64_t retained_until(int64_t expires_at, int64_t now_s, int64_t years) noexcept {
    return std::max(expires_at, now_s) + years * 365 * 86400;
}

} // namespace plinth::licenses
