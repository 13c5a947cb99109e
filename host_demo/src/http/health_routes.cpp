// GET /healthz (the process answers), GET /readyz (modules loaded, database answering) and
// GET /metrics (Prometheus text; only where the configuration allows it).
#include "api_routes.hpp"

#include "json_text.hpp"

#include <iostream>

namespace plinth::http {

namespace {

// The licenses module's cache counters, read through its "stats" command as the host itself
// (the system principal never comes from a request).
void collect_license_cache(const host::Host &host, std::string &out) {
    if (host.module("licenses") == nullptr) return;
    try {
        boost::json::value s = host.call("licenses", "stats", "{}", host::system_caller());
        const boost::json::object &cache = s.at("cache").as_object();
        auto line = [&](const char *name, const char *type, const char *help, const boost::json::value &v) {
            out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
                   std::to_string(v.to_number<int64_t>()) + "\n";
        };
        line("plinth_license_cache_entries", "gauge", "Licenses held by the check cache.", cache.at("entries"));
        line("plinth_license_cache_misses_total", "counter", "Checks that had to read the database.", cache.at("misses"));
        line("plinth_license_cache_evictions_total", "counter", "Cache entries evicted.", cache.at("evictions"));
        line("plinth_license_cache_invalidations_total", "counter", "Cache entries invalidated by changes.",
             cache.at("invalidations"));
    } catch (const std::exception &e) {
        std::cerr << "[warning] http: metrics: license cache counters unavailable: " << e.what() << "\n";
    }
}

} // namespace

void add_health_routes(Router &router, ApiContext &api) {
    RouteOptions healthz;
    healthz.blocking = false;
    healthz.authenticate = false;
    router.add({bhttp::verb::get}, "/healthz", healthz, [](Request &) { return Response::json(200, "{\"status\":\"ok\"}"); });

    RouteOptions readyz;
    readyz.authenticate = false;
    router.add({bhttp::verb::get}, "/readyz", readyz, [&api](Request &) {
        Readiness::Report r = api.readiness.check();
        std::string body = "{\"ready\":";
        body += r.ready ? "true" : "false";
        body += ",\"database\":";
        body += r.database ? "true" : "false";
        body += ",\"modules_loaded\":" + std::to_string(r.modules_loaded) + ",\"modules_refused\":[";
        for (size_t i = 0; i < r.modules_refused.size(); ++i) {
            if (i) body += ',';
            append_json_string(body, r.modules_refused[i]);
        }
        body += "]";
        if (!r.ready) {
            body += ",\"problem\":";
            append_json_string(body, r.problem);
        }
        body += "}";
        return Response::json(r.ready ? 200 : 503, std::move(body));
    });

    RouteOptions metrics;
    metrics.authenticate = false; // the metrics token is not a session token
    router.add({bhttp::verb::get}, "/metrics", metrics, [&api](Request &r) {
        if (!r.metrics_allowed || api.metrics == nullptr)
            return Response::error(403, "permission_denied", "metrics are served only to the configured scraper");
        Response out;
        out.content_type = "text/plain; version=0.0.4; charset=utf-8";
        out.body = api.metrics->render();
        collect_license_cache(api.host, out.body);
        host::Host::ConnectionUse db = api.host.connection_use();
        out.body += "# HELP plinth_db_connections_in_use Database connections open in this process.\n"
                    "# TYPE plinth_db_connections_in_use gauge\nplinth_db_connections_in_use " +
                    std::to_string(db.in_use) +
                    "\n# HELP plinth_db_connections_limit The process's connection budget.\n"
                    "# TYPE plinth_db_connections_limit gauge\nplinth_db_connections_limit " +
                    std::to_string(db.limit) +
                    "\n# HELP plinth_db_connections_waiting Callers waiting for a connection.\n"
                    "# TYPE plinth_db_connections_waiting gauge\nplinth_db_connections_waiting " +
                    std::to_string(db.waiting) + "\n";
        return out;
    });
}

} // namespace plinth::http
