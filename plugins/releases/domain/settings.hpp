// releases/domain/settings.hpp — the releases module's configuration section.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

namespace plinth::releases {

struct Settings {
    // Where sites reach the HTTP face; download URLs start with it. No trailing slash.
    std::string public_url = "http://localhost:8080";
    int64_t download_ttl_s = 3600;            // a download URL's life
    bool show_version_without_license = true; // an invalid licence still sees version details (never a package)
    int64_t update_log_retention_days = 30;   // the update-check log (canonical site, licence id)
    int64_t max_package_bytes = 256LL << 20;

    // Reads the module's configuration (the "releases" section the host hands the module).
    // Unknown members and wrong types are refused with a message naming them.
    static Settings from_json(const boost::json::object &config);
};

} // namespace plinth::releases
