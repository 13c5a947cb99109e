// The HTTP server: listeners, I/O threads, the worker pool for module calls, and graceful
// shutdown (stop accepting, let requests in flight finish within the drain timeout, then stop).
#pragma once

#include "access_log.hpp"
#include "authenticator.hpp"
#include "metrics.hpp"
#include "router.hpp"
#include "server_config.hpp"
#include "server_state.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace plinth::http {

class Server {
public:
    // `router` and `auth` must outlive the server. Throws sdk::Error when the access log or the
    // TLS files cannot be opened.
    Server(ServerConfig config, const Router &router, const Authenticator &auth, Metrics &metrics);
    ~Server();
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    // Binds every listener; returns the bound addresses ("127.0.0.1:41234"), in configuration
    // order, API listeners first, then metrics listeners. Throws sdk::Error(unavailable) naming
    // the address that could not be bound. [main-thread]
    std::vector<std::string> bind();

    // Serves until stop() or SIGTERM/SIGINT, then drains; returns once every I/O thread has
    // ended and no handler is running. [main-thread]
    void run();

    // Starts the graceful shutdown. [thread-safe]
    void stop();

private:
    struct Listener {
        Listener(boost::asio::io_context &context, bool metrics_listener)
            : acceptor(context), metrics(metrics_listener), retry(context) {}
        boost::asio::ip::tcp::acceptor acceptor;
        bool metrics = false;
        // Accepting waits on this while the process lacks file descriptors or memory for another
        // connection (EMFILE, ENFILE, ENOBUFS, ENOMEM): retrying at once would spin an I/O thread.
        boost::asio::steady_timer retry;
        std::string address; // as bound, for the log
        std::optional<std::chrono::steady_clock::time_point> last_failed_accept; // for logging once per episode
    };
    void accept(Listener &l);
    // After an accept failed for lack of resources: logs the first failure of an episode (failures
    // less than 10 s apart), then accepts again after a pause. Connections already open are served meanwhile.
    void pause_accepting(Listener &l, const boost::system::error_code &ec);
    void begin_drain();
    void check_drained();
    boost::asio::io_context &main_context() { return *contexts_.front(); }

    ServerConfig config_;
    Metrics &metrics_;
    AccessLog log_;
    std::unique_ptr<boost::asio::thread_pool> workers_;
    std::unique_ptr<ServerState> state_;
    // One io_context per I/O thread; listeners, signals and the drain timer live on the first.
    // Each holds a work guard until the server stops, so a thread with no connection yet waits.
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> keep_running_;
    size_t next_context_ = 0; // round robin for new connections (touched only on the first context)
    std::optional<boost::asio::ssl::context> tls_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::optional<boost::asio::signal_set> signals_;
    std::optional<boost::asio::steady_timer> drain_timer_;
    std::chrono::steady_clock::time_point drain_deadline_;
    unsigned io_threads_ = 1;
};

} // namespace plinth::http
