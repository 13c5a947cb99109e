#include "router.hpp"

#include "json_text.hpp"

#include <plinth/sdk/error.hpp>

namespace plinth::http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (true) {
        size_t slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

bool is_parameter(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

Response Response::json(unsigned status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Response Response::error(unsigned status, std::string_view code, std::string_view message) {
    std::string body = "{\"error\":{\"code\":";
    append_json_string(body, code);
    body += ",\"message\":";
    append_json_string(body, message);
    body += "}}";
    return json(status, std::move(body));
}

std::string_view Request::param(std::string_view name) const {
    for (const auto &[k, v] : params)
        if (k == name) return v;
    return {};
}

std::optional<std::string> Request::query_param(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        size_t amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        size_t eq = pair.find('=');
        std::string_view raw_key = pair.substr(0, eq);
        // Most keys carry no escape: compare them as they are, decode only the rare one that does.
        if (raw_key.find_first_of("%+") == std::string_view::npos) {
            if (raw_key != name) continue;
        } else if (auto key = percent_decode(raw_key, true); !key || *key != name) {
            continue;
        }
        return percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    }
    return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

void Router::add(std::initializer_list<bhttp::verb> methods, std::string pattern, RouteOptions options,
                 Handler handler) {
    if (pattern.empty() || pattern.front() != '/') throw sdk::invalid_argument("route pattern must start with '/'");
    Route r;
    r.methods.assign(methods.begin(), methods.end());
    for (std::string_view s : split_path(pattern)) {
        r.segments.emplace_back(s);
        if (!is_parameter(s)) ++r.literal_segments;
    }
    if (options.name.empty()) options.name = pattern;
    r.pattern = std::move(pattern);
    r.options = std::move(options);
    r.handler = std::move(handler);
    routes_.push_back(std::move(r));
}

Router::Match Router::match(bhttp::verb method, std::string_view path) const {
    Match best;
    const Route *path_match = nullptr; // best route for the path, whatever its methods
    std::vector<std::string_view> segments = split_path(path);
    std::string allow;
    for (const Route &r : routes_) {
        if (r.segments.size() != segments.size()) continue;
        bool ok = true;
        for (size_t i = 0; i < segments.size() && ok; ++i) {
            if (is_parameter(r.segments[i])) ok = !segments[i].empty();
            else ok = r.segments[i] == segments[i];
        }
        if (!ok) continue;
        bool method_ok = false;
        for (bhttp::verb m : r.methods) {
            if (m == method || (method == bhttp::verb::head && m == bhttp::verb::get)) method_ok = true;
            std::string name(bhttp::to_string(m));
            if (allow.find(name) == std::string::npos) allow += (allow.empty() ? "" : ", ") + name;
        }
        if (path_match == nullptr || r.literal_segments > path_match->literal_segments) path_match = &r;
        if (method_ok && (best.route == nullptr || r.literal_segments > best.route->literal_segments)) best.route = &r;
    }
    if (best.route == nullptr) {
        if (path_match != nullptr) best.allow = allow;
        return best;
    }
    for (size_t i = 0; i < segments.size(); ++i) {
        const std::string &s = best.route->segments[i];
        if (is_parameter(s)) best.params.emplace_back(s.substr(1, s.size() - 2), std::string(segments[i]));
    }
    return best;
}

} // namespace plinth::http
