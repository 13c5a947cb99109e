#include "client.hpp"

#include <boost/beast/http.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

namespace plinth::test {

namespace bhttp = boost::beast::http;

boost::json::value Reply::json() const {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(body, ec);
    return ec ? boost::json::value() : v;
}

Client::Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd_);
        fd_ = -1;
        return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Client::~Client() {
    if (fd_ >= 0) ::close(fd_);
}

bool Client::send(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            return false;
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

std::optional<Reply> Client::read(std::chrono::milliseconds wait, bool head) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(head);
    auto deadline = std::chrono::steady_clock::now() + wait;
    std::string data = std::move(pending_);
    pending_.clear();
    size_t used = 0;
    while (!parser.is_done()) {
        if (used < data.size()) {
            boost::system::error_code ec;
            size_t n = parser.put(boost::asio::buffer(data.data() + used, data.size() - used), ec);
            used += n;
            if (ec && ec != bhttp::error::need_more) return std::nullopt;
            if (!ec && n > 0) continue; // parsed a part; there may be more to parse
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
        char buffer[16384];
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n == 0) {
            if (!parser.got_some()) return std::nullopt; // closed before an answer began
            boost::system::error_code ec;
            parser.put_eof(ec);
            if (!ec && parser.is_done()) break;
            return std::nullopt;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            return std::nullopt;
        }
        data.erase(0, used);
        used = 0;
        data.append(buffer, static_cast<size_t>(n));
    }
    pending_ = data.substr(used);
    Reply r;
    auto &res = parser.get();
    r.status = res.result_int();
    r.keep_alive = res.keep_alive();
    for (const auto &field : res) {
        std::string name(field.name_string());
        for (auto &c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(field.value());
    }
    r.body = res.body();
    return r;
}

bool Client::closed_within(std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return false;
        char buffer[4096];
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) return true;
    }
}

std::optional<Reply> Client::request(std::string_view method, std::string_view target, std::string_view body,
                                     std::string_view token, std::string_view extra_headers) {
    std::string raw;
    raw.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
    if (!token.empty()) raw.append("Authorization: Bearer ").append(token).append("\r\n");
    if (!body.empty() || method == "POST") {
        raw.append("Content-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    raw.append(extra_headers);
    raw.append("\r\n").append(body);
    if (!send(raw)) return std::nullopt;
    return read(std::chrono::seconds(30), method == "HEAD");
}

std::optional<Reply> fetch(uint16_t port, std::string_view method, std::string_view target, std::string_view body,
                           std::string_view token, std::string_view extra_headers) {
    Client c(port);
    if (!c.connected()) return std::nullopt;
    return c.request(method, target, body, token, extra_headers);
}

} // namespace plinth::test
