// The server's parts that decide something, without a server: routing, client addresses, rate
// limits, JSON text, the status table and the configuration reader.
#include "access_log.hpp"
#include "client_address.hpp"
#include "json_text.hpp"
#include "rate_limiter.hpp"
#include "response_head.hpp"
#include "router.hpp"
#include "server_config.hpp"
#include "status_table.hpp"

#include <plinth/sdk/error.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace plinth::http {
namespace {

namespace ip = boost::asio::ip;
using namespace std::chrono_literals;

TEST(HttpRouter, SpecificRoutesWinAndParametersAreNamed) {
    Router router;
    router.add({bhttp::verb::post}, "/v1/{module}/{command}", {}, [](Request &) { return Response::json(200, "1"); });
    router.add({bhttp::verb::get, bhttp::verb::post}, "/v1/licenses/check", {},
               [](Request &) { return Response::json(200, "2"); });
    auto general = router.match(bhttp::verb::post, "/v1/accounts/login");
    ASSERT_NE(general.route, nullptr);
    EXPECT_EQ(general.route->pattern, "/v1/{module}/{command}");
    ASSERT_EQ(general.params.size(), 2u);
    EXPECT_EQ(general.params[0], (std::pair<std::string, std::string>{"module", "accounts"}));
    EXPECT_EQ(general.params[1], (std::pair<std::string, std::string>{"command", "login"}));
    auto specific = router.match(bhttp::verb::post, "/v1/licenses/check");
    ASSERT_NE(specific.route, nullptr);
    EXPECT_EQ(specific.route->pattern, "/v1/licenses/check");
    EXPECT_NE(router.match(bhttp::verb::get, "/v1/licenses/check").route, nullptr);
    EXPECT_NE(router.match(bhttp::verb::head, "/v1/licenses/check").route, nullptr);
}

TEST(HttpRouter, WrongMethodListsTheAllowedOnesAndUnknownPathsMatchNothing) {
    Router router;
    router.add({bhttp::verb::post}, "/v1/{module}/{command}", {}, [](Request &) { return Response{}; });
    auto wrong = router.match(bhttp::verb::get, "/v1/accounts/login");
    EXPECT_EQ(wrong.route, nullptr);
    EXPECT_EQ(wrong.allow, "POST");
    // A GET route also answers HEAD, so a 405 lists it; a method two routes share is listed once.
    router.add({bhttp::verb::get, bhttp::verb::post}, "/v1/licenses/check", {}, [](Request &) { return Response{}; });
    router.add({bhttp::verb::get}, "/v1/{module}/check", {}, [](Request &) { return Response{}; });
    EXPECT_EQ(router.match(bhttp::verb::put, "/v1/licenses/check").allow, "POST, GET, HEAD");
    for (const char *path : {"/v1/accounts", "/v1/accounts/login/extra", "/v1//login", "/", ""}) {
        auto m = router.match(bhttp::verb::post, path);
        EXPECT_EQ(m.route, nullptr) << path;
        EXPECT_TRUE(m.allow.empty()) << path;
    }
}

TEST(HttpRouter, QueryParametersArePercentDecoded) {
    RequestMessage message;
    Request r{message, "/x", "key=AB%2DCD&site=https%3A%2F%2Fa.example%2F&empty=&plus=a+b&bad=%zz", {}};
    EXPECT_EQ(r.query_param("key"), "AB-CD");
    EXPECT_EQ(r.query_param("site"), "https://a.example/");
    EXPECT_EQ(r.query_param("empty"), "");
    EXPECT_EQ(r.query_param("plus"), "a b");
    EXPECT_EQ(r.query_param("bad"), std::nullopt);
    EXPECT_EQ(r.query_param("missing"), std::nullopt);
    EXPECT_EQ(percent_decode("%4", false), std::nullopt);
    EXPECT_EQ(percent_decode("100%", false), std::nullopt);
    EXPECT_EQ(percent_decode("a+b%20c", false), "a+b c");
}

TEST(HttpRouter, SeveralQueryParametersInOnePass) {
    RequestMessage message;
    Request r{message, "/x", "site=https%3A%2F%2Fa.example&k%65y=K1&key=K2&bad=%zz&empty&net=%41%42+C", {}};
    static constexpr std::array<std::string_view, 6> kNames{"key", "site", "bad", "empty", "missing", "net"};
    std::array<std::optional<std::string_view>, 6> v;
    std::string scratch;
    r.query_params(kNames, v, scratch);
    EXPECT_EQ(v[0], "K1"); // the first occurrence, found through its escaped name
    EXPECT_EQ(v[1], "https://a.example");
    EXPECT_EQ(v[2], std::nullopt); // present but not decodable
    EXPECT_EQ(v[3], "");
    EXPECT_EQ(v[4], std::nullopt);
    EXPECT_EQ(v[5], "AB C"); // decoded after another decoded value: the first did not move
    EXPECT_EQ(r.query_param("key"), "K1");
    // A value without escapes is the request's own text, not a copy.
    EXPECT_TRUE(v[0]->data() >= r.query.data() && v[0]->data() < r.query.data() + r.query.size());
}

TEST(HttpRouter, QueryScratchIsReusedAndAFailedDecodeLeavesNoTrace) {
    RequestMessage message;
    Request r{message, "/x", "a=%41%zz&b=%42%43", {}};
    static constexpr std::array<std::string_view, 2> kNames{"a", "b"};
    std::array<std::optional<std::string_view>, 2> v{std::string_view("stale"), std::string_view("stale")};
    std::string scratch = "left over from the last request";
    r.query_params(kNames, v, scratch);
    EXPECT_EQ(v[0], std::nullopt); // "%41" decoded, then "%zz" failed: nothing of it stays
    EXPECT_EQ(v[1], "BC");
    Request empty{message, "/x", "", {}};
    empty.query_params(kNames, v, scratch);
    EXPECT_EQ(v[0], std::nullopt); // a second call forgets the first call's values
    EXPECT_EQ(v[1], std::nullopt);
}

TEST(HttpClientAddress, ForwardedForCountsOnlyFromTrustedProxies) {
    ProxyList proxies;
    proxies.add(parse_network("10.0.0.0/8"));
    proxies.add(parse_network("::1"));
    auto peer_proxy = ip::make_address("10.1.2.3");
    auto peer_direct = ip::make_address("198.51.100.1");
    EXPECT_EQ(proxies.client(peer_direct, "203.0.113.5").to_string(), "198.51.100.1");
    EXPECT_EQ(proxies.client(peer_proxy, "203.0.113.5").to_string(), "203.0.113.5");
    // The client may write anything on the left; the hop our proxy appended is on the right.
    EXPECT_EQ(proxies.client(peer_proxy, "1.1.1.1, 203.0.113.5, 10.9.9.9").to_string(), "203.0.113.5");
    EXPECT_EQ(proxies.client(peer_proxy, "garbage").to_string(), "10.1.2.3");
    EXPECT_EQ(proxies.client(peer_proxy, "203.0.113.5, garbage").to_string(), "10.1.2.3");
    EXPECT_EQ(proxies.client(ip::make_address("::ffff:10.0.0.1"), "2001:db8::7").to_string(), "2001:db8::7");
    EXPECT_EQ(proxies.client(peer_proxy, "").to_string(), "10.1.2.3");
}

TEST(HttpClientAddress, TextIsTheLibrarysSpelling) {
    for (const char *a : {"0.0.0.0", "1.2.3.4", "10.0.0.255", "192.168.100.9", "255.255.255.255", "2001:db8::1", "::1"})
        EXPECT_EQ(address_text(ip::make_address(a)), a);
    EXPECT_EQ(address_text(ip::make_address("::ffff:203.0.113.77")), "203.0.113.77");
}

TEST(HttpClientAddress, LogsKeepOnlyTheNetwork) {
    EXPECT_EQ(truncated_for_log(ip::make_address("203.0.113.77")), "203.0.113.0/24");
    EXPECT_EQ(truncated_for_log(ip::make_address("::ffff:203.0.113.77")), "203.0.113.0/24");
    EXPECT_EQ(truncated_for_log(ip::make_address("2001:db8:abcd:1234::1")), "2001:db8:abcd::/48");
}

TEST(HttpClientAddress, RateLimitsCountAnIpv6SubscriberAsOne) {
    EXPECT_EQ(rate_limit_key(ip::make_address("198.51.100.7")), "198.51.100.7");
    EXPECT_EQ(rate_limit_key(ip::make_address("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
    EXPECT_EQ(rate_limit_key(ip::make_address("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
}

TEST(HttpClientAddress, BadNetworksAreRefused) {
    for (const char *bad : {"", "10.0.0.0/33", "10.0.0.0/", "example.com", "::1/129", "10.0.0.0/x"})
        EXPECT_THROW(parse_network(bad), sdk::Error) << bad;
    EXPECT_TRUE(parse_network("192.168.0.0/16").contains(ip::make_address("192.168.200.1")));
    EXPECT_FALSE(parse_network("192.168.0.0/16").contains(ip::make_address("192.169.0.1")));
    EXPECT_TRUE(parse_network("0.0.0.0/0").contains(ip::make_address("8.8.8.8")));
}

TEST(HttpResponseHead, StatusLineDateFieldsLengthAndConnection) {
    std::vector<std::pair<std::string, std::string>> fields{{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
    ResponseHead h;
    h.status = 200;
    h.content_type = "application/json";
    h.request_id = "abc-00000001";
    h.cache_control = "no-store";
    h.fields = &fields;
    h.content_length = 42;
    std::string out;
    EXPECT_EQ(write_response_head(out, h), 0u);
    const std::string date(http_date());
    EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nDate: " + date +
                       "\r\nContent-Type: application/json\r\nX-Request-Id: abc-00000001\r\n"
                       "Cache-Control: no-store\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 42\r\n\r\n");
    // IMF-fixdate: "Tue, 01 Dec 2026 22:28:20 GMT".
    ASSERT_EQ(date.size(), 29u);
    EXPECT_EQ(date.substr(25), " GMT");
    EXPECT_EQ(date[3], ',');

    h.keep_alive = false;
    write_response_head(out, h);
    EXPECT_NE(out.find("\r\nConnection: close\r\n"), std::string::npos);
    h.version = 10;
    write_response_head(out, h);
    EXPECT_EQ(out.rfind("HTTP/1.0 200 OK\r\n", 0), 0u);
    EXPECT_EQ(out.find("Connection:"), std::string::npos); // HTTP/1.0 closes unless told
    h.keep_alive = true;
    write_response_head(out, h);
    EXPECT_NE(out.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
}

TEST(HttpResponseHead, BodilessStatusesHaveNoLengthAndBadFieldsAreDropped) {
    std::vector<std::pair<std::string, std::string>> fields{{"ETag", "\"v1\"\r\nSet-Cookie: stolen=1"},
                                                            {"Bad Name", "x"},
                                                            {"", "x"},
                                                            {"X-Ok", "fine"}};
    ResponseHead h;
    h.status = 304;
    h.fields = &fields;
    h.cache_control = "no-store\r\nSet-Cookie: also=stolen";
    h.content_length = 10;
    std::string out;
    EXPECT_EQ(write_response_head(out, h), 4u);
    EXPECT_EQ(out.find("Cache-Control"), std::string::npos);
    EXPECT_EQ(out.rfind("HTTP/1.1 304 Not Modified\r\n", 0), 0u);
    EXPECT_EQ(out.find("Content-Length"), std::string::npos);
    EXPECT_EQ(out.find("stolen"), std::string::npos);
    EXPECT_EQ(out.find("Bad Name"), std::string::npos);
    EXPECT_NE(out.find("\r\nX-Ok: fine\r\n"), std::string::npos);
    EXPECT_EQ(out.find("Content-Type"), std::string::npos); // none given, none written
    // Downloads, written by Beast, use the same rule for their fields.
    EXPECT_FALSE(is_valid_field("ETag", "a\nb"));
    EXPECT_FALSE(is_valid_field("Bad Name", "x"));
    EXPECT_TRUE(is_valid_field("Content-Disposition", "attachment; filename=\"a.zip\""));
    EXPECT_TRUE(status_has_no_body(204));
    EXPECT_TRUE(status_has_no_body(100));
    EXPECT_FALSE(status_has_no_body(404));
}

TEST(HttpRateLimiter, BurstThenRefillWithRetryAfter) {
    RateLimiter limiter({{"login", {60, 3}}}, 1000); // one a second, three at once
    RateLimiter::Limit *login = limiter.find("login");
    ASSERT_NE(login, nullptr);
    auto t0 = RateLimiter::Clock::time_point{} + 1h;
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.admit(login, "a", t0)) << i;
    auto refused = limiter.admit(login, "a", t0);
    ASSERT_TRUE(refused);
    EXPECT_EQ(*refused, 1u);
    EXPECT_FALSE(limiter.admit(login, "b", t0)); // another client
    EXPECT_FALSE(limiter.admit(login, "a", t0 + 1100ms));
    EXPECT_TRUE(limiter.admit(login, "a", t0 + 1200ms));
    EXPECT_EQ(limiter.find("unknown-limit"), nullptr); // a limit the configuration lacks admits
    EXPECT_FALSE(limiter.admit(nullptr, "a", t0));
}

TEST(HttpRateLimiter, AFloodOfAddressesStaysBounded) {
    RateLimiter limiter({{"check", {60, 1}}}, 32);
    RateLimiter::Limit *check = limiter.find("check");
    auto t0 = RateLimiter::Clock::time_point{} + 1h;
    for (int i = 0; i < 10000; ++i) limiter.admit(check, "client-" + std::to_string(i), t0);
    // Memory stays bounded; a client seen just now is still limited unless its shard was reset.
    EXPECT_FALSE(limiter.admit(check, "fresh", t0));
    EXPECT_TRUE(limiter.admit(check, "fresh", t0));
}

TEST(HttpJsonText, EscapesAndRepairsUntrustedText) {
    std::string out;
    append_json_string(out, std::string_view("a\"b\\c\n\x01\x7f\xff\xc3\xa9", 11));
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\u007f\xEF\xBF\xBD\xC3\xA9\"");
    EXPECT_TRUE(is_well_formed_json(out));
    out.clear();
    append_json_string(out, "\xed\xa0\x80"); // a surrogate is not UTF-8
    EXPECT_EQ(out, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(HttpJsonText, WellFormedMeansOneValueWithValidUtf8) {
    EXPECT_TRUE(is_well_formed_json("{\"a\":[1,2,{\"b\":null}]}"));
    EXPECT_TRUE(is_well_formed_json("[]"));
    EXPECT_FALSE(is_well_formed_json(""));
    EXPECT_FALSE(is_well_formed_json("{\"a\":1} {}"));
    EXPECT_FALSE(is_well_formed_json("{\"a\":\"\xff\"}"));
    EXPECT_FALSE(is_well_formed_json(std::string(100, '[') + std::string(100, ']')));
}

TEST(HttpJsonText, ReadsOnlyTheNamedStringMembers) {
    constexpr std::array<std::string_view, 3> names{"key", "site", "product"};  // any number of names
    auto ok = read_string_members("{\"site\":\"https://a.example\",\"key\":\"K\\u0041\"}", names, 64);
    EXPECT_TRUE(ok.problem.empty()) << ok.problem;
    EXPECT_EQ(ok.values[0], "KA");
    EXPECT_EQ(ok.values[1], "https://a.example");
    EXPECT_FALSE(ok.values[2]);
    EXPECT_EQ(read_string_members("{\"key\":1}", names, 64).problem, "member 'key' must be a string");
    EXPECT_EQ(read_string_members("{\"other\":\"x\"}", names, 64).problem, "unknown member 'other'");
    EXPECT_EQ(read_string_members("{\"key\":\"a\",\"key\":\"b\"}", names, 64).problem, "member 'key' appears twice");
    EXPECT_EQ(read_string_members("[\"key\"]", names, 64).problem, "the body must be a JSON object");
    EXPECT_EQ(read_string_members("\"key\"", names, 64).problem, "the body must be a JSON object");
    EXPECT_EQ(read_string_members("{\"key\":\"" + std::string(65, 'a') + "\"}", names, 64).problem,
              "member 'key' is too long");
    EXPECT_EQ(read_string_members("{\"key\":", names, 64).problem, "the body is not valid JSON");
    EXPECT_EQ(read_string_members("{\"key\":{\"a\":\"b\"}}", names, 64).problem, "member 'key' must be a string");
    EXPECT_FALSE(read_string_members("{\"key\":\"a\"}", names, 64).values[1]);
}

TEST(HttpStatusTable, EveryStatusHasItsDocumentedCode) {
    EXPECT_EQ(http_status_for(PLINTH_OK), 200u);
    EXPECT_EQ(http_status_for(PLINTH_E_INVALID_ARGUMENT), 400u);
    EXPECT_EQ(http_status_for(PLINTH_E_UNAUTHENTICATED), 401u);
    EXPECT_EQ(http_status_for(PLINTH_E_EXPIRED), 401u);
    EXPECT_EQ(http_status_for(PLINTH_E_PERMISSION_DENIED), 403u);
    EXPECT_EQ(http_status_for(PLINTH_E_NOT_FOUND), 404u);
    EXPECT_EQ(http_status_for(PLINTH_E_UNSUPPORTED), 404u);
    EXPECT_EQ(http_status_for(PLINTH_E_CONFLICT), 409u);
    EXPECT_EQ(http_status_for(PLINTH_E_LIMIT_EXCEEDED), 409u);
    EXPECT_EQ(http_status_for(PLINTH_E_THROTTLED), 429u);
    EXPECT_EQ(http_status_for(PLINTH_E_UNAVAILABLE), 503u);
    EXPECT_EQ(http_status_for(PLINTH_E_DATABASE), 503u);
    EXPECT_EQ(http_status_for(PLINTH_E_RESOURCE_EXHAUSTED), 507u);
    EXPECT_EQ(http_status_for(PLINTH_E_INTERNAL), 500u);
    EXPECT_EQ(http_status_for(PLINTH_E_SINK), 500u);
    EXPECT_EQ(http_status_for(9999), 500u);
}

// Why ServerConfig::from_json refuses `o` (its message), or "accepted".
std::string config_problem(boost::json::object o) {
    try {
        ServerConfig::from_json(o);
    } catch (const sdk::Error &e) {
        return std::string(e.what());
    }
    return std::string("accepted");
}

TEST(HttpConfig, DefaultsAndOverrides) {
    ServerConfig d = ServerConfig::from_json({});
    ASSERT_EQ(d.listen.size(), 1u);
    EXPECT_EQ(d.listen[0].text(), "127.0.0.1:8080");
    EXPECT_EQ(d.header_limit_bytes, 8192u);
    boost::json::object o{{"listen", {"[::1]:9000", ":8081"}},
                          {"limits", {{"body_bytes", 2048}, {"idle_timeout_ms", 500}}},
                          {"rate_limits", {{"login", {{"per_minute", 3}}}}},
                          {"trusted_proxies", "10.0.0.0/8"}};
    ServerConfig c = ServerConfig::from_json(o);
    EXPECT_EQ(c.listen[0].text(), "[::1]:9000");
    EXPECT_EQ(c.listen[1].text(), "0.0.0.0:8081");
    EXPECT_EQ(c.body_limit_bytes, 2048u);
    EXPECT_EQ(c.idle_timeout, 500ms);
    EXPECT_EQ(c.rate_limits["login"].per_minute, 3);
    EXPECT_EQ(c.rate_limits["login"].burst, 5); // the default burst stays
    EXPECT_TRUE(c.trusted_proxies.trusts(ip::make_address("10.2.3.4")));
}

TEST(HttpConfig, MistakesNameTheMember) {
    EXPECT_NE(config_problem({{"listen", "localhost:80"}}).find("literal IP"), std::string::npos);
    EXPECT_NE(config_problem({{"listen", "127.0.0.1:70000"}}).find("port"), std::string::npos);
    EXPECT_NE(config_problem({{"threads", -1}}).find("http.threads"), std::string::npos);
    EXPECT_NE(config_problem({{"limits", {{"header_bytes", "big"}}}}).find("http.limits.header_bytes"), std::string::npos);
    EXPECT_NE(config_problem({{"tls", {{"cert", "/x.pem"}}}}).find("both cert and key"), std::string::npos);
    EXPECT_NE(config_problem({{"trusted_proxies", {"10.0.0.0/99"}}}).find("prefix"), std::string::npos);
}

TEST(HttpAccessLog, AFileThatCannotBeOpenedIsRefusedWithTheSystemsReason) {
    auto problem = [](const std::string &destination) {
        try {
            AccessLog log(destination);
        } catch (const sdk::Error &e) {
            return std::string(e.what());
        }
        return std::string("opened");
    };
    std::string missing = problem("/nonexistent-plinth-folder/access.log");
    EXPECT_NE(missing.find("/nonexistent-plinth-folder/access.log"), std::string::npos) << missing;
    EXPECT_NE(missing.find(std::strerror(ENOENT)), std::string::npos) << missing;
    std::string folder = problem("/");
    EXPECT_NE(folder.find(std::strerror(EISDIR)), std::string::npos) << folder;
}

// A misspelt setting is refused by name, never left at its default: "tsl" would serve plain
// HTTP, "trusted_proxy" would put every client in the proxy's rate-limit bucket.
TEST(HttpConfig, UnknownMembersAreRefusedAndNestedOnesNamedWithTheirSection) {
    EXPECT_NE(config_problem({{"tsl", {{"cert", "/c.pem"}, {"key", "/k.pem"}}}}).find("http.tsl is not a setting"),
              std::string::npos);
    EXPECT_NE(config_problem({{"trusted_proxy", "10.0.0.0/8"}}).find("http.trusted_proxy"), std::string::npos);
    EXPECT_NE(config_problem({{"limits", {{"body_byte", 2048}}}}).find("http.limits.body_byte is not a setting"),
              std::string::npos);
    EXPECT_NE(config_problem({{"metrics", {{"tokn", "secret"}}}}).find("http.metrics.tokn"), std::string::npos);
    EXPECT_NE(config_problem({{"tls", {{"cert", "/c.pem"}, {"key", "/k.pem"}, {"ciphers", "x"}}}}).find("http.tls.ciphers"),
              std::string::npos);
    EXPECT_NE(config_problem({{"rate_limits", {{"logn", {{"per_minute", 3}}}}}}).find("http.rate_limits.logn is not a rate limit"),
              std::string::npos);
    EXPECT_NE(config_problem({{"rate_limits", {{"login", {{"per_minut", 3}}}}}}).find("http.rate_limits.login.per_minut"),
              std::string::npos);
    // A nested member is named with its section.
    EXPECT_NE(config_problem({{"metrics", {{"token", 5}}}}).find("http.metrics.token must be a string"), std::string::npos);
    EXPECT_NE(config_problem({{"metrics", {{"listen", 5}}}}).find("http.metrics.listen must be"), std::string::npos);
    EXPECT_NE(config_problem({{"tls", {{"cert", 5}, {"key", "/k.pem"}}}}).find("http.tls.cert must be a string"),
              std::string::npos);
    // Every setting docs/http.md shows is known.
    EXPECT_EQ(config_problem({{"listen", "127.0.0.1:8080"}, {"threads", 0}, {"workers", 0}, {"max_connections", 10},
                       {"trusted_proxies", {"127.0.0.1"}}, {"access_log", "-"},
                       {"limits",
                        {{"header_bytes", 8192}, {"body_bytes", 1048576}, {"upload_body_bytes", 1048576},
                         {"response_bytes", 1048576}, {"header_timeout_ms", 1}, {"body_timeout_ms", 1},
                         {"idle_timeout_ms", 1}, {"write_timeout_ms", 1}, {"drain_timeout_ms", 1},
                         {"rate_limit_clients", 100}}},
                       {"rate_limits", {{"login", {{"per_minute", 10}, {"burst", 5}}}, {"activation", boost::json::object{}},
                                        {"check", boost::json::object{}}}},
                       {"metrics", {{"listen", {"127.0.0.1:9464"}}, {"token", "t"}}},
                       {"tls", {{"cert", "/c.pem"}, {"key", "/k.pem"}}}}),
              "accepted");
}

} // namespace
} // namespace plinth::http
