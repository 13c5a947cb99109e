#include "settings.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <string_view>

namespace plinth::releases {

namespace {

[[noreturn]] void refuse(std::string_view key, std::string_view what) {
    throw sdk::invalid_argument("releases config '" + std::string(key) + "' " + std::string(what));
}

int64_t integer(const boost::json::object &o, std::string_view key, int64_t fallback, int64_t min, int64_t max) {
    const boost::json::value *v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return fallback;
    if (!v->is_int64() && !(v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)))
        refuse(key, "must be an integer");
    int64_t n = v->is_int64() ? v->get_int64() : static_cast<int64_t>(v->get_uint64());
    if (n < min || n > max)
        refuse(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return n;
}

} // namespace

Settings Settings::from_json(const boost::json::object &config) {
    // "database" and "state_dir" are the host's; every other member must be one of ours.
    static constexpr std::string_view known[] = {
        "database", "state_dir", "public_url", "download_ttl_s", "show_version_without_license", "update_log_retention_days",
        "max_package_bytes"};
    for (const auto &member : config) {
        bool ok = false;
        for (auto k : known) ok = ok || member.key() == k;
        if (!ok) refuse(member.key(), "is not a known setting");
    }
    Settings s;
    if (const boost::json::value *v = config.if_contains("public_url"); v != nullptr && !v->is_null()) {
        if (!v->is_string()) refuse("public_url", "must be a string");
        std::string url(v->get_string());
        while (!url.empty() && url.back() == '/') url.pop_back();
        if (!(url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) || url.size() > 400 ||
            url.find_first_of(" \t\r\n?#\"<>") != std::string::npos)
            refuse("public_url", "must be an http(s) URL without query or fragment");
        s.public_url = url;
    }
    s.download_ttl_s = integer(config, "download_ttl_s", s.download_ttl_s, 60, 7 * 86400);
    if (const boost::json::value *v = config.if_contains("show_version_without_license"); v != nullptr && !v->is_null()) {
        if (!v->is_bool()) refuse("show_version_without_license", "must be true or false");
        s.show_version_without_license = v->get_bool();
    }
    s.update_log_retention_days = integer(config, "update_log_retention_days", s.update_log_retention_days, 1, 3650);
    s.max_package_bytes = integer(config, "max_package_bytes", s.max_package_bytes, 1024, 2LL << 30);
    return s;
}

} // namespace plinth::releases
