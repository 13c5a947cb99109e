// GET /v1/licenses/check?key=..&site=..[&network=..][&product=..] and POST /v1/licenses/check
// with {"key":..,"site":..,"network"?:..,"product"?:..}: the typed plinth.license-check path.
// No JSON command arguments are built and the verdict is written straight into the response
// body; the answer has the members of the licenses module's "check" command except "network"
// (the covering network's URL, which needs a lookup the hot path does not make: the caller sent
// it, and network_id identifies it).
//
// It runs on the I/O thread when the module answers from its in-process cache
// (plinth.license-check/2's check_cached); a miss, which waits for one indexed read, runs again on
// a worker thread, so that keys nobody cached cannot stall the I/O threads.
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

// The verdict's JSON is written into a buffer on the stack and copied into the body once: every
// verdict fits (the longest, with every number at its widest, is under 340 bytes), and the
// appends are bounded anyway. Literal pieces are copied with their length known at compile time.
class VerdictText {
public:
    template <size_t N>
    void add(const char (&literal)[N]) {
        add_bytes(literal, N - 1);
    }
    void add(std::string_view text) { add_bytes(text.data(), text.size()); }
    void add_number(int64_t value) {
        char digits[24];
        auto written = std::to_chars(digits, digits + sizeof digits, value).ptr;
        add_bytes(digits, static_cast<size_t>(written - digits));
    }
    std::string text() const { return std::string(buffer_, size_); }

private:
    void add_bytes(const char *bytes, size_t n) {
        if (n > sizeof buffer_ - size_) n = sizeof buffer_ - size_;
        std::memcpy(buffer_ + size_, bytes, n);
        size_ += n;
    }
    char buffer_[512];
    size_t size_ = 0;
};

std::string verdict_body(const plinth_license_verdict &v) {
    VerdictText out;
    out.add("{\"code\":\"");
    out.add(sdk::license_code_name(v.code));
    out.add("\",\"code_number\":");
    out.add_number(v.code);
    if (v.valid) out.add(",\"valid\":true");
    else out.add(",\"valid\":false");
    if (v.site_exempt) out.add(",\"site_exempt\":true");
    else out.add(",\"site_exempt\":false");
    out.add(",\"seat_limit\":");
    out.add_number(v.seat_limit);
    out.add(",\"seats_used\":");
    out.add_number(v.seats_used);
    out.add(",\"expires_at\":");
    out.add_number(v.expires_at);
    out.add(",\"grace_ends_at\":");
    out.add_number(v.grace_ends_at);
    out.add(",\"coverage\":\"");
    out.add(sdk::license_coverage_name(v.coverage));
    out.add("\",\"network_id\":");
    out.add_number(v.network_id);
    out.add("}");
    return out.text();
}

// The loaded module that checks licenses. With plinth.license-check/2 the I/O thread answers from
// the module's cache and hands only misses to a worker; a module offering only /1 is called on a
// worker every time (a miss waits for the database, and the I/O thread must not).
struct Checker {
    const plinth_module *module = nullptr;
    const plinth_license_check_v2 *v2 = nullptr;
    const plinth_license_check_v1 *v1 = nullptr;

    explicit operator bool() const { return v2 != nullptr || v1 != nullptr; }
};

Checker find_checker(const host::Host &host) {
    for (const auto &info : host.modules()) {
        if (!info.loaded) continue;
        if (auto *c = host.interface_as<plinth_license_check_v2>(info.id)) return {host.module(info.id), c, nullptr};
        if (auto *c = host.interface_as<plinth_license_check_v1>(info.id)) return {host.module(info.id), nullptr, c};
    }
    return {};
}

Response check(const Checker &checker, bool may_wait, std::string_view key, std::string_view site,
               std::string_view network, std::string_view product) {
    if (key.empty() || site.empty()) return Response::error(400, "invalid_argument", "key and site are required");
    if (key.size() > kMaxKeyBytes || site.size() > kMaxSiteBytes || network.size() > kMaxSiteBytes ||
        product.size() > kMaxProductBytes)
        return Response::error(400, "invalid_argument", "key, site, network or product is too long");
    if (!checker) return Response::error(503, "unavailable", "no loaded module checks licenses");
    if (!may_wait && checker.v2 == nullptr) return Response::again_on_worker();
    plinth_license_query query{};
    query.struct_size = sizeof query;
    query.key = sdk::to_str(key);
    query.site = sdk::to_str(site);
    query.product = sdk::to_str(product);
    query.network = sdk::to_str(network);
    plinth_license_verdict verdict{};
    verdict.struct_size = sizeof verdict;
    plinth_error error = sdk::make_error();
    int32_t rc = PLINTH_OK;
    if (may_wait) {
        rc = checker.v2 != nullptr ? checker.v2->check(checker.module, &query, &verdict, &error)
                                   : checker.v1->check(checker.module, &query, &verdict, &error);
    } else {
        int32_t answered = 0;
        rc = checker.v2->check_cached(checker.module, &query, &verdict, &answered, &error);
        if (rc == PLINTH_OK && answered == 0) return Response::again_on_worker();
    }
    if (rc != PLINTH_OK)
        return Response::error(http_status_for(rc), sdk::status_name(rc),
                               std::string_view(error.message, strnlen(error.message, sizeof error.message)));
    Response r = Response::json(200, verdict_body(verdict));
    r.cache_control = "no-store";
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
        // Every request runs here first on its I/O thread (may_wait false); a miss runs again on a
        // worker, and must not draw on the limit twice.
        if (!r.may_wait) {
            if (auto limited = rate_limited(api, api.limits.check, r)) return std::move(*limited);
        }
        static constexpr std::array<std::string_view, 4> kNames{"key", "site", "network", "product"};
        if (r.message.method() == bhttp::verb::post) {
            auto content_type = r.message[bhttp::field::content_type];
            if (!is_json_media_type(std::string_view(content_type.data(), content_type.size())))
                return Response::error(415, "unsupported_media_type", "the body must be application/json");
            auto m = read_string_members(r.message.body(), kNames, kMaxSiteBytes);
            if (!m.problem.empty()) return Response::error(400, "invalid_argument", m.problem);
            auto member = [&m](size_t i) { return m.values[i] ? std::string_view(*m.values[i]) : std::string_view(); };
            return check(checker, r.may_wait, member(0), member(1), member(2), member(3));
        }
        // Decoded values go to this thread's scratch text, kept from one request to the next:
        // reading the query then allocates nothing.
        thread_local std::string scratch;
        std::array<std::optional<std::string_view>, 4> v;
        r.query_params(kNames, v, scratch);
        return check(checker, r.may_wait, v[0].value_or(""), v[1].value_or(""), v[2].value_or(""), v[3].value_or(""));
    });
}

} // namespace plinth::http
