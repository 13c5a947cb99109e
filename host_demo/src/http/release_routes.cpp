// The releases face of the HTTP server (docs/updates.md):
//
//   GET  /v1/releases/download/{product}/{version}/{file}?site=..&expires=..&signature=..
//        a package, verified through plinth.release-download/1: Content-Length, ETag (the
//        SHA-256), single byte ranges (206 / 416), If-None-Match and If-Range.
//   GET, POST /   the EDD Software Licensing-compatible endpoint: edd_action and the other fields
//        as a query or an application/x-www-form-urlencoded body, handed to the releases
//        module's "edd" command. Always 200 with JSON, because EDD's updater stops asking a store
//        for an hour after any other status.
//   POST /v1/releases/publish   staff: multipart/form-data with an "arguments" part (the JSON of
//        release.publish without "package") and a "package" part (the zip), through
//        plinth.release-publish/1.
#include "api_routes.hpp"

#include "edd_rate_limit.hpp"
#include "form_data.hpp"
#include "json_text.hpp"
#include "module_call.hpp"
#include "status_table.hpp"

#include <plinth/ext/release_download.h>
#include <plinth/ext/release_publish.h>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>

#include <charconv>
#include <cstring>

namespace plinth::http {

namespace {

constexpr size_t kEddBodyLimit = 64 * 1024;
constexpr size_t kEddMaxFields = 64;

template <class Table>
std::pair<const plinth_module *, const Table *> releases_interface(const host::Host &host, const char *id) {
    const plinth_module *m = host.module("releases");
    if (m == nullptr) return {nullptr, nullptr};
    return {m, sdk::Interface<Table>::of(m, id).get()};
}

// The answer of a releases route when the module does not offer it: 404 when releases are not
// served by this host, 503 (try again later) when the module is there but could not start.
Response releases_missing(const host::Host &host) {
    if (module_refused_at_start(host, "releases"))
        return Response::error(503, "unavailable", "releases are not available right now; retry later");
    return Response::error(404, "not_found", "releases are not served here");
}

std::string_view header(const Request &r, bhttp::field f) {
    auto v = r.message[f];
    return std::string_view(v.data(), v.size());
}

std::string error_text(const plinth_error &e) { return std::string(e.message, strnlen(e.message, sizeof e.message)); }

// A module's answer, collected up to a bound (past it the module is told to stop).
struct BoundedText {
    explicit BoundedText(size_t bound) : limit(bound) {}
    std::string text;
    size_t limit;
    plinth_sink sink{sizeof(plinth_sink), this, [](void *context, const char *bytes, size_t size) -> int32_t {
                         auto *self = static_cast<BoundedText *>(context);
                         if (self->text.size() + size > self->limit) return 1;
                         try {
                             self->text.append(bytes, size);
                             return 0;
                         } catch (...) {
                             return 1;
                         }
                     }};
};

// ---- downloads ----

struct ByteRange {
    uint64_t first = 0, length = 0;
};

std::optional<uint64_t> number(std::string_view s) {
    uint64_t n = 0;
    if (s.empty() || s.size() > 19) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return n;
}

enum class RangeOutcome { whole, partial, unsatisfiable };

// One "bytes=" range (RFC 9110 §14.1.2). Several ranges, other units and malformed headers are
// ignored (the whole package is sent), as the RFC allows.
RangeOutcome parse_range(std::string_view value, uint64_t size, ByteRange &out) {
    if (value.substr(0, 6) != "bytes=") return RangeOutcome::whole;
    std::string_view spec = value.substr(6);
    if (spec.find(',') != std::string_view::npos) return RangeOutcome::whole;
    size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return RangeOutcome::whole;
    std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
    if (a.empty()) { // the last b bytes
        auto suffix = number(b);
        if (!suffix) return RangeOutcome::whole;
        if (*suffix == 0 || size == 0) return RangeOutcome::unsatisfiable;
        uint64_t n = std::min(*suffix, size);
        out = {size - n, n};
        return RangeOutcome::partial;
    }
    auto first = number(a);
    if (!first) return RangeOutcome::whole;
    std::optional<uint64_t> last = b.empty() ? std::optional<uint64_t>(UINT64_MAX) : number(b);
    if (!last || *last < *first) return RangeOutcome::whole;
    if (*first >= size) return RangeOutcome::unsatisfiable;
    out = {*first, std::min(*last, size - 1) - *first + 1};
    return RangeOutcome::partial;
}

// True when an If-None-Match / If-Range value names `etag` (a list, or "*" for If-None-Match).
bool names_etag(std::string_view list, std::string_view etag, bool star_matches) {
    if (star_matches && list.find('*') != std::string_view::npos) return true;
    while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.substr(0, 2) == "W/") item.remove_prefix(2);
        if (item == etag) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

Response download(const host::Host &host, Request &r) {
    auto [module, table] = releases_interface<plinth_release_download_v1>(host, PLINTH_EXT_RELEASE_DOWNLOAD);
    if (table == nullptr) return releases_missing(host);
    auto product = percent_decode(r.param("product"), false), version = percent_decode(r.param("version"), false);
    auto site = r.query_param("site"), signature = r.query_param("signature"), expires_text = r.query_param("expires");
    // UINT64_MAX stands for "absent or not a number": it is refused below like any value past INT64_MAX.
    const uint64_t expires = expires_text ? number(*expires_text).value_or(UINT64_MAX) : UINT64_MAX;
    if (!product || !version || !site || !signature || expires > static_cast<uint64_t>(INT64_MAX))
        return Response::error(403, "forbidden", "this download link is not valid");
    plinth_download_request request{sizeof(plinth_download_request), sdk::to_str(*product), sdk::to_str(*version),
                                    sdk::to_str(*site), static_cast<int64_t>(expires), sdk::to_str(*signature)};
    plinth_download_info info{};
    info.struct_size = sizeof info;
    plinth_error error = sdk::make_error();
    auto refuse = [&](int32_t rc) {
        // A bad or expired link is forbidden (401 would ask for credentials a link does not have).
        if (rc == PLINTH_E_UNAUTHENTICATED) return Response::error(403, "forbidden", error_text(error));
        if (rc == PLINTH_E_EXPIRED) return Response::error(403, "expired", error_text(error));
        return Response::error(http_status_for(rc), sdk::status_name(rc), error_text(error));
    };
    if (int32_t rc = table->open(module, &request, &info, &error); rc != PLINTH_OK) return refuse(rc);

    std::string etag = "\"" + std::string(info.sha256_hex) + "\"";
    Response out;
    out.content_type = "application/zip";
    out.cache_control = "private";
    out.headers = {{"ETag", etag},
                   {"Accept-Ranges", "bytes"},
                   {"Content-Disposition", "attachment; filename=\"" + *product + "-" + *version + ".zip\""}};
    if (names_etag(header(r, bhttp::field::if_none_match), etag, true)) {
        out.status = 304;
        return out;
    }
    ByteRange range{0, info.size};
    RangeOutcome outcome = RangeOutcome::whole;
    std::string_view if_range = header(r, bhttp::field::if_range);
    if (if_range.empty() || names_etag(if_range, etag, false))
        outcome = parse_range(header(r, bhttp::field::range), info.size, range);
    if (outcome == RangeOutcome::unsatisfiable) {
        Response e = Response::error(416, "range_not_satisfiable", "the range lies outside the package");
        e.headers.emplace_back("Content-Range", "bytes */" + std::to_string(info.size));
        return e;
    }
    if (outcome == RangeOutcome::partial) {
        out.status = 206;
        out.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                      std::to_string(range.first + range.length - 1) + "/" +
                                                      std::to_string(info.size));
    }
    if (r.message.method() == bhttp::verb::head) {
        // The length a GET would send, without the bytes: the package is neither read nor held.
        out.head_content_length = range.length;
        return out;
    }
    // The response body is the one copy of the bytes in memory; the module reads the database a
    // chunk at a time into it.
    out.body.reserve(range.length);
    plinth_sink sink{sizeof(plinth_sink), &out.body, [](void *context, const char *bytes, size_t size) -> int32_t {
                         try {
                             static_cast<std::string *>(context)->append(bytes, size);
                             return 0;
                         } catch (...) {
                             return 1;
                         }
                     }};
    if (int32_t rc = table->read(module, &request, range.first, range.length, &sink, &error); rc != PLINTH_OK)
        return refuse(rc);
    return out;
}

// ---- the EDD endpoint ----

// Adds the fields of an application/x-www-form-urlencoded text to `form` (later ones win, as in
// PHP's $_REQUEST). False when a field cannot be decoded or there are too many.
bool parse_form(std::string_view text, boost::json::object &form) {
    auto fields = parse_urlencoded(text, kEddMaxFields);
    if (!fields) return false;
    for (auto &[key, value] : *fields) form[key] = value;
    return form.size() <= kEddMaxFields;
}

Response edd_answer(std::string body) {
    Response r = Response::json(200, std::move(body));
    r.cache_control = "no-store";
    return r;
}

// EDD's vocabulary for "this request could not be answered": success false, and no `sections`,
// so the updater keeps what it has and asks again later.
Response edd_refusal(std::string_view error, std::string_view message) {
    std::string body = "{\"success\":false,\"license\":\"failed\",\"error\":";
    append_json_string(body, error);
    body += ",\"message\":";
    append_json_string(body, message);
    body += "}";
    return edd_answer(std::move(body));
}

Response edd(ApiContext &api, Request &r) {
    boost::json::object form;
    if (!parse_form(r.query, form)) return edd_refusal("invalid_request", "the query cannot be decoded");
    if (r.message.method() == bhttp::verb::post && !r.message.body().empty()) {
        if (!has_media_type(header(r, bhttp::field::content_type), "application/x-www-form-urlencoded"))
            return edd_refusal("invalid_request", "the body must be application/x-www-form-urlencoded");
        if (!parse_form(r.message.body(), form)) return edd_refusal("invalid_request", "the form cannot be decoded");
    }
    const boost::json::value *action = form.if_contains("edd_action"); // form values are all text
    bool activation = edd_action_may_change_activations(
        action != nullptr ? std::optional<std::string_view>(action->get_string()) : std::nullopt);
    if (auto limited = rate_limited(api, activation ? api.limits.activation : api.limits.check, r)) {
        Response e = edd_refusal("rate_limited", "too many requests from this address; retry later");
        e.headers = limited->headers;
        e.cache_control = "no-store";
        return e;
    }
    const plinth_module *m = api.host.module("releases");
    const auto *commands = sdk::Interface<plinth_command_v1>::of(m).get();
    if (commands == nullptr)
        return edd_refusal("unavailable", module_refused_at_start(api.host, "releases")
                                              ? "releases are not available right now; retry later"
                                              : "releases are not served here");
    std::string arguments = boost::json::serialize(form);
    BoundedText out(api.config.response_limit_bytes);
    plinth_error error = sdk::make_error();
    int32_t rc = commands->execute(m, &r.caller, sdk::to_str("edd"), sdk::to_str(arguments), &out.sink, &error);
    if (rc == PLINTH_E_INVALID_ARGUMENT) return edd_refusal("invalid_request", error_text(error));
    // A module's answer is untrusted text: passed on only when it is one well-formed JSON value.
    if (rc != PLINTH_OK || !is_well_formed_json(out.text))
        return edd_refusal("unavailable", "the request could not be answered; retry later");
    return edd_answer(std::move(out.text));
}

// ---- publishing over HTTP ----

Response publish(ApiContext &api, Request &r) {
    auto [module, table] = releases_interface<plinth_release_publish_v1>(api.host, PLINTH_EXT_RELEASE_PUBLISH);
    if (table == nullptr) return releases_missing(api.host);
    if (r.caller.principal != PLINTH_PRINCIPAL_USER) {
        Response e = Response::error(401, "unauthenticated", "publishing is for staff: sign in first");
        e.headers.emplace_back("WWW-Authenticate", "Bearer");
        return e;
    }
    if (r.caller.role < PLINTH_ROLE_STAFF) return Response::error(403, "permission_denied", "publishing is for staff");
    std::string_view type = header(r, bhttp::field::content_type);
    if (!has_media_type(type, "multipart/form-data"))
        return Response::error(415, "unsupported_media_type", "send multipart/form-data with 'arguments' and 'package'");
    std::string_view arguments, package;
    bool have_arguments = false, have_package = false;
    for (const MultipartPart &p : multipart_parts(type, r.message.body())) {
        if (p.name == "arguments") arguments = p.body, have_arguments = true;
        if (p.name == "package") package = p.body, have_package = true;
    }
    if (!have_arguments || !have_package)
        return Response::error(400, "invalid_argument", "the form needs an 'arguments' part and a 'package' part");
    BoundedText out(api.config.response_limit_bytes);
    plinth_error error = sdk::make_error();
    int32_t rc = table->publish(module, &r.caller, sdk::to_str(arguments),
                                reinterpret_cast<const uint8_t *>(package.data()), package.size(), &out.sink, &error);
    if (rc != PLINTH_OK) return Response::error(http_status_for(rc), sdk::status_name(rc), error_text(error));
    if (!is_well_formed_json(out.text)) return Response::error(500, "internal", "the releases module answered invalid JSON");
    return Response::json(201, std::move(out.text));
}

} // namespace

void add_release_routes(Router &router, ApiContext &api) {
    RouteOptions files;
    files.name = "/v1/releases/download";
    files.authenticate = false; // the signature is the authority, not a session
    router.add({bhttp::verb::get}, "/v1/releases/download/{product}/{version}/{file}", std::move(files),
               [&api](Request &r) { return download(api.host, r); });

    RouteOptions edd_options;
    edd_options.name = "edd";
    edd_options.authenticate = false;
    edd_options.body_limit = kEddBodyLimit;
    router.add({bhttp::verb::get, bhttp::verb::post}, "/", std::move(edd_options),
               [&api](Request &r) { return edd(api, r); });

    RouteOptions upload;
    upload.name = "/v1/releases/publish";
    upload.body_limit = api.config.upload_body_limit_bytes;
    router.add({bhttp::verb::post}, "/v1/releases/publish", std::move(upload),
               [&api](Request &r) { return publish(api, r); });
}

} // namespace plinth::http
