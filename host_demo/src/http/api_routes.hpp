// The routes of the API face: module commands, the typed license check, health, readiness and
// metrics. Each add_* function registers its routes on the router; docs/http.md describes them.
#pragma once

#include "metrics.hpp"
#include "rate_limiter.hpp"
#include "readiness.hpp"
#include "router.hpp"
#include "server_config.hpp"

#include <plinth/host/host.hpp>

namespace plinth::http {

// The limits requests draw on (docs/http.md, "Limits"), resolved once by name. A null limit is one
// the configuration turned off: it admits everyone.
struct RateLimits {
    RateLimiter::Limit *login = nullptr;
    RateLimiter::Limit *activation = nullptr;
    RateLimiter::Limit *check = nullptr;

    static RateLimits of(const RateLimiter &limiter) {
        return {limiter.find("login"), limiter.find("activation"), limiter.find("check")};
    }
};

// What the API handlers use. Everything outlives the server.
struct ApiContext {
    const host::Host &host;
    const ServerConfig &config;
    RateLimiter &limiter;
    Readiness &readiness;
    RateLimits limits = RateLimits::of(limiter);
    Metrics *metrics = nullptr; // set once the route table is complete (metrics are per route)
};

// A 429 answer when the request's client has used up `limit`; nullopt when admitted.
std::optional<Response> rate_limited(ApiContext &api, RateLimiter::Limit *limit, const Request &r);

// POST /v1/{module}/{command}: the module's JSON command, as the request's caller.
void add_module_routes(Router &router, ApiContext &api);
// GET and POST /v1/licenses/check: plinth.license-check/2 (or /1) without JSON command arguments.
void add_license_check_routes(Router &router, ApiContext &api);
// GET /healthz, GET /readyz, GET /metrics.
void add_health_routes(Router &router, ApiContext &api);
// Release downloads, the EDD-compatible endpoint and uploads (release_routes.cpp).
void add_release_routes(Router &router, ApiContext &api);

} // namespace plinth::http
