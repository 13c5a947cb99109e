#include "domain/verdict.hpp"

#include <plinth/sdk/license_check.hpp>

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

std::string_view code_name(VerdictCode code) noexcept { return sdk::license_code_name(static_cast<int32_t>(code)); }

int64_t grace_end(int64_t expires_at, int32_t grace_days) noexcept {
    if (expires_at == 0) return 0;
    return expires_at + static_cast<int64_t>(grace_days < 0 ? 0 : grace_days) * 86400;
}

} // namespace plinth::licenses
