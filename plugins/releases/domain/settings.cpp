#include "settings.hpp"

#include <plinth/sdk/config.hpp>
#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <optional>
#include <string>

namespace plinth::releases {

Settings Settings::from_json(const boost::json::object &config) {
    const sdk::Config root = sdk::Config::module(
        "releases", config,
        {"public_url", "download_ttl_s", "show_version_without_license", "update_log_retention_days", "max_package_bytes"});
    Settings s;
    if (std::optional<std::string> url = root.string("public_url", 4096)) {
        while (!url->empty() && url->back() == '/') url->pop_back();
        if (!(url->rfind("http://", 0) == 0 || url->rfind("https://", 0) == 0) || url->size() > 400 ||
            url->find_first_of(" \t\r\n?#\"<>") != std::string::npos)
            throw sdk::invalid_argument(
                "configuration 'releases.public_url' must be an http(s) URL without query or fragment");
        s.public_url = *url;
    }
    s.download_ttl_s = root.integer("download_ttl_s", s.download_ttl_s, 60, 7 * 86400);
    s.show_version_without_license = root.boolean("show_version_without_license", s.show_version_without_license);
    s.update_log_retention_days = root.integer("update_log_retention_days", s.update_log_retention_days, 1, 3650);
    s.max_package_bytes = root.integer("max_package_bytes", s.max_package_bytes, 1024, 2LL << 30);
    return s;
}

} // namespace plinth::releases
