#include "router.hpp"

#include "json_text.hpp"

#include <plinth/sdk/error.hpp>

#include <algorithm>

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

// The first '%' (or '+' when `plus` counts) at or after `from`; npos when none. A plain loop:
// string_view::find_first_of calls memchr once per character of the text.
size_t next_escape(std::string_view text, bool plus, size_t from = 0) {
    for (size_t i = from; i < text.size(); ++i)
        if (text[i] == '%' || (plus && text[i] == '+')) return i;
    return std::string_view::npos;
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
    std::optional<std::string_view> value;
    std::string scratch;
    query_params({&name, 1}, {&value, 1}, scratch);
    if (!value) return std::nullopt;
    return std::string(*value);
}

void Request::query_params(std::span<const std::string_view> names, std::span<std::optional<std::string_view>> values,
                           std::string &scratch) const {
    const size_t wanted = std::min({names.size(), values.size(), size_t{64}});
    for (size_t i = 0; i < wanted; ++i) values[i].reset();
    // Decoded text is never longer than the query: with this capacity, appending never moves
    // the values already decoded.
    scratch.clear();
    uint64_t seen = 0; // bit i: names[i] was found
    size_t found = 0;
    std::string_view rest = query;
    while (!rest.empty() && found < wanted) {
        size_t amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        size_t eq = pair.find('=');
        std::string_view raw_key = pair.substr(0, eq);
        // Most keys carry no escape: compare them as they are, decode only the rare one that does.
        std::optional<std::string> decoded_key;
        if (next_escape(raw_key, true) != std::string_view::npos) {
            decoded_key = percent_decode(raw_key, true);
            if (!decoded_key) continue;
        }
        std::string_view key = decoded_key ? std::string_view(*decoded_key) : raw_key;
        for (size_t i = 0; i < wanted; ++i) {
            if ((seen >> i & 1) != 0 || names[i] != key) continue;
            seen |= uint64_t{1} << i; // the first occurrence counts
            ++found;
            std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
            if (next_escape(raw, true) == std::string_view::npos) {
                values[i] = raw;
                continue;
            }
            if (scratch.capacity() < query.size()) scratch.reserve(query.size());
            const size_t start = scratch.size();
            if (percent_decode_append(raw, true, scratch)) values[i] = std::string_view(scratch).substr(start);
            else scratch.resize(start); // not decodable: absent, as the contract says
        }
    }
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    if (!percent_decode_append(text, plus_is_space, out)) return std::nullopt;
    return out;
}

bool percent_decode_append(std::string_view text, bool plus_is_space, std::string &out) {
    while (!text.empty()) {
        // The plain run up to the next escape is copied in one piece.
        size_t next = next_escape(text, plus_is_space);
        out.append(text.substr(0, next));
        if (next == std::string_view::npos) break;
        if (text[next] == '+') {
            out.push_back(' ');
            text.remove_prefix(next + 1);
            continue;
        }
        if (next + 2 >= text.size()) return false;
        int hi = hex_value(text[next + 1]), lo = hex_value(text[next + 2]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<char>(hi * 16 + lo));
        text.remove_prefix(next + 3);
    }
    return true;
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
    bool path_matched = false; // some route has this path, whatever its methods
    std::vector<std::string_view> segments = split_path(path);
    auto path_matches = [&](const Route &r) {
        if (r.segments.size() != segments.size()) return false;
        for (size_t i = 0; i < segments.size(); ++i) {
            bool ok = is_parameter(r.segments[i]) ? !segments[i].empty() : r.segments[i] == segments[i];
            if (!ok) return false;
        }
        return true;
    };
    for (const Route &r : routes_) {
        if (!path_matches(r)) continue;
        path_matched = true;
        bool method_ok = false;
        for (bhttp::verb m : r.methods)
            if (m == method || (method == bhttp::verb::head && m == bhttp::verb::get)) method_ok = true;
        if (method_ok && (best.route == nullptr || r.literal_segments > best.route->literal_segments)) best.route = &r;
    }
    if (best.route == nullptr) {
        // 405: every method some route takes for this path (built only on this rare path).
        if (path_matched) {
            std::vector<bhttp::verb> allowed;
            auto allow = [&allowed](bhttp::verb m) {
                if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) allowed.push_back(m);
            };
            for (const Route &r : routes_) {
                if (!path_matches(r)) continue;
                for (bhttp::verb m : r.methods) {
                    allow(m);
                    if (m == bhttp::verb::get) allow(bhttp::verb::head); // served as GET without the body
                }
            }
            for (bhttp::verb m : allowed) {
                if (!best.allow.empty()) best.allow += ", ";
                best.allow += bhttp::to_string(m);
            }
        }
        return best;
    }
    for (size_t i = 0; i < segments.size(); ++i) {
        const std::string &s = best.route->segments[i];
        if (is_parameter(s)) best.params.emplace_back(s.substr(1, s.size() - 2), std::string(segments[i]));
    }
    return best;
}

} // namespace plinth::http
