// releases/service/license_authority.hpp — what the releases service asks of the licenses module.
//
// An interface so that the service is written against the questions it needs answered, not
// against the registry: RegistryLicenses answers them through the licenses module's JSON
// commands (see docs/updates.md, "Why JSON commands and not the typed check").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::releases {

struct LicenseCheck {
    int32_t code = -1;  // plinth_license_code
    bool valid = false; // VALID or EXPIRED_IN_GRACE
    int32_t seat_limit = 0; // -1 unlimited
    int32_t seats_used = 0;
    int64_t expires_at = 0; // 0 never
    std::optional<int64_t> license_id; // when the key names a licence
    std::string site;                  // canonical; empty when the URL could not be canonicalised
};

struct LicenseOwner {
    int64_t license_id = 0;
    std::optional<int64_t> user_id; // empty once the owner's data was erased
};

class LicenseAuthority {
public:
    virtual ~LicenseAuthority() = default;
    // The verdict for `key` on `site` for `product` (empty: any product). Throws sdk::Error
    // (PLINTH_E_UNAVAILABLE) when no verdict could be reached.
    virtual LicenseCheck check(std::string_view key, std::string_view site, std::string_view product) = 0;
    // activation.activate / .deactivate: PLINTH_OK or the licenses module's refusal status.
    // Throws only when the licenses module cannot be reached.
    virtual int32_t activate(std::string_view key, std::string_view site) = 0;
    virtual int32_t deactivate(std::string_view key, std::string_view site) = 0;
    virtual bool product_exists(std::string_view slug) = 0;
    // Every licence of `user_id`; with no user, every licence there is (for erasure clean-up).
    virtual std::vector<LicenseOwner> licenses(std::optional<int64_t> user_id) = 0;
};

} // namespace plinth::releases
