// releases/service/registry_licenses.hpp — LicenseAuthority over the licenses module's
// plinth.command/1 interface, found through the host's registry at each call (so a host that
// loads licenses later, or not at all, gets "unavailable" rather than a crash).
#pragma once

#include "license_authority.hpp"

#include <plinth/sdk/host.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace plinth::releases {

class RegistryLicenses final : public LicenseAuthority {
public:
    explicit RegistryLicenses(const sdk::Host &host) : host_(host) {}

    LicenseCheck check(std::string_view key, std::string_view site, std::string_view product) override;
    int32_t activate(std::string_view key, std::string_view site) override;
    int32_t deactivate(std::string_view key, std::string_view site) override;
    bool product_exists(std::string_view slug) override;
    std::vector<LicenseOwner> licenses(std::optional<int64_t> user_id) override;

private:
    // Runs `command` on the licenses module; returns its status, the parsed result in `result`.
    int32_t call(std::string_view command, const boost::json::object &args, const plinth_call_context &caller,
                 boost::json::value &result, std::string &message);

    sdk::Host host_;
};

} // namespace plinth::releases
