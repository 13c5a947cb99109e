// POST /v1/{module}/{command}: a module's JSON command over HTTP. The body goes to the module as
// it came (bounded by the route's body limit; the module parses it under its own bounds) and the
// module's answer goes back as it came, once checked to be well-formed JSON: no DOM either way
// (but for releases/edd, whose body is parsed to choose the rate limit it draws on).
#include "api_routes.hpp"

#include "edd_rate_limit.hpp"
#include "json_text.hpp"
#include "module_call.hpp"
#include "status_table.hpp"

#include <plinth/sdk/host.hpp>

#include <boost/json/parse.hpp>

#include <cstring>
#include <optional>

namespace plinth::http {

namespace {

// Commands whose callers are counted per client address, and the limit they draw on: every
// command that logs in, registers, activates or checks a licence. The same actions through other
// routes (the typed check, the EDD endpoint, the portal's forms) draw on the same limits.
struct LimitedCommand {
    std::string_view module, command;
    RateLimiter::Limit *RateLimits::*limit;
};
constexpr LimitedCommand kLimitedCommands[] = {
    {"accounts", "login", &RateLimits::login},
    {"accounts", "register", &RateLimits::login},
    {"licenses", "activation.activate", &RateLimits::activation},
    {"licenses", "activation.deactivate", &RateLimits::activation},
    {"licenses", "check", &RateLimits::check},
    {"licenses", "check.signed", &RateLimits::check},
    {"releases", "update.check", &RateLimits::check},
};

// releases/edd may activate, deactivate or only check, depending on its edd_action, so its limit
// is read from the body, parsed as JSON (escapes such as \u0061 decoded, as the module decodes
// them). A body that is not a JSON object draws on `activation`, the stricter limit.
RateLimiter::Limit *edd_command_limit(const ApiContext &api, std::string_view body) {
    std::optional<std::string_view> action;
    boost::system::error_code ec;
    boost::json::value arguments = boost::json::parse(body, ec);
    if (!ec && arguments.is_object())
        if (const boost::json::value *a = arguments.get_object().if_contains("edd_action"); a && a->is_string())
            action = a->get_string();
    return edd_action_may_change_activations(action) ? api.limits.activation : api.limits.check;
}

bool valid_name(std::string_view s, size_t max) {
    if (s.empty() || s.size() > max) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) return false;
    return true;
}

} // namespace

std::optional<Response> rate_limited(ApiContext &api, RateLimiter::Limit *limit, const Request &r) {
    auto wait = api.limiter.admit(limit, r.rate_limit_key);
    if (!wait) return std::nullopt;
    if (api.metrics != nullptr) api.metrics->rate_limited_requests.fetch_add(1, std::memory_order_relaxed);
    Response e = Response::error(429, "rate_limited",
                                 "too many requests from this address; retry in " + std::to_string(*wait) + " s");
    e.headers.emplace_back("Retry-After", std::to_string(*wait));
    return e;
}

void add_module_routes(Router &router, ApiContext &api) {
    RouteOptions options;
    options.name = "/v1/{module}/{command}";
    // Uploads (a command about attachments) may be larger than ordinary JSON bodies.
    options.body_limit_for = [&api](const RouteParams &params) {
        for (const auto &[name, value] : params)
            if (name == "command" && value.find("attachment") != std::string::npos)
                return api.config.upload_body_limit_bytes;
        return api.config.body_limit_bytes;
    };
    router.add({bhttp::verb::post}, "/v1/{module}/{command}", std::move(options), [&api](Request &r) {
        std::string_view module_id = r.param("module"), command = r.param("command");
        if (!valid_name(module_id, 64) || !valid_name(command, 128))
            return Response::error(404, "not_found", "no such module or command");
        const std::string &body = r.message.body();
        std::string_view arguments = body.empty() ? std::string_view("{}") : std::string_view(body);
        for (const auto &l : kLimitedCommands)
            if (l.module == module_id && l.command == command)
                if (auto limited = rate_limited(api, api.limits.*l.limit, r)) return std::move(*limited);
        if (module_id == "releases" && command == "edd")
            if (auto limited = rate_limited(api, edd_command_limit(api, arguments), r)) return std::move(*limited);

        auto content_type = r.message[bhttp::field::content_type];
        if (!is_json_media_type(std::string_view(content_type.data(), content_type.size())))
            return Response::error(415, "unsupported_media_type", "the body must be application/json");

        CommandOutcome out =
            call_module_command(api.host, r.caller, module_id, command, arguments, api.config.response_limit_bytes);
        if (!out.ok()) {
            Response e = Response::error(http_status_for(out.status), sdk::status_name(out.status), out.message);
            if (out.status == PLINTH_E_UNAUTHENTICATED) e.headers.emplace_back("WWW-Authenticate", "Bearer");
            return e;
        }
        Response ok = Response::json(200, std::move(out.text));
        ok.cache_control = "no-store";
        return ok;
    });
}

} // namespace plinth::http
