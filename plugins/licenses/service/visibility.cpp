// licenses/service/visibility.cpp — the permission rules of the read commands: who may see a
// license, its activations and its audit. The command glue (module.cpp) only names the caller.
#include "service/licensing.hpp"

#include <plinth/sdk/error.hpp>

namespace plinth::licenses {

LicenseRecord Licensing::visible_license(const Actor &actor, int64_t id) {
    std::optional<LicenseRecord> l = license(id);
    const bool may = l && (actor.staff || (actor.user_id && l->user_id && *l->user_id == *actor.user_id));
    if (!may) throw sdk::not_found("no license with id " + std::to_string(id));
    return *l;
}

void Licensing::require_visible(const Actor &actor, const LicenseLocator &locator) {
    if (locator.id) visible_license(actor, *locator.id);
}

std::vector<LicenseRecord> Licensing::visible_licenses(const Actor &actor, std::optional<int64_t> user_id,
                                                       int64_t after_id, int64_t limit) {
    if (!actor.staff) {
        if (user_id && user_id != actor.user_id)
            throw sdk::permission_denied("customers can only list their own licenses");
        user_id = actor.user_id;
    }
    return licenses(user_id, after_id, limit);
}

std::vector<AuditRecord> Licensing::visible_audit(const Actor &actor, std::optional<int64_t> license_id,
                                                  int64_t before_id, int64_t limit) {
    if (license_id) visible_license(actor, *license_id);
    else if (!actor.staff) throw sdk::permission_denied("only staff may list the whole audit");
    return audit(license_id, before_id, limit);
}

} // namespace plinth::licenses
