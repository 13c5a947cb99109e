// Direct TLS: with http.tls set, every listener speaks TLS 1.2 or later and nothing else.
#include "server_process.hpp"
#include "support/test_host.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace plinth::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string state_dir(const std::string &name) {
    return std::string(PLINTH_TEST_STATE_DIR) + "/http-" + name + "-" + std::to_string(::getpid());
}

// A self-signed certificate for 127.0.0.1, made with the openssl tool from libssl's package.
bool make_certificate(const std::string &dir) {
    std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout '" + dir +
                          "/key.pem' -out '" + dir + "/cert.pem' >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
}

// GET /healthz over TLS with the protocol versions [min, max]; the status, or 0 when the
// handshake or the request failed.
unsigned tls_get(uint16_t port, int min_version, int max_version) {
    try {
        asio::io_context io;
        asio::ssl::context ctx(asio::ssl::context::tls_client);
        SSL_CTX_set_min_proto_version(ctx.native_handle(), min_version);
        SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
        SSL_CTX_set_security_level(ctx.native_handle(), 0); // let the client offer old versions
        ctx.set_verify_mode(asio::ssl::verify_none);       // self-signed: only the protocol is tested
        beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
        beast::get_lowest_layer(stream).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(20));
        stream.handshake(asio::ssl::stream_base::client);
        bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/healthz", 11);
        req.set(bhttp::field::host, "127.0.0.1");
        bhttp::write(stream, req);
        beast::flat_buffer buffer;
        bhttp::response<bhttp::string_body> res;
        bhttp::read(stream, buffer, res);
        return res.result_int();
    } catch (const std::exception &) {
        return 0;
    }
}

TEST(HttpTls, ServesTls12AndLaterOnly) {
    TestDatabase db("http_tls");
    std::string home = state_dir("tls");
    std::filesystem::create_directories(home);
    if (!make_certificate(home)) GTEST_SKIP() << "the openssl tool is not installed";
    boost::json::object config{
        {"database", db.config()},
        {"modules", {{"paths", {std::string(PLINTH_TEST_FIXTURE_DIR) + "/plinth_counter.so"}}}},
        {"http",
         {{"listen", "127.0.0.1:0"},
          {"access_log", "off"},
          {"tls", {{"cert", home + "/cert.pem"}, {"key", home + "/key.pem"}}}}}};
    ServerProcess s(home, config);
    ASSERT_NE(s.port(), 0);
    EXPECT_EQ(tls_get(s.port(), TLS1_2_VERSION, TLS1_2_VERSION), 200u);
    EXPECT_EQ(tls_get(s.port(), TLS1_3_VERSION, TLS1_3_VERSION), 200u);
    EXPECT_EQ(tls_get(s.port(), TLS1_VERSION, TLS1_1_VERSION), 0u); // refused in the handshake
    EXPECT_EQ(s.terminate(), 0);
}

TEST(HttpTls, AMissingCertificateIsAClearStartupError) {
    TestDatabase db("http_tls_missing");
    std::string home = state_dir("tls-missing");
    std::filesystem::create_directories(home);
    boost::json::object config{
        {"database", db.config()},
        {"modules", {{"paths", {std::string(PLINTH_TEST_FIXTURE_DIR) + "/plinth_counter.so"}}}},
        {"http", {{"listen", "127.0.0.1:0"}, {"tls", {{"cert", home + "/none.pem"}, {"key", home + "/none.pem"}}}}}};
    std::ofstream(home + "/plinth.json") << boost::json::serialize(config);
    std::string out = run_cli(home, "serve");
    EXPECT_NE(out.find("http.tls.cert"), std::string::npos) << out;
}

} // namespace
} // namespace plinth::test
