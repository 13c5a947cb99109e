#include "server_config.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <charconv>
#include <initializer_list>

namespace plinth::http {

namespace {

namespace json = boost::json;

[[noreturn]] void bad(const std::string &member, const std::string &why) {
    throw sdk::invalid_argument("http." + member + " " + why);
}

// `section` prefixes the member's name in messages ("limits." for http.limits.*).
int64_t integer(const json::object &o, const char *member, int64_t min, int64_t max, int64_t fallback,
                const std::string &section = "") {
    const json::value *v = o.if_contains(member);
    if (v == nullptr) return fallback;
    const std::string name = section + member;
    if (!v->is_int64() && !v->is_uint64()) bad(name, "must be an integer");
    int64_t n = v->is_int64() ? v->as_int64() : static_cast<int64_t>(std::min<uint64_t>(v->as_uint64(), INT64_MAX));
    if (n < min || n > max) bad(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return n;
}

double number(const json::object &o, const char *member, double min, double max, double fallback,
              const std::string &section) {
    const json::value *v = o.if_contains(member);
    if (v == nullptr) return fallback;
    const std::string name = section + member;
    if (!v->is_number()) bad(name, "must be a number");
    double d = v->to_number<double>();
    if (!(d >= min && d <= max)) bad(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return d;
}

std::string text(const json::object &o, const char *member, const std::string &fallback,
                 const std::string &section = "") {
    const json::value *v = o.if_contains(member);
    if (v == nullptr) return fallback;
    if (!v->is_string()) bad(section + member, "must be a string");
    return std::string(v->as_string());
}

std::vector<std::string> strings(const json::object &o, const char *member, const std::string &section = "") {
    std::vector<std::string> out;
    const json::value *v = o.if_contains(member);
    if (v == nullptr) return out;
    if (v->is_string()) {
        out.emplace_back(v->as_string());
        return out;
    }
    if (!v->is_array()) bad(section + member, "must be a string or an array of strings");
    for (const auto &item : v->as_array()) {
        if (!item.is_string()) bad(section + member, "must hold only strings");
        out.emplace_back(item.as_string());
    }
    return out;
}

// Refuses a member this section does not have: a misspelt setting ("tsl", "trusted_proxy",
// "metrics": {"tokn": ...}) would otherwise leave its default in force without a word, and for
// TLS, proxies and the metrics token that default is the less safe one.
void only_known(const json::object &o, std::initializer_list<std::string_view> known, const std::string &section) {
    for (const auto &member : o) {
        std::string_view name = member.key();
        if (std::find(known.begin(), known.end(), name) != known.end()) continue;
        std::string list;
        for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        bad(section + std::string(name), "is not a setting (known here: " + list + ")");
    }
}

std::chrono::milliseconds millis(const json::object &o, const char *member, std::chrono::milliseconds fallback) {
    return std::chrono::milliseconds(integer(o, member, 1, 3'600'000, fallback.count(), "limits."));
}

} // namespace

std::string ListenAddress::text() const {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ListenAddress parse_listen_address(std::string_view t) {
    ListenAddress a;
    size_t colon = t.rfind(':');
    if (colon == std::string_view::npos) throw sdk::invalid_argument("listen address '" + std::string(t) + "' needs :PORT");
    std::string_view host = t.substr(0, colon), port = t.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    a.host = host.empty() ? "0.0.0.0" : std::string(host);
    boost::system::error_code ec;
    boost::asio::ip::make_address(a.host, ec);
    if (ec) throw sdk::invalid_argument("listen address '" + std::string(t) + "' needs a literal IP address");
    unsigned value = 0;
    auto r = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || r.ec != std::errc() || r.ptr != port.data() + port.size() || value > 65535)
        throw sdk::invalid_argument("listen address '" + std::string(t) + "' has an invalid port");
    a.port = static_cast<uint16_t>(value);
    return a;
}

ServerConfig ServerConfig::from_json(const json::object &o) {
    ServerConfig c;
    only_known(o,
               {"listen", "threads", "workers", "max_connections", "access_log", "trusted_proxies", "limits",
                "rate_limits", "metrics", "tls"},
               "");
    if (auto list = strings(o, "listen"); !list.empty()) {
        c.listen.clear();
        for (const auto &l : list) c.listen.push_back(parse_listen_address(l));
    }
    c.io_threads = static_cast<unsigned>(integer(o, "threads", 0, 256, 0));
    c.worker_threads = static_cast<unsigned>(integer(o, "workers", 0, 1024, 0));
    c.max_connections = static_cast<size_t>(integer(o, "max_connections", 1, 1'000'000, 10'000));
    c.access_log = text(o, "access_log", c.access_log);
    for (const auto &p : strings(o, "trusted_proxies")) c.trusted_proxies.add(parse_network(p));

    if (const json::value *l = o.if_contains("limits")) {
        if (!l->is_object()) bad("limits", "must be an object");
        const json::object &limits = l->as_object();
        only_known(limits,
                   {"header_bytes", "body_bytes", "upload_body_bytes", "response_bytes", "header_timeout_ms",
                    "body_timeout_ms", "idle_timeout_ms", "write_timeout_ms", "drain_timeout_ms", "rate_limit_clients"},
                   "limits.");
        c.header_limit_bytes = static_cast<size_t>(integer(limits, "header_bytes", 1024, 1 << 20, 8 * 1024, "limits."));
        c.body_limit_bytes = static_cast<size_t>(integer(limits, "body_bytes", 1024, 1LL << 30, 1 << 20, "limits."));
        c.upload_body_limit_bytes =
            static_cast<size_t>(integer(limits, "upload_body_bytes", 1024, 1LL << 32, 16 << 20, "limits."));
        c.response_limit_bytes =
            static_cast<size_t>(integer(limits, "response_bytes", 1024, 1LL << 32, 32 << 20, "limits."));
        c.header_timeout = millis(limits, "header_timeout_ms", c.header_timeout);
        c.body_timeout = millis(limits, "body_timeout_ms", c.body_timeout);
        c.idle_timeout = millis(limits, "idle_timeout_ms", c.idle_timeout);
        c.write_timeout = millis(limits, "write_timeout_ms", c.write_timeout);
        c.drain_timeout = millis(limits, "drain_timeout_ms", c.drain_timeout);
        c.max_rate_limit_clients =
            static_cast<size_t>(integer(limits, "rate_limit_clients", 16, 10'000'000, 100'000, "limits."));
    }
    if (const json::value *r = o.if_contains("rate_limits")) {
        if (!r->is_object()) bad("rate_limits", "must be an object");
        for (const auto &[name, v] : r->as_object()) {
            // Only the limits the routes draw on (the defaults name each one): another name
            // would limit nothing.
            if (c.rate_limits.count(std::string(name)) == 0) {
                std::string list;
                for (const auto &known : c.rate_limits) list += (list.empty() ? "" : ", ") + known.first;
                bad("rate_limits." + std::string(name), "is not a rate limit (known: " + list + ")");
            }
            if (!v.is_object()) bad("rate_limits." + std::string(name), "must be an object");
            RateLimitSettings &s = c.rate_limits[std::string(name)];
            const std::string section = "rate_limits." + std::string(name) + ".";
            only_known(v.as_object(), {"per_minute", "burst"}, section);
            s.per_minute = number(v.as_object(), "per_minute", 0.001, 1e9, s.per_minute, section);
            s.burst = number(v.as_object(), "burst", 1, 1e9, s.burst, section);
        }
    }
    if (const json::value *m = o.if_contains("metrics")) {
        if (!m->is_object()) bad("metrics", "must be an object");
        only_known(m->as_object(), {"listen", "token"}, "metrics.");
        for (const auto &l : strings(m->as_object(), "listen", "metrics.")) c.metrics_listen.push_back(parse_listen_address(l));
        c.metrics_token = text(m->as_object(), "token", "", "metrics.");
    }
    if (const json::value *t = o.if_contains("tls")) {
        if (!t->is_object()) bad("tls", "must be an object");
        only_known(t->as_object(), {"cert", "key"}, "tls.");
        c.tls_cert = text(t->as_object(), "cert", "", "tls.");
        c.tls_key = text(t->as_object(), "key", "", "tls.");
        if (c.tls_cert.empty() != c.tls_key.empty()) bad("tls", "needs both cert and key");
    }
    return c;
}

} // namespace plinth::http
