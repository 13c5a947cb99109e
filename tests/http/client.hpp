// A deliberately simple HTTP/1.1 client for the tests: plain sockets, so a test can send exactly
// the bytes it wants (malformed, trickled, pipelined), and Beast's parser to read answers.
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace plinth::test {

struct Reply {
    unsigned status = 0;
    std::map<std::string, std::string> headers; // names lower-cased
    std::string body;
    bool keep_alive = false;
    std::string header(const std::string &lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
    boost::json::value json() const;
};

class Client {
public:
    explicit Client(uint16_t port);
    ~Client();
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    bool connected() const { return fd_ >= 0; }
    // Sends raw bytes; false when the server closed or reset the connection.
    bool send(std::string_view bytes);
    // Reads one answer; nullopt when the connection ended first or nothing came within `wait`.
    std::optional<Reply> read(std::chrono::milliseconds wait = std::chrono::seconds(20), bool head = false);
    // True when the server closes the connection (EOF or reset) within `wait`; bytes it sends
    // meanwhile are dropped.
    bool closed_within(std::chrono::milliseconds wait);

    // A request with a JSON body (and optional bearer token and extra raw header lines).
    std::optional<Reply> request(std::string_view method, std::string_view target, std::string_view body = {},
                                 std::string_view token = {}, std::string_view extra_headers = {});

private:
    int fd_ = -1;
    std::string pending_; // bytes received beyond the last answer
};

// One request on a fresh connection.
std::optional<Reply> fetch(uint16_t port, std::string_view method, std::string_view target, std::string_view body = {},
                           std::string_view token = {}, std::string_view extra_headers = {});

} // namespace plinth::test
