#include "domain/verdict.hpp"

namespace plinth::licenses {

Decision decide(const CheckFacts &f, int64_t now_s) noexcept {
    auto no = [](VerdictCode c) { return Decision{c, false}; };
    if (!f.key_wellformed) return no(VerdictCode::malformed);
    if (!f.found) return no(VerdictCode::not_found);
    if (f.status == LicenseStatus::revoked) return no(VerdictCode::revoked);
    if (f.status == LicenseStatus::suspended) return no(VerdictCode::suspended);
    if (!f.product_matches) return no(VerdictCode::product_mismatch);
    bool past_expiry = f.expires_at != 0 && now_s >= f.expires_at;
    bool in_grace = past_expiry && now_s < f.grace_ends_at;
    if (past_expiry && !in_grace) return no(VerdictCode::expired);
    if (!f.site_valid) return no(VerdictCode::invalid_site);
    if (!f.site_activated) return no(VerdictCode::site_not_activated);
    if (in_grace) return {VerdictCode::expired_in_grace, true};
    return {VerdictCode::valid, true};
}

std::string_view code_name(VerdictCode code) noexcept {
    switch (code) {
    case VerdictCode::valid: return "VALID";
    case VerdictCode::malformed: return "MALFORMED";
    case VerdictCode::not_found: return "NOT_FOUND";
    case VerdictCode::revoked: return "REVOKED";
    case VerdictCode::suspended: return "SUSPENDED";
    case VerdictCode::product_mismatch: return "PRODUCT_MISMATCH";
    case VerdictCode::expired: return "EXPIRED";
    case VerdictCode::expired_in_grace: return "EXPIRED_IN_GRACE";
    case VerdictCode::site_not_activated: return "SITE_NOT_ACTIVATED";
    case VerdictCode::invalid_site: return "INVALID_SITE";
    }
    return "UNKNOWN";
}

int64_t grace_end(int64_t expires_at, int32_t grace_days) noexcept {
    if (expires_at == 0) return 0;
    return expires_at + static_cast<int64_t>(grace_days < 0 ? 0 : grace_days) * 86400;
}

} // namespace plinth::licenses
