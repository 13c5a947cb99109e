#include "server.hpp"

#include "connection.hpp"

#include <plinth/sdk/error.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <sodium.h>

#include <csignal>
#include <iostream>
#include <thread>

namespace plinth::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

std::string endpoint_text(const tcp::endpoint &e) {
    std::string host = e.address().to_string();
    if (e.address().is_v6()) host = "[" + host + "]";
    return host + ":" + std::to_string(e.port());
}

// Sent to a connection over max_connections, which is then closed without reading anything.
const std::string kBusy = [] {
    std::string body = "{\"error\":{\"code\":\"unavailable\",\"message\":\"too many connections; retry later\"}}";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
           "Connection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}();

// How long accepting waits after the process ran short of descriptors or memory. Long enough that
// a full file table costs next to no CPU, short enough that a connection freed is used soon after.
constexpr std::chrono::milliseconds kAcceptRetryPause{100};
// Failures closer together than this are one episode, logged once: while a backlog drains, the
// file table fills and frees many times a second.
constexpr std::chrono::seconds kAcceptEpisodeGap{10};

// Accept errors that will repeat at once until a descriptor or some memory is freed: the listening
// socket stays readable (the connection waits in the backlog), so retrying at once spins.
bool lacks_resources(const boost::system::error_code &ec) {
    namespace errc = boost::system::errc;
    return ec == errc::too_many_files_open || ec == errc::too_many_files_open_in_system ||
           ec == errc::no_buffer_space || ec == errc::not_enough_memory;
}

} // namespace

Server::Server(ServerConfig config, const Router &router, const Authenticator &auth, Metrics &metrics)
    : config_(std::move(config)), metrics_(metrics), log_(config_.access_log) {
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    io_threads_ = config_.io_threads != 0 ? config_.io_threads : cores;
    unsigned workers = config_.worker_threads != 0 ? config_.worker_threads : std::max(8u, 4 * cores);
    workers_ = std::make_unique<asio::thread_pool>(workers);
    state_ = std::make_unique<ServerState>(config_, router, auth, metrics_, log_, *workers_);
    unsigned char random[4];
    randombytes_buf(random, sizeof random);
    char prefix[9];
    std::snprintf(prefix, sizeof prefix, "%02x%02x%02x%02x", random[0], random[1], random[2], random[3]);
    state_->request_id_prefix = prefix;
    for (unsigned i = 0; i < io_threads_; ++i) {
        contexts_.push_back(std::make_unique<asio::io_context>(1));
        keep_running_.push_back(asio::make_work_guard(*contexts_.back()));
    }

    if (!config_.tls_cert.empty()) {
        tls_.emplace(asio::ssl::context::tls_server);
        tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
        SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
        boost::system::error_code ec;
        tls_->use_certificate_chain_file(config_.tls_cert, ec);
        if (ec) throw sdk::invalid_argument("http.tls.cert: cannot use " + config_.tls_cert + ": " + ec.message());
        tls_->use_private_key_file(config_.tls_key, asio::ssl::context::pem, ec);
        if (ec) throw sdk::invalid_argument("http.tls.key: cannot use " + config_.tls_key + ": " + ec.message());
    }
}

Server::~Server() {
    // Handlers still queued hold connections, which refer to the state: the I/O objects go
    // first, then the queue, then what the connections refer to.
    listeners_.clear();
    signals_.reset();
    drain_timer_.reset();
    if (workers_) workers_->join();
    keep_running_.clear();
    contexts_.clear();
    state_.reset();
    workers_.reset();
    tls_.reset();
}

std::vector<std::string> Server::bind() {
    std::vector<std::string> bound;
    auto open = [&](const ListenAddress &a, bool metrics) {
        auto l = std::make_unique<Listener>(main_context(), metrics);
        boost::system::error_code ec;
        tcp::endpoint endpoint(asio::ip::make_address(a.host), a.port);
        l->acceptor.open(endpoint.protocol(), ec);
        if (!ec) l->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) l->acceptor.bind(endpoint, ec);
        if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) throw sdk::unavailable("cannot listen on " + a.text() + ": " + ec.message());
        l->address = endpoint_text(l->acceptor.local_endpoint());
        bound.push_back(l->address);
        listeners_.push_back(std::move(l));
    };
    for (const auto &a : config_.listen) open(a, false);
    for (const auto &a : config_.metrics_listen) open(a, true);
    return bound;
}

void Server::accept(Listener &l) {
    asio::io_context &context = *contexts_[next_context_];
    next_context_ = (next_context_ + 1) % contexts_.size();
    l.acceptor.async_accept(context, [this, &l](boost::system::error_code ec, PlainStream::socket_type socket) {
        if (ec == asio::error::operation_aborted || !l.acceptor.is_open() || state_->draining.load()) return;
        if (lacks_resources(ec)) return pause_accepting(l, ec);
        if (!ec) {
            boost::system::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            if (static_cast<size_t>(metrics_.open_connections.load()) >= config_.max_connections) {
                metrics_.refused_connections.fetch_add(1);
                auto s = std::make_shared<PlainStream::socket_type>(std::move(socket));
                asio::async_write(*s, asio::buffer(kBusy), [s](boost::system::error_code, size_t) {
                    boost::system::error_code e;
                    s->shutdown(tcp::socket::shutdown_both, e);
                    s->close(e);
                });
            } else {
                metrics_.accepted_connections.fetch_add(1);
                if (tls_) {
                    std::make_shared<Connection<TlsStream>>(TlsStream(PlainStream(std::move(socket)), *tls_), *state_,
                                                            l.metrics)
                        ->start();
                } else {
                    std::make_shared<Connection<PlainStream>>(PlainStream(std::move(socket)), *state_, l.metrics)
                        ->start();
                }
            }
        }
        accept(l); // other errors concern that one connection (e.g. reset before it was accepted)
    });
}

void Server::pause_accepting(Listener &l, const boost::system::error_code &ec) {
    // Once per episode, not per failure: a full file table would otherwise write ten lines a second.
    auto now = std::chrono::steady_clock::now();
    bool new_episode = !l.last_failed_accept || now - *l.last_failed_accept > kAcceptEpisodeGap;
    l.last_failed_accept = now;
    if (new_episode)
        std::cerr << "[warning] http: cannot accept connections on " << l.address << ": " << ec.message()
                  << "; pausing accepts " << kAcceptRetryPause.count()
                  << " ms at a time until connections close (raise the file limit or lower http.max_connections)\n";
    l.retry.expires_after(kAcceptRetryPause);
    l.retry.async_wait([this, &l](boost::system::error_code wait_ec) {
        if (wait_ec || !l.acceptor.is_open() || state_->draining.load()) return;
        accept(l);
    });
}

void Server::run() {
    signals_.emplace(main_context(), SIGINT, SIGTERM);
    signals_->async_wait([this](boost::system::error_code ec, int) {
        if (!ec) begin_drain();
    });
    for (auto &l : listeners_) accept(*l);
    std::vector<std::thread> threads;
    for (size_t i = 1; i < contexts_.size(); ++i) threads.emplace_back([this, i] { contexts_[i]->run(); });
    main_context().run();
    for (auto &t : threads) t.join();
    workers_->join(); // handlers still running finish; their answers have nowhere to go
    log_.flush();
}

void Server::stop() {
    asio::post(main_context(), [this] { begin_drain(); });
}

void Server::begin_drain() {
    if (state_->draining.exchange(true)) return;
    for (auto &l : listeners_) {
        boost::system::error_code ignored;
        l->acceptor.close(ignored);
        l->retry.cancel();
    }
    // Collected under the lock, told outside it: a connection whose last owner is this list
    // would otherwise untrack itself (taking the same lock) from inside the loop.
    std::vector<std::shared_ptr<ConnectionControl>> live;
    {
        sdk::MutexLock lock(state_->connections_mutex);
        for (auto &weak : state_->connections)
            if (auto c = weak.lock()) live.push_back(std::move(c));
    }
    for (auto &c : live) c->close_if_idle();
    live.clear();
    drain_deadline_ = std::chrono::steady_clock::now() + config_.drain_timeout;
    drain_timer_.emplace(main_context());
    check_drained();
}

void Server::check_drained() {
    if (metrics_.open_connections.load() <= 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
        keep_running_.clear();
        for (auto &context : contexts_) context->stop();
        return;
    }
    drain_timer_->expires_after(std::chrono::milliseconds(20));
    drain_timer_->async_wait([this](boost::system::error_code ec) {
        if (!ec) check_drained();
    });
}

} // namespace plinth::http
