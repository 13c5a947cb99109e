// Routes: which handler answers a method and path. Other faces (downloads, the EDD endpoint, the
// portal) register their routes here the same way the API does:
//
//   router.add({verb::get}, "/v1/releases/{product}/{version}/package",
//              RouteOptions{.name = "release.package"}, [&](Request &r) { ... return response; });
//
// A handler gets the parsed request with the caller already resolved (anonymous or a session's
// account; never the system principal) and returns a Response. It runs on a worker thread unless
// its route says `blocking = false` (handlers that do not wait, or can tell before they would:
// see RouteOptions::blocking). A handler may throw sdk::Error: the server answers with the status table's status
// and the usual {"error":{...}} body.
#pragma once

#include <plinth/plinth.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plinth::http {

namespace bhttp = boost::beast::http;
using RequestMessage = bhttp::request<bhttp::string_body>;

// Path parameters of the matched pattern, in pattern order: {"module","accounts"}, ...
using RouteParams = std::vector<std::pair<std::string, std::string>>;

struct Response {
    unsigned status = 200;
    // A string literal (or text that outlives the answer): set once per answer, never built.
    std::string_view content_type = "application/json";
    // A string literal as well ("no-store", "private", ...); empty: no Cache-Control field. Kept
    // out of `headers` because nearly every answer has one and the field list then allocates.
    std::string_view cache_control;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; // other extra fields (Retry-After, ...)
    // When set, the file's bytes are streamed as the body (downloads) and `body` is ignored.
    // (Optional: a moved std::filesystem::path re-parses itself, and answers are moved often.)
    std::optional<std::filesystem::path> file;
    // For HEAD with an empty `body`: the Content-Length a GET would have (a download's size, which
    // need not be read or held to be told).
    std::optional<uint64_t> head_content_length;
    // Not an answer: a handler running on an I/O thread (Request::may_wait false) found it must
    // wait after all, and asks to be called again on a worker thread. See RouteOptions::blocking.
    bool run_on_worker = false;

    static Response json(unsigned status, std::string body);
    static Response again_on_worker() {
        Response r;
        r.run_on_worker = true;
        return r;
    }
    // {"error":{"code":..,"message":..}}; the message is escaped and made valid UTF-8.
    static Response error(unsigned status, std::string_view code, std::string_view message);
};

// One request as a handler sees it. Everything here is valid for the handler call only.
struct Request {
    const RequestMessage &message;
    std::string_view path;  // the target before '?', not decoded
    std::string_view query; // the target after '?', not decoded ("" when none)
    RouteParams params;
    plinth_call_context caller{}; // the host's word on who is calling; request fields filled in
    std::string client_address{}; // resolved (trusted proxies applied)
    std::string rate_limit_key{}; // the client's address, or its /64 for IPv6
    std::string_view request_id{};
    // False while the handler runs on an I/O thread (a route with blocking = false): it must not
    // wait (no database, no lock held long) and returns Response::again_on_worker() if it would.
    bool may_wait = true;
    // On a metrics listener, with the metrics token, or (default) from loopback: peer and client.
    bool metrics_allowed = false;
    bool tls = false;             // arrived over this server's own TLS (cookies are then marked Secure)

    // The path parameter `name` ("" when the pattern has none of that name).
    std::string_view param(std::string_view name) const;
    // The first query parameter `name`, percent-decoded ('+' as space); nullopt when absent or
    // not decodable.
    std::optional<std::string> query_param(std::string_view name) const;
    // query_param for several names (at most 64) in one pass over the query: values[i] for names[i].
    // A value without escapes is a view into the request; a decoded one is a view into `scratch`,
    // which is reserved once so that no view moves (a caller may keep it from one call to the
    // next: the hot path then allocates nothing).
    void query_params(std::span<const std::string_view> names, std::span<std::optional<std::string_view>> values,
                      std::string &scratch) const;
};

using Handler = std::function<Response(Request &)>;

struct RouteOptions {
    std::string name; // metrics and access-log label; default: the pattern
    // The largest body accepted for this route (413 beyond); 0: the server's body limit. When
    // body_limit_for is set it decides instead, from the path parameters (e.g. uploads).
    size_t body_limit = 0;
    std::function<size_t(const RouteParams &)> body_limit_for;
    // true: runs on a worker thread (may wait on the database). false: runs on the I/O thread that
    // read the request, and must not wait; a handler that finds it would (a cache miss) returns
    // Response::again_on_worker() and is called once more, on a worker, with Request::may_wait.
    bool blocking = true;
    bool authenticate = true; // resolve Authorization: Bearer (401 when the token is bad)
};

struct Route {
    std::vector<bhttp::verb> methods;
    std::string pattern;
    std::vector<std::string> segments; // "{name}" segments are parameters
    size_t literal_segments = 0;
    RouteOptions options;
    Handler handler;
};

class Router {
public:
    // Registers `pattern` ("/v1/{module}/{command}") for `methods`. A pattern with more literal
    // segments wins over one with fewer, so a specific route may shadow a general one.
    // [main-thread] before the server starts; the table is read-only afterwards.
    void add(std::initializer_list<bhttp::verb> methods, std::string pattern, RouteOptions options, Handler handler);

    struct Match {
        const Route *route = nullptr; // nullptr: no route (404) or wrong method (405)
        RouteParams params;
        std::string allow; // for 405: the methods the path accepts
    };
    // [thread-safe]
    Match match(bhttp::verb method, std::string_view path) const;

    const std::vector<Route> &routes() const { return routes_; }

private:
    std::vector<Route> routes_;
};

// Percent-decodes `text` ('+' as space when `plus_is_space`); nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);
// The same, appended to `out`; false on a bad escape (`out` then holds a partial value).
bool percent_decode_append(std::string_view text, bool plus_is_space, std::string &out);

} // namespace plinth::http
