// fuzz/http_harness.hpp — plinth-host's HTTP server as `serve` builds it (every route: health,
// typed license check, module commands, releases and the EDD endpoint), over the fuzzers' sandbox
// host, listening on a loopback port in a thread of its own. An input is sent on a fresh
// connection, the write side shut, and whatever the server answers read back until it closes.
//
// Properties checked for every answer (check_answer):
//   - the server answers or closes within 10 s (it never hangs on a request);
//   - the first answer is a well-formed HTTP/1.1 response with a status the status table knows;
//   - no 500: a handler that throws something it did not expect is a bug;
//   - a JSON body (Content-Type application/json) is one well-formed JSON value.
// Crashes and sanitizer findings in any thread (parser, router, handlers) abort the fuzzer.
#pragma once

#include "check.hpp"
#include "sandbox_host.hpp"

#include "api_routes.hpp"
#include "authenticator.hpp"
#include "json_text.hpp"
#include "server.hpp"

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace plinth::fuzz {

class HttpHarness {
public:
    explicit HttpHarness(const std::string &database) : host_(sandbox_host(database)) {
        // Rate limits so high that they never answer 429: a fuzzer sends thousands of requests
        // a second from one address.
        boost::json::object unlimited{{"per_minute", 1e9}, {"burst", 1e9}};
        boost::json::object section{
            {"listen", "127.0.0.1:0"},
            {"threads", 2},
            {"access_log", "off"},
            {"rate_limits", {{"login", unlimited}, {"activation", unlimited}, {"check", unlimited}}},
            {"limits", {{"header_timeout_ms", 2000}, {"body_timeout_ms", 2000}, {"body_bytes", 262144}}}};
        config_ = std::make_unique<http::ServerConfig>(http::ServerConfig::from_json(section));
        readiness_ = std::make_unique<http::Readiness>(*host_);
        limiter_ = std::make_unique<http::RateLimiter>(config_->rate_limits, config_->max_rate_limit_clients);
        api_ = std::make_unique<http::ApiContext>(http::ApiContext{*host_, *config_, *limiter_, *readiness_});
        http::add_health_routes(router_, *api_);
        http::add_license_check_routes(router_, *api_);
        http::add_module_routes(router_, *api_);
        http::add_release_routes(router_, *api_);
        std::vector<std::string> names;
        for (const auto &r : router_.routes()) names.push_back(r.options.name);
        metrics_ = std::make_unique<http::Metrics>(std::move(names));
        api_->metrics = metrics_.get();
        auth_ = std::make_unique<http::Authenticator>(*host_);
        server_ = std::make_unique<http::Server>(*config_, router_, *auth_, *metrics_);
        std::string bound = server_->bind().at(0);
        port_ = static_cast<uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
        thread_ = std::thread([this] { server_->run(); });
    }

    ~HttpHarness() {
        server_->stop();
        if (thread_.joinable()) thread_.join();
    }

    // Sends `request` on a fresh connection and returns everything the server wrote back.
    // nullopt when the connection was reset before an answer (the server refused early and
    // closed while the input was still being sent): nothing to check then.
    std::optional<std::string> exchange(std::string_view request) const {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        FUZZ_CHECK(fd >= 0, "socket()");
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port_);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int connected = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
        if (connected != 0 && errno == EINTR) {
            // libFuzzer's timer signal interrupted it; the connection goes on being made: wait
            // for it and read its outcome.
            pollfd waiting{fd, POLLOUT, 0};
            while (::poll(&waiting, 1, 10000) < 0 && errno == EINTR) {
            }
            int error = 0;
            socklen_t length = sizeof error;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
            connected = error == 0 ? 0 : -1;
            errno = error;
        }
        FUZZ_CHECK(connected == 0, std::string("connect to the server: ") + std::strerror(errno));
        // Closed with a reset, not through TIME_WAIT: thousands of connections a second would
        // otherwise use up the loopback's ephemeral ports within the run.
        linger reset{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        timeval timeout{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        for (size_t sent = 0; sent < request.size();) {
            ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break; // the server closed early; read what it said
            sent += static_cast<size_t>(n);
        }
        ::shutdown(fd, SHUT_WR);
        std::string answer;
        char buf[16384];
        for (;;) {
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n > 0) {
                answer.append(buf, static_cast<size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue; // a timer signal, not the end of the answer
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                ::close(fd);
                FUZZ_CHECK(false, "the server neither answered nor closed within 10 s: " + std::string(request));
            }
            if (n < 0 && answer.empty()) {
                ::close(fd);
                return std::nullopt;
            }
            break;
        }
        ::close(fd);
        return answer;
    }

    // The properties above, for the first response in `answer` (`head_only`: it answers HEAD).
    static void check_answer(std::string_view request, const std::string &answer, bool head_only) {
        if (answer.empty()) return; // closed without a word: a malformed or partial request
        namespace bhttp = boost::beast::http;
        std::optional<bhttp::response_parser<bhttp::string_body>> p;
        boost::system::error_code ec;
        std::string_view rest = answer;
        // Interim answers (100 Continue) come before the final one.
        do {
            p.emplace();
            p->eager(true);
            p->skip(head_only);
            p->body_limit(64 * 1024 * 1024);
            ec = {};
            size_t used = p->put(boost::asio::buffer(rest.data(), rest.size()), ec);
            rest.remove_prefix(used);
            if (ec == bhttp::error::need_more) ec = {};
            if (!ec && !p->is_done()) p->put_eof(ec); // a body that ends at the close
        } while (!ec && p->is_done() && p->get().result_int() == 100 && !rest.empty());
        // Only "100 Continue", then the close: the client stopped sending the body it announced,
        // so there is no final answer to check (as for any partial request).
        if (!ec && p->is_done() && p->get().result_int() == 100) return;
        const std::string detail = std::string(request) + "\n--- answered ---\n" + answer.substr(0, 2000);
        FUZZ_CHECK(!ec && p->is_done(), "a well-formed response: " + ec.message() + "\n" + detail);
        const auto &res = p->get();
        unsigned status = res.result_int();
        FUZZ_CHECK(status >= 200 && status <= 599, detail);
        FUZZ_CHECK(status != 500, detail);
        if (!head_only && res[bhttp::field::content_type] == "application/json")
            FUZZ_CHECK(http::is_well_formed_json(res.body()), detail);
    }

    host::Host &host() { return *host_; }

private:
    std::unique_ptr<host::Host> host_;
    std::unique_ptr<http::ServerConfig> config_;
    std::unique_ptr<http::Readiness> readiness_;
    std::unique_ptr<http::RateLimiter> limiter_;
    std::unique_ptr<http::ApiContext> api_;
    http::Router router_;
    std::unique_ptr<http::Metrics> metrics_;
    std::unique_ptr<http::Authenticator> auth_;
    std::unique_ptr<http::Server> server_;
    uint16_t port_ = 0;
    std::thread thread_;
};

} // namespace plinth::fuzz
