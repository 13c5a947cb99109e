// GET /v1/licenses/check?key=..&site=..[&network=..][&product=..] and POST /v1/licenses/check
// with {"key":..,"site":..,"network"?:..,"product"?:..}: the typed plinth.license-check/1 path.
// No JSON command arguments are built and the verdict is written straight into the response
// body; the answer has the members of the licenses module's "check" command except "network"
// (the covering network's URL, which needs a lookup the hot path does not make: the caller sent
// it, and network_id identifies it).
//
// It runs on the I/O thread (the check is answered from the module's in-process cache; a miss
// waits for one indexed read).
#include "api_routes.hpp"

#include "json_text.hpp"
#include "status_table.hpp"

#include <plinth/sdk/host.hpp>
#include <plinth/sdk/license_check.hpp>

#include <array>
#include <charconv>
#include <cstring>

namespace plinth::http {

namespace {

constexpr size_t kMaxKeyBytes = 256;
constexpr size_t kMaxSiteBytes = 2048;
constexpr size_t kMaxProductBytes = 128;

void append_member(std::string &out, const char *name, int64_t value) {
    out += ",\"";
    out += name;
    out += "\":";
    char digits[24];
    auto written = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, static_cast<size_t>(written - digits));
}

void append_flag(std::string &out, const char *name, int32_t value) {
    out += ",\"";
    out += name;
    out += value ? "\":true" : "\":false";
}

std::string verdict_body(const plinth_license_verdict &v) {
    std::string out;
    out.reserve(224);
    out += "{\"code\":\"";
    out += sdk::license_code_name(v.code);
    out += '"';
    append_member(out, "code_number", v.code);
    append_flag(out, "valid", v.valid);
    append_flag(out, "site_exempt", v.site_exempt);
    append_member(out, "seat_limit", v.seat_limit);
    append_member(out, "seats_used", v.seats_used);
    append_member(out, "expires_at", v.expires_at);
    append_member(out, "grace_ends_at", v.grace_ends_at);
    out += ",\"coverage\":\"";
    out += sdk::license_coverage_name(v.coverage);
    out += '"';
    append_member(out, "network_id", v.network_id);
    out += '}';
    return out;
}

struct Checker {
    const plinth_module *module = nullptr;
    const plinth_license_check_v1 *check = nullptr;
};

Checker find_checker(const host::Host &host) {
    for (const auto &info : host.modules()) {
        if (!info.loaded) continue;
        if (auto *c = host.interface_as<plinth_license_check_v1>(info.id)) return {host.module(info.id), c};
    }
    return {};
}

Response check(const Checker &checker, std::string_view key, std::string_view site, std::string_view network,
               std::string_view product) {
    if (key.empty() || site.empty()) return Response::error(400, "invalid_argument", "key and site are required");
    if (key.size() > kMaxKeyBytes || site.size() > kMaxSiteBytes || network.size() > kMaxSiteBytes ||
        product.size() > kMaxProductBytes)
        return Response::error(400, "invalid_argument", "key, site, network or product is too long");
    if (checker.check == nullptr) return Response::error(503, "unavailable", "no loaded module checks licenses");
    plinth_license_query query{};
    query.struct_size = sizeof query;
    query.key = sdk::to_str(key);
    query.site = sdk::to_str(site);
    query.product = sdk::to_str(product);
    query.network = sdk::to_str(network);
    plinth_license_verdict verdict{};
    verdict.struct_size = sizeof verdict;
    plinth_error error = sdk::make_error();
    int32_t rc = checker.check->check(checker.module, &query, &verdict, &error);
    if (rc != PLINTH_OK)
        return Response::error(http_status_for(rc), sdk::status_name(rc),
                               std::string_view(error.message, strnlen(error.message, sizeof error.message)));
    Response r = Response::json(200, verdict_body(verdict));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

} // namespace

void add_license_check_routes(Router &router, ApiContext &api) {
    Checker checker = find_checker(api.host);
    RouteOptions options;
    options.name = "/v1/licenses/check";
    options.blocking = false;
    options.authenticate = false; // the key is the credential
    options.body_limit = 4096;
    router.add({bhttp::verb::get, bhttp::verb::post}, "/v1/licenses/check", options, [&api, checker](Request &r) {
        if (auto limited = rate_limited(api, "check", r)) return std::move(*limited);
        static constexpr std::array<std::string_view, 4> kNames{"key", "site", "network", "product"};
        if (r.message.method() == bhttp::verb::post) {
            auto m = read_string_members(r.message.body(), kNames, kMaxSiteBytes);
            if (!m.problem.empty()) return Response::error(400, "invalid_argument", m.problem);
            return check(checker, m.values[0].value_or(""), m.values[1].value_or(""), m.values[2].value_or(""),
                         m.values[3].value_or(""));
        }
        std::array<std::optional<std::string>, 4> v;
        r.query_params(kNames, v);
        return check(checker, v[0].value_or(""), v[1].value_or(""), v[2].value_or(""), v[3].value_or(""));
    });
}

} // namespace plinth::http
