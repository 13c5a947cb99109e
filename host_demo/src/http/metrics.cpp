#include "metrics.hpp"

#include <cstdio>

namespace plinth::http {

void append_label_value(std::string &out, std::string_view text) {
    out.push_back('"');
    for (char c : text) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

Metrics::Metrics(std::vector<std::string> route_names) {
    route_names.emplace_back("none");
    for (auto &n : route_names) {
        auto s = std::make_unique<Series>();
        s->name = std::move(n);
        routes_.push_back(std::move(s));
    }
}

void Metrics::record(size_t route, unsigned status, std::chrono::nanoseconds duration) noexcept {
    if (route >= routes_.size()) route = unmatched_route();
    Series &s = *routes_[route];
    if (status >= 100 && status < 600) s.by_status[status - 100].fetch_add(1, std::memory_order_relaxed);
    double seconds = std::chrono::duration<double>(duration).count();
    size_t bucket = 0;
    while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
    s.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
    s.sum_ns.fetch_add(static_cast<uint64_t>(duration.count() < 0 ? 0 : duration.count()), std::memory_order_relaxed);
    s.count.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::add_collector(std::function<void(std::string &)> collector) { collectors_.push_back(std::move(collector)); }

std::string Metrics::render() const {
    std::string out;
    out.reserve(8192);
    char number[64];
    out += "# HELP plinth_http_requests_total HTTP requests answered, by route and status.\n"
           "# TYPE plinth_http_requests_total counter\n";
    for (const auto &s : routes_) {
        for (size_t i = 0; i < s->by_status.size(); ++i) {
            uint64_t n = s->by_status[i].load(std::memory_order_relaxed);
            if (n == 0) continue;
            out += "plinth_http_requests_total{route=";
            append_label_value(out, s->name);
            std::snprintf(number, sizeof number, ",status=\"%zu\"} %llu\n", i + 100, static_cast<unsigned long long>(n));
            out += number;
        }
    }
    out += "# HELP plinth_http_request_duration_seconds Time from a complete request head to the answer.\n"
           "# TYPE plinth_http_request_duration_seconds histogram\n";
    for (const auto &s : routes_) {
        uint64_t count = s->count.load(std::memory_order_relaxed);
        if (count == 0) continue;
        uint64_t cumulative = 0;
        for (size_t b = 0; b <= kBuckets.size(); ++b) {
            cumulative += s->buckets[b].load(std::memory_order_relaxed);
            out += "plinth_http_request_duration_seconds_bucket{route=";
            append_label_value(out, s->name);
            if (b < kBuckets.size()) std::snprintf(number, sizeof number, ",le=\"%g\"} ", kBuckets[b]);
            else std::snprintf(number, sizeof number, ",le=\"+Inf\"} ");
            out += number;
            out += std::to_string(cumulative) + "\n";
        }
        out += "plinth_http_request_duration_seconds_sum{route=";
        append_label_value(out, s->name);
        std::snprintf(number, sizeof number, "} %.9f\n", static_cast<double>(s->sum_ns.load()) / 1e9);
        out += number;
        out += "plinth_http_request_duration_seconds_count{route=";
        append_label_value(out, s->name);
        out += "} " + std::to_string(count) + "\n";
    }
    auto gauge = [&](const char *name, const char *type, const char *help, int64_t value) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
               std::to_string(value) + "\n";
    };
    gauge("plinth_http_open_connections", "gauge", "Connections open now.", open_connections.load());
    gauge("plinth_http_connections_accepted_total", "counter", "Connections accepted.",
          static_cast<int64_t>(accepted_connections.load()));
    gauge("plinth_http_connections_refused_total", "counter", "Connections refused over max_connections.",
          static_cast<int64_t>(refused_connections.load()));
    gauge("plinth_http_connections_timed_out_total", "counter", "Connections closed by a read, idle or write timeout.",
          static_cast<int64_t>(timed_out_connections.load()));
    gauge("plinth_http_malformed_requests_total", "counter", "Requests refused as malformed HTTP.",
          static_cast<int64_t>(malformed_requests.load()));
    gauge("plinth_http_rate_limited_total", "counter", "Requests refused by a rate limit.",
          static_cast<int64_t>(rate_limited_requests.load()));
    for (const auto &c : collectors_) c(out);
    return out;
}

} // namespace plinth::http
