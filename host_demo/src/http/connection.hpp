// One client connection: reads requests under the header, body and time limits, routes them,
// runs the handler (on a worker thread when it may block) and writes the answers, keeping the
// connection alive between requests until the client, a timeout or a drain ends it.
//
// Timeouts (each a deadline for the whole step, so a client that trickles bytes gains nothing):
//   waiting for the first byte of a request: header_timeout for the first, idle_timeout later;
//   the rest of the request head: header_timeout; the body: body_timeout; each answer: write_timeout.
#pragma once

#include "server_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace plinth::http {

// Each I/O thread runs its own io_context and a connection lives on one of them, so a
// connection's handlers never run at the same time without a strand, and the executor is a
// concrete type (no type-erased executor copied at every step).
using IoExecutor = boost::asio::io_context::executor_type;
using PlainStream = boost::beast::basic_stream<boost::asio::ip::tcp, IoExecutor, boost::beast::unlimited_rate_policy>;
using TlsStream = boost::beast::ssl_stream<PlainStream>;

// Stream: PlainStream, or TlsStream for direct TLS. Instantiated in connection_plain.cpp and
// connection_tls.cpp (two files, so the two compile in parallel); the definitions are in
// connection_impl.hpp.
template <class Stream>
class Connection : public ConnectionControl, public std::enable_shared_from_this<Connection<Stream>> {
public:
    // `metrics_listener`: accepted on a listener configured for /metrics.
    Connection(Stream stream, ServerState &state, bool metrics_listener);
    ~Connection() override;

    // Starts serving (TLS: the handshake first). Call once, right after construction.
    void start();
    void close_if_idle() override;

private:
    void await_request();
    void read_head();
    void on_head(boost::beast::error_code ec);
    void read_body();
    void on_body(boost::beast::error_code ec);
    void dispatch();
    // `may_wait`: false on the I/O thread (Request::may_wait).
    Response run_handler(const Router::Match &match, bool may_wait);
    void answer(Response response);
    // Writes head_ (formatted here from `r` and `content_length`) and, when `with_body`, body_.
    void send(const Response &r, uint64_t content_length, bool with_body, unsigned version, bool keep_alive);
    void on_written(boost::beast::error_code ec, bool keep_alive);
    // Answers a request that cannot be read further (malformed, too large) and closes.
    void refuse(unsigned status, std::string_view code, std::string_view message);
    // Ends the connection; `linger` after an answer, so unread request bytes cannot reset it.
    void close(bool linger = false);
    void record(unsigned status, uint64_t bytes_out);
    auto &socket() { return boost::beast::get_lowest_layer(stream_).socket(); }
    template <class Duration>
    void expire_after(Duration d) {
        boost::beast::get_lowest_layer(stream_).expires_after(d);
    }

    Stream stream_;
    ServerState &state_;
    bool metrics_listener_;
    boost::asio::ip::address peer_;
    std::list<std::weak_ptr<ConnectionControl>>::iterator tracked_;
    bool tracking_ = false;

    static constexpr size_t kReadChunkBytes = 4096;
    boost::beast::flat_buffer buffer_; // bounded: see the constructor
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    bool first_request_ = true;
    bool idle_ = false;   // waiting for a request to begin
    bool closed_ = false;

    // The request being served.
    Router::Match match_;
    std::chrono::steady_clock::time_point started_;
    std::string request_id_;
    boost::asio::ip::address client_; // the resolved client, for the access log (unspecified: none)
    std::string path_;

    // The answer being written (kept alive for the asynchronous write). head_ keeps its capacity
    // from one request to the next.
    std::string head_;
    std::string body_;
    std::optional<bhttp::response<bhttp::file_body>> file_response_;
    unsigned response_status_ = 0;
};

} // namespace plinth::http
