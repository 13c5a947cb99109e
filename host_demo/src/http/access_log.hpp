// One JSON line per answered request. Only what operations need: never a body, a header value,
// a query string (keys travel there), a token or a full client address.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace plinth::http {

struct AccessRecord {
    std::string_view method;
    std::string_view route;     // the route's name ("/v1/{module}/{command}"), or "none"
    std::string_view path;      // the target without its query
    unsigned status = 0;
    std::chrono::nanoseconds duration{0};
    uint64_t bytes_in = 0;      // body bytes received
    uint64_t bytes_out = 0;     // body bytes sent
    std::string_view request_id;
    std::string_view client;    // already truncated (/24, /48)
};

class AccessLog {
public:
    // "-": standard output; "off": nothing; else a file opened for appending. Throws sdk::Error
    // when the file cannot be opened.
    explicit AccessLog(const std::string &destination);
    ~AccessLog();
    AccessLog(const AccessLog &) = delete;
    AccessLog &operator=(const AccessLog &) = delete;

    bool enabled() const { return file_ != nullptr; }
    // [thread-safe] Lines from concurrent requests never interleave.
    void write(const AccessRecord &r);
    void flush();

private:
    std::FILE *file_ = nullptr;
    bool owned_ = false;
    std::mutex mutex_;
};

} // namespace plinth::http
