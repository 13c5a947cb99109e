// Limits and abuse: oversized heads and bodies, slow and idle clients, malformed HTTP, floods of
// connections and requests, and a graceful shutdown with a request in flight.
#include "client.hpp"
#include "server_process.hpp"
#include "support/test_host.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <random>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

namespace plinth::test {
namespace {

using boost::json::object;
using namespace std::chrono_literals;

std::string state_dir(const std::string &name) {
    return std::string(PLINTH_TEST_STATE_DIR) + "/http-" + name + "-" + std::to_string(::getpid());
}

object config_for(const TestDatabase &db, object http) {
    object h{{"listen", "127.0.0.1:0"},
             {"threads", 2},
             {"access_log", "off"},
             {"trusted_proxies", boost::json::array{"127.0.0.1"}},
             {"limits",
              {{"header_timeout_ms", 1000},
               {"idle_timeout_ms", 2000},
               {"body_timeout_ms", 2000},
               {"drain_timeout_ms", 8000},
               {"body_bytes", 65536}}}};
    for (auto &m : http) h[m.key()] = m.value();
    return {{"database", db.config()},
            {"modules",
             {{"paths", {std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_licenses.so",
                         std::string(PLINTH_TEST_FIXTURE_DIR) + "/plinth_counter.so"}}}},
            {"http", h}};
}

class HttpLimits : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        db_ = new TestDatabase("http_limits");
        std::string home = state_dir("limits");
        server_ = new ServerProcess(
            home, config_for(*db_,
                             {{"max_connections", 400},
                              {"rate_limits", {{"check", {{"per_minute", 1}, {"burst", 3}}}}}}));
    }
    static void TearDownTestSuite() {
        delete server_;
        delete db_;
    }
    void SetUp() override { ASSERT_NE(port(), 0) << server_->stderr_text(); }
    static uint16_t port() { return server_->port(); }

    // Sends `raw` on a fresh connection and reads one answer.
    static std::optional<Reply> raw(const std::string &bytes, Client *keep = nullptr) {
        Client local(port());
        Client &c = keep ? *keep : local;
        c.send(bytes);
        return c.read(10s);
    }
    static bool healthy() {
        auto r = fetch(port(), "GET", "/healthz");
        return r && r->status == 200;
    }

    static TestDatabase *db_;
    static ServerProcess *server_;
};

TestDatabase *HttpLimits::db_ = nullptr;
ServerProcess *HttpLimits::server_ = nullptr;

TEST_F(HttpLimits, AnOversizedHeadGets431AndTheConnectionCloses) {
    Client c(port());
    auto r = raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n", &c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 431u);
    EXPECT_FALSE(r->keep_alive);
    EXPECT_TRUE(c.closed_within(5s));
    EXPECT_TRUE(healthy());
}

TEST_F(HttpLimits, ThousandsOfHeadersGet431) {
    std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 3000; ++i) head += "X-" + std::to_string(i) + ": y\r\n";
    auto r = raw(head + "\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 431u);
}

TEST_F(HttpLimits, AnOversizedBodyGets413BeforeItIsRead) {
    std::string body(70000, 'x');
    Client c(port());
    auto r = raw("POST /v1/counter/get HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body,
                 &c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413u);
    EXPECT_TRUE(c.closed_within(5s));
}

TEST_F(HttpLimits, AnOversizedChunkedBodyGets413) {
    std::string chunk(40000, 'x');
    char size[16];
    std::snprintf(size, sizeof size, "%zx", chunk.size());
    std::string req = "POST /v1/counter/get HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) req += std::string(size) + "\r\n" + chunk + "\r\n";
    req += "0\r\n\r\n";
    auto r = raw(req);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413u);
}

TEST_F(HttpLimits, BodyLimitsArePerRoute) {
    // The typed check takes at most 4 KiB; a command route takes the configured 64 KiB.
    std::string body = "{\"key\":\"" + std::string(5000, 'A') + "\",\"site\":\"https://a.example\"}";
    EXPECT_EQ(fetch(port(), "POST", "/v1/licenses/check", body, {}, "X-Forwarded-For: 192.0.2.200\r\n")->status, 413u);
    auto command = fetch(port(), "POST", "/v1/counter/get", "{\"name\":\"" + std::string(5000, 'a') + "\"}");
    ASSERT_TRUE(command);
    EXPECT_EQ(command->status, 400u); // read, then refused by the module (name too long)
}

TEST_F(HttpLimits, ASlowlorisClientIsClosedWhileOthersAreServed) {
    Client slow(port());
    ASSERT_TRUE(slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
    bool closed = false;
    int served = 0;
    auto give_up = std::chrono::steady_clock::now() + 15s;
    while (!closed && std::chrono::steady_clock::now() < give_up) {
        // One header byte at a time, never finishing the head.
        if (!slow.send("X")) break;
        if (healthy()) ++served;
        closed = slow.closed_within(200ms);
    }
    EXPECT_TRUE(closed) << "the trickling connection was never closed";
    EXPECT_GT(served, 0);
    EXPECT_TRUE(healthy());
}

TEST_F(HttpLimits, AnIdleKeepAliveConnectionIsClosed) {
    Client c(port());
    auto r = c.request("GET", "/healthz");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->keep_alive);
    EXPECT_TRUE(c.closed_within(15s));
}

TEST_F(HttpLimits, AConnectionThatSendsNothingIsClosed) {
    Client c(port());
    EXPECT_TRUE(c.closed_within(15s));
}

TEST_F(HttpLimits, GarbageGets400AndTheConnectionCloses) {
    Client c(port());
    auto r = raw(std::string("\x01\x02\xff garbage \x00 here\r\n\r\n", 22), &c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400u);
    EXPECT_FALSE(r->keep_alive);
    EXPECT_TRUE(c.closed_within(5s));
}

TEST_F(HttpLimits, BadChunkedEncodingGets400) {
    auto r = raw("POST /v1/counter/get HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400u);
}

// A body whose length is in doubt is refused, never guessed: read as no body, the bytes after the
// head would be served as a second request that a proxy in front never saw.
TEST_F(HttpLimits, ATransferEncodingNotEndingInChunkedIsRefusedAndNothingIsSmuggled) {
    const std::string smuggled = "GET /healthz?smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    for (const char *coding : {"xchunked", "chunked, identity", "gzip", "identity"}) {
        Client c(port());
        ASSERT_TRUE(c.send(std::string("POST /v1/counter/get HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n") +
                           "Transfer-Encoding: " + coding + "\r\n\r\n" + smuggled));
        auto r = c.read(10s);
        ASSERT_TRUE(r) << coding;
        EXPECT_EQ(r->status, 400u) << coding;
        EXPECT_FALSE(r->keep_alive) << coding;
        EXPECT_FALSE(c.read(2s)) << coding << ": a second answer, to the smuggled request";
    }
    // Chunked last but another coding first: understood framing, a coding not implemented here.
    auto gzip = raw("POST /v1/counter/get HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
    ASSERT_TRUE(gzip);
    EXPECT_EQ(gzip->status, 501u);
    // HTTP/1.0 has no Transfer-Encoding.
    auto old = raw("POST /v1/counter/get HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    ASSERT_TRUE(old);
    EXPECT_EQ(old->status, 400u);
    // Plain chunked still works: the module reads the body and answers.
    auto ok = raw("POST /v1/counter/get HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n12\r\n{\"name\":\"chunked\"}\r\n0\r\n\r\n");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 404u) << ok->body; // no counter of that name: the body was read
}

TEST_F(HttpLimits, HostMustBeThereOnceAndAuthorizationAtMostOnce) {
    EXPECT_EQ(raw("GET /healthz HTTP/1.1\r\n\r\n")->status, 400u);
    EXPECT_EQ(raw("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")->status, 400u);
    EXPECT_EQ(raw("GET /healthz HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer one\r\n"
                  "Authorization: Bearer two\r\n\r\n")->status,
              400u);
    EXPECT_EQ(raw("GET /healthz HTTP/1.0\r\n\r\n")->status, 200u); // HTTP/1.0 may omit Host
    EXPECT_EQ(raw("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")->status, 200u);
}

// Chunk extensions and trailers count against no header or body limit in the parser: the
// connection's read buffer is bounded instead, and a line that never ends is refused.
TEST_F(HttpLimits, AnEndlessChunkExtensionOrTrailerIsRefused) {
    const std::string head = "POST /v1/counter/get HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n";
    for (const std::string &tail : {"2;" + std::string(1 << 20, 'x'), "2\r\n{}\r\n0\r\nX-T: " + std::string(1 << 20, 'x')}) {
        Client c(port());
        c.send(head + tail); // the server may stop reading part way: whether this completes does not matter
        auto r = c.read(10s);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400u);
        EXPECT_TRUE(c.closed_within(5s));
    }
    EXPECT_TRUE(healthy());
}

TEST_F(HttpLimits, Http09Gets400) {
    auto r = raw("GET /healthz\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400u);
}

TEST_F(HttpLimits, AbsoluteFormAndBadContentLengthGet400) {
    EXPECT_EQ(raw("GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n")->status, 400u);
    EXPECT_EQ(raw("POST /v1/counter/get HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")->status, 400u);
    EXPECT_EQ(raw("POST /v1/counter/get HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n{}}")->status,
              400u);
}

TEST_F(HttpLimits, RandomBytesNeverBringTheServerDown) {
    std::mt19937 random(12345);
    for (int i = 0; i < 200; ++i) {
        std::string bytes(static_cast<size_t>(random() % 2048 + 1), '\0');
        for (auto &b : bytes) b = static_cast<char>(random());
        if (i % 2 == 0) bytes = "POST /v1/counter/get HTTP/1.1\r\n" + bytes; // garbage after a good start
        Client c(port());
        c.send(bytes + "\r\n\r\n");
        c.read(2s); // whatever it answers, if anything
    }
    EXPECT_TRUE(healthy());
}

TEST_F(HttpLimits, PipelinedRequestsAreAnsweredInOrder) {
    Client c(port());
    ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    EXPECT_EQ(c.read()->status, 200u);
    EXPECT_EQ(c.read()->status, 404u);
    auto last = c.read();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->status, 200u);
    EXPECT_FALSE(last->keep_alive);
    EXPECT_TRUE(c.closed_within(5s));
}

TEST_F(HttpLimits, TwoHundredConcurrentKeepAliveConnections) {
    constexpr int kConnections = 200;
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < kConnections; ++i) {
        clients.push_back(std::make_unique<Client>(port()));
        ASSERT_TRUE(clients.back()->connected()) << i;
    }
    for (int round = 0; round < 3; ++round) {
        for (auto &c : clients) ASSERT_TRUE(c->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
        int ok = 0;
        for (auto &c : clients) {
            auto r = c->read(30s);
            if (r && r->status == 200 && r->keep_alive) ++ok;
        }
        EXPECT_EQ(ok, kConnections) << "round " << round;
    }
}

TEST_F(HttpLimits, RateLimitsAnswer429WithRetryAfterPerClientAddress) {
    const std::string from = "X-Forwarded-For: 192.0.2.10\r\n";
    for (int i = 0; i < 3; ++i) {
        auto r = fetch(port(), "GET", "/v1/licenses/check?key=AAAA&site=https%3A%2F%2Fa.example", {}, {}, from);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200u) << i << r->body;
    }
    auto limited = fetch(port(), "GET", "/v1/licenses/check?key=AAAA&site=https%3A%2F%2Fa.example", {}, {}, from);
    ASSERT_TRUE(limited);
    EXPECT_EQ(limited->status, 429u);
    EXPECT_GE(std::stoi(limited->header("retry-after")), 1);
    // The JSON command path draws on the same bucket.
    EXPECT_EQ(fetch(port(), "POST", "/v1/licenses/check", "{\"key\":\"AAAA\",\"site\":\"https://a.example\"}", {}, from)
                  ->status,
              429u);
    // Another client address has its own bucket.
    auto other = fetch(port(), "GET", "/v1/licenses/check?key=AAAA&site=https%3A%2F%2Fa.example", {}, {},
                       "X-Forwarded-For: 192.0.2.11\r\n");
    EXPECT_EQ(other->status, 200u);
}

TEST(HttpServer, ConnectionsOverTheLimitGet503) {
    TestDatabase db("http_maxconn");
    std::string home = state_dir("maxconn");
    ServerProcess s(home, config_for(db, {{"max_connections", 3}}));
    ASSERT_NE(s.port(), 0);
    std::vector<std::unique_ptr<Client>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<Client>(s.port()));
        auto r = held.back()->request("GET", "/healthz");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200u);
    }
    Client extra(s.port());
    auto r = extra.read(10s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503u);
    held.clear(); // their slots free up once the server sees them close
    std::optional<Reply> later;
    for (int i = 0; i < 100 && !(later && later->status == 200); ++i) {
        std::this_thread::sleep_for(50ms);
        later = fetch(s.port(), "GET", "/healthz");
    }
    ASSERT_TRUE(later);
    EXPECT_EQ(later->status, 200u);
}

// Started with a soft file limit far below max_connections (a service manager's usual 1024 is
// below the default 10000), the server raises it within the hard limit: every connection up to
// max_connections is accepted and served. Before, the connections beyond the soft limit waited
// unanswered while the accept loop spun on EMFILE.
TEST(HttpServer, ConnectionsUpToMaxConnectionsAreServedUnderALowSoftFileLimit) {
    constexpr int kHeld = 300;
    rlimit own{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &own), 0);
    if (own.rlim_max != RLIM_INFINITY && own.rlim_max < 2 * kHeld + 200)
        GTEST_SKIP() << "the hard file limit (" << own.rlim_max << ") is too low to show this";
    if (own.rlim_cur != RLIM_INFINITY && own.rlim_cur < kHeld + 100)
        GTEST_SKIP() << "this test process itself may not hold " << kHeld << " connections";
    TestDatabase db("http_nofile");
    std::string home = state_dir("nofile");
    // The held connections send nothing: they must outlive the whole test, not the head timeout.
    object config = config_for(db, {{"max_connections", kHeld + 50}});
    config["http"].as_object()["limits"].as_object()["header_timeout_ms"] = 120000;
    // The server inherits a soft limit of 128 descriptors; this process gets its own back at once.
    rlimit low = own;
    low.rlim_cur = 128;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    ServerProcess s(home, config);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &own), 0);
    ASSERT_NE(s.port(), 0) << s.stderr_text();
    EXPECT_EQ(s.stderr_text().find("ulimit -n"), std::string::npos) << s.stderr_text();

    std::vector<std::unique_ptr<Client>> held;
    for (int i = 0; i < kHeld; ++i) {
        held.push_back(std::make_unique<Client>(s.port()));
        ASSERT_TRUE(held.back()->connected()) << i;
    }
    auto r = fetch(s.port(), "GET", "/healthz");
    ASSERT_TRUE(r) << "a connection beyond the inherited soft limit was not answered";
    EXPECT_EQ(r->status, 200u);
    auto last = held.back()->request("GET", "/healthz");
    ASSERT_TRUE(last);
    EXPECT_EQ(last->status, 200u);
}

// A server out of file descriptors (its hard limit lowered from outside, here with prlimit) cannot
// accept the connections waiting in its backlog. It pauses accepting instead of retrying at once:
// before, the failing accept was retried in a loop that held an I/O thread at 100 % CPU and said
// nothing. It keeps serving the connections it has, says so once per episode, and accepts again
// once connections close.
TEST(HttpServer, OutOfFileDescriptorsItPausesAcceptingAndRecovers) {
    TestDatabase db("http_emfile");
    std::string home = state_dir("emfile");
    object config = config_for(db, {{"max_connections", 1000}});
    config["http"].as_object()["limits"].as_object()["header_timeout_ms"] = 120000; // held ones send nothing
    config["http"].as_object()["limits"].as_object()["idle_timeout_ms"] = 120000;
    ServerProcess s(home, config);
    ASSERT_NE(s.port(), 0) << s.stderr_text();
    Client early(s.port()); // accepted while descriptors remain; must keep being served
    ASSERT_EQ(early.request("GET", "/healthz")->status, 200u);

    auto open_descriptors = [&] {
        size_t n = 0;
        for ([[maybe_unused]] auto &entry : std::filesystem::directory_iterator("/proc/" + std::to_string(s.pid()) + "/fd"))
            ++n;
        return n;
    };
    // The sanitizers' runtime checks a vtable pointer by writing it to a pipe it opens then, the
    // first time a pair of types is seen; starved of descriptors it would report a valid object as
    // "invalid vptr" (UBSan) and abort. So one connection is served and destroyed first, while
    // descriptors remain. Its end is seen in /metrics: only `early` is left open.
    ASSERT_EQ(fetch(s.port(), "GET", "/healthz")->status, 200u);
    bool one_left = false;
    for (int i = 0; i < 100 && !one_left; ++i) {
        auto m = early.request("GET", "/metrics");
        one_left = m && m->body.find("\nplinth_http_open_connections 1\n") != std::string::npos;
        if (!one_left) std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(one_left) << "the warm-up connection was not closed";

    // Room for a few more connections, then none.
    rlimit tight{};
    tight.rlim_cur = tight.rlim_max = open_descriptors() + 4;
    ASSERT_EQ(::prlimit(s.pid(), RLIMIT_NOFILE, &tight, nullptr), 0) << std::strerror(errno);
    std::vector<std::unique_ptr<Client>> held;
    for (int i = 0; i < 30; ++i) { // the kernel completes these; most wait in the backlog
        held.push_back(std::make_unique<Client>(s.port()));
        ASSERT_TRUE(held.back()->connected()) << i;
    }

    // CPU time the server spends while its backlog cannot be accepted: a retry loop would use
    // about a whole core; pausing, next to nothing. The bound is half a core, a wide margin.
    auto cpu_ticks = [&] {
        std::ifstream in("/proc/" + std::to_string(s.pid()) + "/stat");
        std::string stat((std::istreambuf_iterator<char>(in)), {});
        std::istringstream fields(stat.substr(stat.rfind(')') + 2)); // the name may hold spaces
        std::string field;
        long long ticks = 0;
        for (int i = 3; i <= 15 && fields >> field; ++i)
            if (i >= 14) ticks += std::stoll(field); // utime, stime
        return ticks;
    };
    std::this_thread::sleep_for(500ms);
    long long before = cpu_ticks();
    std::this_thread::sleep_for(2s);
    long long used = cpu_ticks() - before;
    EXPECT_LT(used, ::sysconf(_SC_CLK_TCK)) << "CPU ticks in 2 s while out of descriptors";

    auto still = early.request("GET", "/healthz");
    ASSERT_TRUE(still) << "an open connection was not served while accepting was paused";
    EXPECT_EQ(still->status, 200u);
    auto count = [](const std::string &text, const std::string &what) {
        size_t n = 0;
        for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    };
    EXPECT_EQ(count(s.stderr_text(), "cannot accept connections"), 1u) << s.stderr_text();

    held.clear(); // descriptors free up as the server accepts and closes these
    auto after = fetch(s.port(), "GET", "/healthz");
    ASSERT_TRUE(after) << "no new connection was accepted once descriptors were free\n" << s.stderr_text();
    EXPECT_EQ(after->status, 200u);
    // Draining the backlog fills the file table again for a moment: still the same episode.
    EXPECT_EQ(count(s.stderr_text(), "cannot accept connections"), 1u) << s.stderr_text();
    EXPECT_EQ(s.terminate(), 0);
}

// The readiness probe borrows from the process's one pool: under concurrent probes and module
// calls that read the database, the server never holds more sessions than its budget (2, the
// least allowed). Before, the probe kept a connection of its own on top of the pool's.
TEST(HttpServer, ReadyzProbesWithinTheConnectionBudget) {
    TestDatabase db("http_budget");
    std::string home = state_dir("budget");
    object config = config_for(db, {{"workers", 8}});
    config["database"].as_object()["connection_budget"] = 2;
    ServerProcess s(home, config);
    ASSERT_NE(s.port(), 0) << s.stderr_text();
    std::atomic<int> failures{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 6; ++t)
        callers.emplace_back([&, t] {
            for (int i = 0; i < 15; ++i) {
                // A counter never added reads as not found: a database read all the same.
                auto r = t % 2 == 0 ? fetch(s.port(), "GET", "/readyz")
                                    : fetch(s.port(), "POST", "/v1/counter/get", "{\"name\":\"visits\"}");
                if (!r || (r->status != 200u && r->status != 404u)) ++failures;
            }
        });
    for (std::thread &c : callers) c.join();
    EXPECT_EQ(failures.load(), 0);
    storage::Connection &sql = db.sql(); // itself a session on this database: not counted
    storage::Rows rows = sql.query(
        "SELECT COUNT(*) FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()", {db.name()});
    EXPECT_LE(rows.at(0).i64(0), 2) << "the server holds database sessions outside its connection budget";
}

TEST(HttpServer, GracefulShutdownFinishesRequestsInFlight) {
    TestDatabase db("http_drain");
    std::string home = state_dir("drain");
    ServerProcess s(home, config_for(db, {}));
    ASSERT_NE(s.port(), 0);
    Client idle(s.port());
    ASSERT_EQ(idle.request("GET", "/healthz")->status, 200u);
    Client busy(s.port());
    ASSERT_TRUE(busy.send("POST /v1/counter/sleep HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Content-Length: 12\r\n\r\n{\"ms\":1500}\n"));
    std::this_thread::sleep_for(400ms); // the request is now running in the module
    s.signal_terminate();
    auto answer = busy.read(30s);
    ASSERT_TRUE(answer) << "the request in flight was dropped";
    EXPECT_EQ(answer->status, 200u) << answer->body;
    EXPECT_EQ(answer->json().at("slept_ms").as_int64(), 1500);
    EXPECT_FALSE(answer->keep_alive);
    EXPECT_TRUE(idle.closed_within(10s));
    EXPECT_EQ(s.wait(), 0) << s.stderr_text();
    EXPECT_NE(s.stderr_text().find("stopped after draining"), std::string::npos);
    Client after(s.port());
    EXPECT_TRUE(!after.connected() || after.closed_within(5s));
}

} // namespace
} // namespace plinth::test
