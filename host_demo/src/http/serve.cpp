#include "serve.hpp"

#include "api_routes.hpp"
#include "authenticator.hpp"
#include "json_text.hpp"
#include "portal.hpp"
#include "server.hpp"

#include <plinth/sdk/error.hpp>

#include <algorithm>
#include <iostream>
#include <optional>

#include <sys/resource.h>

namespace plinth::http {

namespace {

// Every connection holds a file descriptor. Once the process has none left, accepting fails and
// connections wait unanswered in the listen backlog: max_connections never gets to answer them
// 503. The common soft limit (1024) is far below the default max_connections, so the soft limit
// is raised as far as needed within the hard one (as many servers do), and an operator whose hard
// limit is still too low is told so at start.
void raise_descriptor_limit(size_t max_connections) {
    constexpr rlim_t kReserve = 64; // the database pool, the access log, module files, listeners
    const rlim_t wanted = static_cast<rlim_t>(max_connections) + kReserve;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
        if (raised.rlim_cur > limit.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted)
        std::cerr << "[warning] http: this process may open " << limit.rlim_cur
                  << " files (ulimit -n) and http.max_connections is " << max_connections
                  << ": connections beyond the file limit wait unanswered; raise the limit to " << wanted
                  << " (systemd: LimitNOFILE) or lower http.max_connections\n";
}

} // namespace

int serve(const host::Host &host, const host::Settings &settings, const ServeOptions &options) {
    boost::json::object section;
    if (const auto *h = settings.config.if_contains("http")) {
        if (!h->is_object()) throw sdk::invalid_argument("the \"http\" configuration section must be an object");
        section = h->as_object();
    }
    ServerConfig config = ServerConfig::from_json(section);
    if (!options.listen.empty()) {
        config.listen.clear();
        for (const auto &l : options.listen) config.listen.push_back(parse_listen_address(l));
    }
    if (options.threads != 0) config.io_threads = options.threads;

    Readiness readiness(host);
    RateLimiter limiter(config.rate_limits, config.max_rate_limit_clients);
    ApiContext api{host, config, limiter, readiness};

    Router router;
    add_health_routes(router, api);
    add_license_check_routes(router, api);
    add_module_routes(router, api);
    add_release_routes(router, api);

    // The /account/ portal, when the configuration enables it (docs/portal.md).
    const boost::json::object *portal_section = nullptr;
    if (const auto *p = settings.config.if_contains("portal")) {
        if (!p->is_object()) throw sdk::invalid_argument("the \"portal\" configuration section must be an object");
        portal_section = &p->as_object();
    }
    std::optional<portal::Portal> account_portal;
    if (portal::PortalSettings::from_json(portal_section).enabled) {
        account_portal.emplace(api, settings.home, portal_section);
        account_portal->add_routes(router);
    }

    std::vector<std::string> names;
    for (const auto &r : router.routes()) names.push_back(r.options.name);
    Metrics metrics(std::move(names));
    api.metrics = &metrics;
    Authenticator auth(host);

    raise_descriptor_limit(config.max_connections);
    Server server(config, router, auth, metrics);
    std::vector<std::string> bound = server.bind();
    std::string line = "{\"listening\":[";
    for (size_t i = 0; i < bound.size(); ++i) {
        if (i) line += ',';
        append_json_string(line, bound[i]);
    }
    line += "]}";
    std::cout << line << std::endl;
    server.run();
    std::cerr << "[info] http: stopped after draining; closing modules\n";
    return 0;
}

} // namespace plinth::http
