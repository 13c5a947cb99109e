#include "serve.hpp"

#include "api_routes.hpp"
#include "authenticator.hpp"
#include "json_text.hpp"
#include "portal.hpp"
#include "server.hpp"

#include <plinth/sdk/error.hpp>

#include <iostream>
#include <optional>

namespace plinth::http {

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
