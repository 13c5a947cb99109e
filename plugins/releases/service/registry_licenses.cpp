#include "registry_licenses.hpp"

#include <plinth/ext/command.h>
#include <plinth/ext/license_check.h>
#include <plinth/sdk/error.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstring>

namespace plinth::releases {

namespace {

constexpr plinth_call_context kSystem{sizeof(plinth_call_context), PLINTH_PRINCIPAL_SYSTEM, 0, PLINTH_ROLE_ADMIN,
                                      {nullptr, 0}, {nullptr, 0}};
// Activation is done with the rights of whoever holds the key, which is anyone.
constexpr plinth_call_context kAnonymous{sizeof(plinth_call_context), PLINTH_PRINCIPAL_ANONYMOUS, 0,
                                         PLINTH_ROLE_CUSTOMER, {nullptr, 0}, {nullptr, 0}};
constexpr int64_t kPage = 500;

// A placeholder no URL parser accepts: the licenses module then judges the key alone and answers
// INVALID_SITE for a usable key, which is what a request without a URL deserves.
constexpr std::string_view kNoSite = "-";

[[noreturn]] void unexpected(std::string_view what) {
    throw sdk::unavailable("the licenses module answered " + std::string(what) + " with an unexpected document");
}

int64_t int_member(const boost::json::object &o, std::string_view key, std::string_view command) {
    const boost::json::value *v = o.if_contains(key);
    if (v == nullptr || !v->is_int64()) unexpected(command);
    return v->get_int64();
}

} // namespace

int32_t RegistryLicenses::call(std::string_view command, const boost::json::object &args,
                               const plinth_call_context &caller, boost::json::value &result, std::string &message) {
    auto entry = host_.find<plinth_command_v1>("licenses");
    if (entry.module == nullptr) throw sdk::unavailable("the licenses module is not loaded");
    if (!entry.table) throw sdk::unavailable("the licenses module offers no usable commands");
    const std::string text = boost::json::serialize(args);
    sdk::StringSink out;
    plinth_error error = sdk::make_error();
    int32_t status =
        entry.table->execute(entry.module, &caller, sdk::to_str(command), sdk::to_str(text), &out.sink, &error);
    if (status != PLINTH_OK) {
        message.assign(error.message, strnlen(error.message, sizeof error.message));
        return status;
    }
    boost::system::error_code ec;
    result = boost::json::parse(out.text, ec);
    if (ec) unexpected(command);
    return PLINTH_OK;
}

LicenseCheck RegistryLicenses::check(std::string_view key, std::string_view site, std::string_view product) {
    boost::json::object args{{"key", key}, {"site", site.empty() ? kNoSite : site}};
    if (!product.empty()) args["product"] = product;
    boost::json::value result;
    std::string message;
    int32_t status = call("check.identify", args, kSystem, result, message);
    if (status == PLINTH_E_INVALID_ARGUMENT) {
        // Arguments far beyond a key's or URL's size are refused before any verdict: for a site
        // that is simply a key that cannot exist.
        LicenseCheck refused;
        refused.code = PLINTH_LICENSE_MALFORMED;
        return refused;
    }
    if (status != PLINTH_OK) throw sdk::unavailable("the licenses module could not check the licence: " + message);
    if (!result.is_object()) unexpected("check.identify");
    const boost::json::object &o = result.get_object();
    LicenseCheck c;
    c.code = static_cast<int32_t>(int_member(o, "code_number", "check.identify"));
    const boost::json::value *valid = o.if_contains("valid");
    if (valid == nullptr || !valid->is_bool()) unexpected("check.identify");
    c.valid = valid->get_bool();
    c.seat_limit = static_cast<int32_t>(int_member(o, "seat_limit", "check.identify"));
    c.seats_used = static_cast<int32_t>(int_member(o, "seats_used", "check.identify"));
    c.expires_at = int_member(o, "expires_at", "check.identify");
    if (const boost::json::value *id = o.if_contains("license_id"); id != nullptr && id->is_int64())
        c.license_id = id->get_int64();
    if (const boost::json::value *s = o.if_contains("site"); s != nullptr && s->is_string())
        c.site = std::string(s->get_string());
    return c;
}

int32_t RegistryLicenses::activate(std::string_view key, std::string_view site) {
    boost::json::value result;
    std::string message;
    int32_t status = call("activation.activate", {{"key", key}, {"site", site.empty() ? kNoSite : site}}, kAnonymous,
                          result, message);
    if (status == PLINTH_E_DATABASE || status == PLINTH_E_UNAVAILABLE || status == PLINTH_E_INTERNAL)
        throw sdk::unavailable("the licenses module could not activate the site: " + message);
    return status;
}

int32_t RegistryLicenses::deactivate(std::string_view key, std::string_view site) {
    boost::json::value result;
    std::string message;
    int32_t status = call("activation.deactivate", {{"key", key}, {"site", site.empty() ? kNoSite : site}},
                          kAnonymous, result, message);
    if (status == PLINTH_E_DATABASE || status == PLINTH_E_UNAVAILABLE || status == PLINTH_E_INTERNAL)
        throw sdk::unavailable("the licenses module could not deactivate the site: " + message);
    return status;
}

bool RegistryLicenses::product_exists(std::string_view slug) {
    boost::json::value result;
    std::string message;
    int32_t status = call("product.list", {}, kSystem, result, message);
    if (status != PLINTH_OK) throw sdk::unavailable("the licenses module could not list products: " + message);
    if (!result.is_array()) unexpected("product.list");
    for (const auto &p : result.get_array()) {
        const boost::json::value *s = p.is_object() ? p.get_object().if_contains("slug") : nullptr;
        if (s != nullptr && s->is_string() && s->get_string() == slug) return true;
    }
    return false;
}

std::vector<LicenseOwner> RegistryLicenses::licenses(std::optional<int64_t> user_id) {
    std::vector<LicenseOwner> out;
    for (int64_t after = 0;;) {
        boost::json::object args{{"after_id", after}, {"limit", kPage}};
        if (user_id) args["user_id"] = *user_id;
        boost::json::value result;
        std::string message;
        int32_t status = call("license.list", args, kSystem, result, message);
        if (status != PLINTH_OK) throw sdk::unavailable("the licenses module could not list licences: " + message);
        if (!result.is_array()) unexpected("license.list");
        for (const auto &l : result.get_array()) {
            if (!l.is_object()) unexpected("license.list");
            LicenseOwner o;
            o.license_id = int_member(l.get_object(), "id", "license.list");
            if (const boost::json::value *u = l.get_object().if_contains("user_id"); u != nullptr && u->is_int64())
                o.user_id = u->get_int64();
            after = std::max(after, o.license_id);
            out.push_back(o);
        }
        if (static_cast<int64_t>(result.get_array().size()) < kPage) return out;
    }
}

} // namespace plinth::releases
