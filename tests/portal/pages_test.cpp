// The portal's pages as a script (not a browser) meets them: a real server, the real modules and
// a real MariaDB, plain HTTP, the session cookie set by hand.
#include "../http/client.hpp"
#include "../http/server_process.hpp"
#include "support/test_host.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

namespace plinth::test {
namespace {

using boost::json::object;

// Text from the address goes into a module's JSON arguments: bytes that are not UTF-8 get a
// refusal that says so, not the module's "arguments are not valid JSON".
TEST(PortalPages, TextThatIsNotUtf8GetsARefusalThatSaysSo) {
    TestDatabase db("portal_pages");
    std::string home = std::string(PLINTH_TEST_STATE_DIR) + "/portal-pages-" + std::to_string(::getpid());
    std::string modules = PLINTH_TEST_MODULE_DIR;
    object config{{"database", db.config()},
                  {"modules", {{"paths", {modules + "/plinth_accounts.so", modules + "/plinth_tickets.so"}}}},
                  {"accounts", {{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}}}},
                  {"portal", {{"enabled", true}}},
                  {"http", {{"listen", "127.0.0.1:0"}, {"access_log", "off"}}}};
    ServerProcess server(home, config);
    ASSERT_NE(server.port(), 0) << server.stderr_text();

    auto reg = fetch(server.port(), "POST", "/v1/accounts/register",
                     R"({"email":"una@example.com","username":"una","first_name":"Una","password":"correct horse una"})");
    ASSERT_TRUE(reg);
    ASSERT_EQ(reg->status, 200u) << reg->body;
    auto login = fetch(server.port(), "POST", "/v1/accounts/login", R"({"login":"una","password":"correct horse una"})");
    ASSERT_TRUE(login);
    ASSERT_EQ(login->status, 200u) << login->body;
    std::string cookie = "Cookie: plinth_session=" + std::string(login->json().at("token").as_string()) + "\r\n";

    auto listed = fetch(server.port(), "GET", "/account/tickets", {}, {}, cookie);
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->status, 200u) << listed->body.substr(0, 300);

    auto page = fetch(server.port(), "GET", "/account/tickets?cursor=%FF%FE", {}, {}, cookie);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 400u);
    EXPECT_NE(page->body.find("not valid UTF-8"), std::string::npos) << page->body.substr(0, 2000);
    EXPECT_EQ(page->body.find("not valid JSON"), std::string::npos);
    EXPECT_EQ(server.terminate(), 0);
}

} // namespace
} // namespace plinth::test
