// The settings of `plinth-host serve`: the "http" section of the host configuration, then the
// command line (--listen, --threads). Every limit has a default that is safe on the open internet
// behind a reverse proxy; docs/http.md lists them all.
#pragma once

#include "client_address.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace plinth::http {

// A token bucket: `burst` requests at once, refilled at `per_minute` a minute.
struct RateLimitSettings {
    double per_minute = 60;
    double burst = 10;
};

struct ListenAddress {
    std::string host; // literal IPv4/IPv6 address
    uint16_t port = 0; // 0: the system picks one (printed at start)
    std::string text() const;
};

struct ServerConfig {
    std::vector<ListenAddress> listen{{"127.0.0.1", 8080}};
    unsigned io_threads = 0;      // 0: the number of cores
    unsigned worker_threads = 0;  // module commands run here; 0: 4 × cores, at least 8

    // Limits.
    size_t header_limit_bytes = 8 * 1024;          // request line + headers: 431 beyond
    size_t body_limit_bytes = 1024 * 1024;         // default JSON body: 413 beyond
    size_t upload_body_limit_bytes = 16 * 1024 * 1024; // commands named *attachment* (uploads)
    size_t response_limit_bytes = 32 * 1024 * 1024; // a module answer larger than this is a 500
    std::chrono::milliseconds header_timeout{10'000}; // whole request head, from its first byte wait
    std::chrono::milliseconds body_timeout{30'000};   // whole body
    std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
    std::chrono::milliseconds write_timeout{30'000};
    std::chrono::milliseconds drain_timeout{10'000};  // graceful shutdown
    size_t max_connections = 10'000;
    size_t max_rate_limit_clients = 100'000; // addresses remembered per bucket

    // Rate limits by bucket name: "login", "activation", "check".
    std::map<std::string, RateLimitSettings> rate_limits{
        {"login", {10, 5}}, {"activation", {30, 10}}, {"check", {600, 120}}};

    ProxyList trusted_proxies;

    // /metrics: reachable on these listeners, or with this bearer token; with neither configured,
    // only from loopback clients.
    std::vector<ListenAddress> metrics_listen;
    std::string metrics_token;

    // Access log: "-" standard output (default), "off", or a file path (appended).
    std::string access_log = "-";

    // Direct TLS (optional): PEM files. Both set or neither.
    std::string tls_cert;
    std::string tls_key;

    // Reads the "http" section (absent members keep their defaults). Throws sdk::Error
    // (invalid_argument) naming the member that is wrong.
    static ServerConfig from_json(const boost::json::object &http_section);
};

// "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4 interfaces). Throws sdk::Error.
ListenAddress parse_listen_address(std::string_view text);

} // namespace plinth::http
