// Under direct TLS the portal's cookies carry Secure (over plain HTTP they cannot: the browser
// would drop them; browser_test.py checks that side).
#include "../http/server_process.hpp"
#include "support/test_host.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace plinth::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

TEST(PortalTls, CookiesAreSecureUnderTls) {
    TestDatabase db("portal_tls");
    std::string home = std::string(PLINTH_TEST_STATE_DIR) + "/portal-tls-" + std::to_string(::getpid());
    std::filesystem::create_directories(home);
    ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout '" + home +
                           "/key.pem' -out '" + home + "/cert.pem' >/dev/null 2>&1")
                              .c_str()),
              0);
    std::string modules = PLINTH_TEST_MODULE_DIR;
    boost::json::object config{
        {"database", db.config()},
        {"modules", {{"paths", {modules + "/plinth_accounts.so"}}}},
        {"portal", {{"enabled", true}}},
        {"http",
         {{"listen", "127.0.0.1:0"},
          {"access_log", "off"},
          {"tls", {{"cert", home + "/cert.pem"}, {"key", home + "/key.pem"}}}}}};
    ServerProcess server(home, config);
    ASSERT_NE(server.port(), 0) << server.stderr_text();

    asio::io_context io;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_verify_mode(asio::ssl::verify_none); // self-signed: the cookie is what is tested
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    beast::get_lowest_layer(stream).connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    stream.handshake(asio::ssl::stream_base::client);
    bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/account/sign-in", 11);
    req.set(bhttp::field::host, "127.0.0.1");
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    EXPECT_EQ(res.result_int(), 200u);
    std::string cookie(res[bhttp::field::set_cookie]);
    EXPECT_NE(cookie.find("plinth_form="), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; HttpOnly; SameSite=Strict; Secure"), std::string::npos) << cookie;
    EXPECT_EQ(std::string(res["X-Frame-Options"]), "DENY");

    server.terminate();
    std::error_code ec;
    std::filesystem::remove_all(home, ec);
}

} // namespace
} // namespace plinth::test
