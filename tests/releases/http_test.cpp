// The releases face of `plinth-host serve`, driven the way WordPress sites drive it: EDD's
// updater and licence screen (reproduced in PHP, with PHP's form encoding and json_decode:
// edd_updater_client.php), and downloads with ranges and validators. A real server process, a
// real MariaDB, the real modules.
#include "../http/client.hpp"
#include "../http/server_process.hpp"
#include "support/test_host.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sodium.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace plinth::test {
namespace {

using boost::json::object;
using boost::json::value;

std::string str(const value &v, std::string_view member) {
    const value *m = v.as_object().if_contains(member);
    return m != nullptr && m->is_string() ? std::string(m->as_string()) : std::string();
}

// A loopback port that is free now: the download links must name the server's own origin, so
// the port is chosen before the server starts.
uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
        ::close(fd);
        return 0;
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

std::string run(const std::string &command) {
    std::string out;
    FILE *p = ::popen(command.c_str(), "r");
    if (p == nullptr) return out;
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) out.append(buffer, n);
    ::pclose(p);
    return out;
}

std::string sha256_hex(const std::string &bytes) {
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size());
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    return hex;
}

class ReleasesHttp : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ASSERT_GE(sodium_init(), 0);
        db_ = new TestDatabase("releases_http");
        home_ = std::string(PLINTH_TEST_STATE_DIR) + "/releases-http-" + std::to_string(::getpid());
        std::filesystem::create_directories(home_);
        uint16_t port = free_port();
        origin_ = "http://127.0.0.1:" + std::to_string(port);
        object http{{"listen", "127.0.0.1:" + std::to_string(port)},
                    {"threads", 2},
                    {"workers", 8},
                    {"access_log", "off"},
                    {"rate_limits",
                     {{"login", {{"per_minute", 6000}, {"burst", 1000}}},
                      {"activation", {{"per_minute", 6000}, {"burst", 1000}}},
                      {"check", {{"per_minute", 60000}, {"burst", 100000}}}}}};
        object config{{"database", db_->config()},
                      {"modules",
                       {{"paths", {std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_accounts.so",
                                   std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_licenses.so",
                                   std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_releases.so"}}}},
                      {"accounts", {{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}}}},
                      {"releases", {{"public_url", origin_}}},
                      {"http", http}};
        server_ = new ServerProcess(home_, config);
        if (server_->port() == 0) return;

        // The vendor's side, from the console: a product, its update details, two releases.
        cli("call licenses product.create '{\"slug\":\"seo\",\"name\":\"SEO Pro\"}'");
        cli("call releases product.set '{\"product\":\"seo\",\"name\":\"SEO Pro\",\"edd_item_id\":101,"
            "\"homepage\":\"https://vendor.example/seo\",\"description\":\"Better titles.\"}'");
        package_ = make_zip("seo-1.1.0.zip", 1536 * 1024 + 99);
        cli("call releases release.publish '{\"product\":\"seo\",\"version\":\"1.0.0\",\"package\":\"@" +
            make_zip("seo-1.0.0.zip", 2048) + "\"}'");
        cli("call releases release.publish '{\"product\":\"seo\",\"version\":\"1.1.0\",\"package\":\"@" + package_ +
            "\",\"changelog\":\"- Faster <b>sitemaps</b>\",\"requires\":\"6.0\",\"tested\":\"6.4\",\"requires_php\":\"8.0\"}'");
        user_ = std::string(cli("call accounts register '{\"email\":\"buyer@example.com\",\"username\":\"buyer\","
                                "\"first_name\":\"Bo\",\"last_name\":\"Buyer\",\"password\":\"correct horse battery\"}'"));
    }
    static void TearDownTestSuite() {
        delete server_;
        delete db_;
        std::error_code ec;
        std::filesystem::remove_all(home_, ec);
    }
    void SetUp() override { ASSERT_NE(server_->port(), 0) << server_->stderr_text(); }

    static std::string cli(const std::string &arguments) {
        std::string out = run_cli(home_, arguments);
        EXPECT_EQ(out.find("\"error\""), std::string::npos) << arguments << " → " << out;
        return out;
    }

    static std::string make_zip(const std::string &name, size_t size) {
        std::string path = home_ + "/" + name;
        std::string bytes(size, '\0');
        std::mt19937 random(static_cast<uint32_t>(size));
        for (auto &b : bytes) b = static_cast<char>(random());
        bytes.replace(0, 4, std::string("PK\x03\x04", 4));
        std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return path;
    }

    // A licence for the registered buyer under a new policy; returns {id, key}.
    static std::pair<int64_t, std::string> licence(const std::string &policy_extra = "", int seats = 2) {
        static int serial = 0;
        value p = boost::json::parse(cli("call licenses policy.create '{\"product\":\"seo\",\"name\":\"p" +
                                         std::to_string(++serial) + "\",\"seat_limit\":" + std::to_string(seats) +
                                         policy_extra + "}'"));
        int64_t user = boost::json::parse(user_).at("user_id").as_int64();
        value l = boost::json::parse(cli("call licenses license.issue '{\"user_id\":" + std::to_string(user) +
                                         ",\"policy_id\":" + std::to_string(p.at("id").as_int64()) + "}'"));
        return {l.at("id").as_int64(), str(l, "key")};
    }

    // What a WordPress site concludes (edd_updater_client.php).
    static value site(const std::string &action, const std::string &key, const std::string &site_url,
                      const std::string &installed = "1.0.0", const std::string &beta = "0") {
        std::string out = run("php " + std::string(PLINTH_EDD_CLIENT) + " '" + origin_ + "' '" + action + "' '" + key +
                              "' '" + site_url + "' '" + installed + "' '" + beta + "' 2>&1");
        boost::system::error_code ec;
        value v = boost::json::parse(out, ec);
        EXPECT_FALSE(ec) << "the PHP client printed: " << out;
        return ec ? value(object{}) : v;
    }

    static Reply get(const std::string &target, const std::string &extra = {}) {
        auto r = fetch(server_->port(), "GET", target, {}, {}, extra);
        EXPECT_TRUE(r.has_value()) << target;
        return r.value_or(Reply{});
    }

    static TestDatabase *db_;
    static ServerProcess *server_;
    static std::string home_, origin_, package_, user_;
};

TestDatabase *ReleasesHttp::db_ = nullptr;
ServerProcess *ReleasesHttp::server_ = nullptr;
std::string ReleasesHttp::home_, ReleasesHttp::origin_, ReleasesHttp::package_, ReleasesHttp::user_;

TEST_F(ReleasesHttp, TheUpdaterSeesTheUpdateAndInstallsItWithAValidLicence) {
    auto [id, key] = licence();
    value activated = site("activate_license", key, "https://www.customer-shop.com/");
    EXPECT_EQ(activated.at("status").as_int64(), 200);
    EXPECT_TRUE(activated.at("success").as_bool());
    EXPECT_EQ(str(activated, "license"), "valid");
    EXPECT_FALSE(activated.as_object().contains("customer_name"));
    EXPECT_FALSE(activated.as_object().contains("customer_email"));

    value v = site("get_version", key, "https://customer-shop.com");
    EXPECT_EQ(v.at("status").as_int64(), 200);
    EXPECT_FALSE(v.at("discarded").as_bool());
    EXPECT_TRUE(v.at("decoded_as_object").as_bool());
    EXPECT_FALSE(v.as_object().contains("missing")) << boost::json::serialize(v); // no PHP warnings
    EXPECT_TRUE(v.at("banners_are_array").as_bool()); // WordPress's Updates screen indexes them
    EXPECT_TRUE(v.at("icons_are_array").as_bool());
    EXPECT_EQ(str(v, "new_version"), "1.1.0");
    EXPECT_EQ(str(v, "name"), "SEO Pro");
    EXPECT_EQ(str(v, "requires"), "6.0");
    EXPECT_EQ(str(v, "tested"), "6.4");
    EXPECT_EQ(v.at("sections"), value(boost::json::array{"description", "changelog"}));
    EXPECT_NE(str(v, "changelog").find("&lt;b&gt;sitemaps&lt;/b&gt;"), std::string::npos);
    EXPECT_TRUE(v.at("update_shown").as_bool());
    EXPECT_TRUE(v.at("installable").as_bool());
    EXPECT_EQ(str(v, "package").rfind(origin_ + "/v1/releases/download/seo/1.1.0/seo-1.1.0.zip?", 0), 0u);

    std::ifstream in(package_, std::ios::binary);
    std::string original((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(v.at("download_status").as_int64(), 200);
    EXPECT_EQ(str(v, "download_sha256"), sha256_hex(original));
    EXPECT_TRUE(v.at("download_is_zip").as_bool());
    EXPECT_EQ(str(v, "etag"), "\"" + sha256_hex(original) + "\"");
    EXPECT_EQ(v.at("content_length").as_int64(), static_cast<int64_t>(original.size()));
    EXPECT_EQ(v.at("range_status").as_int64(), 206);
    EXPECT_TRUE(v.at("range_ok").as_bool());
    EXPECT_EQ(str(v, "content_range"), "bytes 1-4/" + std::to_string(original.size()));
    EXPECT_EQ(v.at("tampered_status").as_int64(), 403);

    // Already on 1.1.0: nothing to show.
    EXPECT_FALSE(site("get_version", key, "https://customer-shop.com", "1.1.0").at("update_shown").as_bool());
    (void)id;
}

TEST_F(ReleasesHttp, NeverAPackageUrlForAnInvalidExpiredOrInactiveLicence) {
    auto [inactive_id, inactive] = licence();
    auto [revoked_id, revoked] = licence();
    auto [suspended_id, suspended] = licence();
    for (const std::string *k : {&revoked, &suspended})
        EXPECT_TRUE(site("activate_license", *k, "https://customer-shop.com").at("success").as_bool());
    // The expiring licence is issued last and activated at once, with seconds to spare even on a
    // loaded machine (the server runs on the real clock, so its expiry cannot be injected).
    int64_t soon = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count() + 6;
    auto [expiring_id, expiring] = licence(",\"expires_at\":" + std::to_string(soon));
    EXPECT_TRUE(site("activate_license", expiring, "https://customer-shop.com").at("success").as_bool());
    cli("call licenses license.revoke '{\"id\":" + std::to_string(revoked_id) + "}'");
    cli("call licenses license.suspend '{\"id\":" + std::to_string(suspended_id) + "}'");
    // Let the licence's expiry pass (the server runs on the real clock).
    while (std::chrono::system_clock::now().time_since_epoch() < std::chrono::seconds(soon + 1))
        std::this_thread::sleep_for(std::chrono::milliseconds(200));

    struct Case {
        std::string name, key, check;
    };
    for (const Case &c : {Case{"inactive", inactive, "inactive"}, Case{"revoked", revoked, "disabled"},
                          Case{"suspended", suspended, "disabled"}, Case{"expired", expiring, "expired"},
                          Case{"no key", "", "invalid"}, Case{"garbage", "NOT-A-KEY", "invalid"}}) {
        value v = site("get_version", c.key, "https://customer-shop.com");
        EXPECT_EQ(v.at("status").as_int64(), 200) << c.name;
        EXPECT_TRUE(v.at("update_shown").as_bool()) << c.name; // the version is shown (the default setting)
        EXPECT_FALSE(v.at("installable").as_bool()) << c.name;
        EXPECT_EQ(str(v, "package"), "") << c.name;
        EXPECT_EQ(str(v, "download_link"), "") << c.name;
        EXPECT_EQ(str(site("check_license", c.key, "https://customer-shop.com"), "license"), c.check) << c.name;
    }
    (void)inactive_id;
    (void)expiring_id;
}

TEST_F(ReleasesHttp, TheLicenceScreenActivatesChecksAndDeactivates) {
    auto [id, key] = licence("", 1);
    value a = site("activate_license", key, "https://agency-client.com");
    EXPECT_TRUE(a.at("success").as_bool());
    EXPECT_EQ(a.at("license_limit").as_int64(), 1);
    EXPECT_EQ(a.at("activations_left").as_int64(), 0);
    EXPECT_EQ(str(a, "expires"), "lifetime");
    value full = site("activate_license", key, "https://second-client.com");
    EXPECT_FALSE(full.at("success").as_bool());
    EXPECT_EQ(str(full, "error"), "no_activations_left");
    EXPECT_EQ(str(site("check_license", key, "https://agency-client.com"), "license"), "valid");
    EXPECT_EQ(str(site("deactivate_license", key, "https://agency-client.com"), "license"), "deactivated");
    EXPECT_EQ(str(site("check_license", key, "https://agency-client.com"), "license"), "inactive");
    (void)id;
}

TEST_F(ReleasesHttp, EveryEddAnswerIsA200WithJson) {
    auto [id, key] = licence();
    // edd_action as a GET query, as some licence screens send it.
    Reply q = get("/?edd_action=check_license&license=" + key + "&item_id=101&url=https%3A%2F%2Fnowhere-shop.com");
    EXPECT_EQ(q.status, 200u);
    EXPECT_EQ(str(q.json(), "license"), "inactive");
    for (const char *target : {"/?edd_action=nonsense", "/", "/?edd_action=check_license&license=%zz"}) {
        Reply r = get(target);
        EXPECT_EQ(r.status, 200u) << target;
        EXPECT_FALSE(r.json().at("success").as_bool()) << target;
        EXPECT_FALSE(r.json().as_object().contains("sections")) << target;
    }
    auto wrong_type = fetch(server_->port(), "POST", "/", "{\"edd_action\":\"check_license\"}");
    ASSERT_TRUE(wrong_type.has_value());
    EXPECT_EQ(wrong_type->status, 200u);
    EXPECT_EQ(str(wrong_type->json(), "error"), "invalid_request");
    (void)id;
}

TEST_F(ReleasesHttp, DownloadsHonourRangesAndValidators) {
    auto [id, key] = licence();
    ASSERT_TRUE(site("activate_license", key, "https://range-shop.com").at("success").as_bool());
    std::string package = str(site("get_version", key, "https://range-shop.com"), "package");
    ASSERT_FALSE(package.empty());
    std::string target = package.substr(origin_.size());
    std::ifstream in(package_, std::ios::binary);
    std::string original((std::istreambuf_iterator<char>(in)), {});
    const std::string size = std::to_string(original.size());
    std::string etag = "\"" + sha256_hex(original) + "\"";

    Reply suffix = get(target, "Range: bytes=-10\r\n");
    EXPECT_EQ(suffix.status, 206u);
    EXPECT_EQ(suffix.body, original.substr(original.size() - 10));
    EXPECT_EQ(suffix.header("content-range"), "bytes " + std::to_string(original.size() - 10) + "-" +
                                                  std::to_string(original.size() - 1) + "/" + size);
    Reply open = get(target, "Range: bytes=1048570-\r\n"); // across the 1 MiB chunk boundary to the end
    EXPECT_EQ(open.status, 206u);
    EXPECT_TRUE(open.body == original.substr(1048570));
    Reply beyond = get(target, "Range: bytes=" + size + "-\r\n");
    EXPECT_EQ(beyond.status, 416u);
    EXPECT_EQ(beyond.header("content-range"), "bytes */" + size);
    EXPECT_EQ(get(target, "Range: bytes=0-1,5-6\r\n").status, 200u); // several ranges: the whole package
    EXPECT_EQ(get(target, "If-None-Match: " + etag + "\r\n").status, 304u);
    Reply stale = get(target, "Range: bytes=0-9\r\nIf-Range: \"something-else\"\r\n");
    EXPECT_EQ(stale.status, 200u);
    EXPECT_EQ(stale.body.size(), original.size());
    auto head = fetch(server_->port(), "HEAD", target);
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->status, 200u);
    EXPECT_EQ(head->header("content-length"), size);
    EXPECT_EQ(head->header("etag"), etag);

    // Tampering with the version or the expiry is refused; so is a link without its fields.
    std::string other = target;
    other.replace(other.find("expires=") + 8, 1, "9");
    EXPECT_EQ(get(other).status, 403u);
    EXPECT_EQ(get(target.substr(0, target.find('?'))).status, 403u);
    std::string version = target;
    version.replace(version.find("/1.1.0/"), 7, "/1.0.0/");
    EXPECT_EQ(get(version).status, 403u);

    // Downloads are counted per release as aggregates (whole GETs and ranges from byte 0).
    value list = boost::json::parse(cli("call releases release.list '{\"product\":\"seo\"}'"));
    EXPECT_GE(list.at(0).at("downloads").as_int64(), 2);
    (void)id;
}

// The server's peak resident memory (VmHWM), in bytes.
int64_t peak_memory(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
    return -1;
}

// HEAD tells a download's length without reading the package or holding its size in memory:
// before, the answer was a body of zeros as large as the package (a HEAD of a 48 MiB package
// raised the server's peak memory by 48 MiB; a few concurrent ones could exhaust it).
TEST_F(ReleasesHttp, HeadOfALargePackageTellsItsLengthWithoutHoldingIt) {
    constexpr size_t kSize = 48u << 20;
    cli("call licenses product.create '{\"slug\":\"big\",\"name\":\"Big\"}'");
    cli("call releases product.set '{\"product\":\"big\",\"name\":\"Big\"}'");
    cli("call releases release.publish '{\"product\":\"big\",\"version\":\"2.0.0\",\"package\":\"@" +
        make_zip("big-2.0.0.zip", kSize) + "\"}'");
    value p = boost::json::parse(cli("call licenses policy.create '{\"product\":\"big\",\"name\":\"big\",\"seat_limit\":1}'"));
    int64_t user = boost::json::parse(user_).at("user_id").as_int64();
    std::string key = str(boost::json::parse(cli("call licenses license.issue '{\"user_id\":" + std::to_string(user) +
                                                 ",\"policy_id\":" + std::to_string(p.at("id").as_int64()) + "}'")),
                          "key");
    const std::string site_url = "https://big-shop.com";
    auto activated = fetch(server_->port(), "POST", "/v1/licenses/activation.activate",
                           "{\"key\":\"" + key + "\",\"site\":\"" + site_url + "\"}");
    ASSERT_TRUE(activated);
    ASSERT_EQ(activated->status, 200u) << activated->body;
    // The link comes from the JSON command, which downloads nothing (EDD's client would).
    auto check = fetch(server_->port(), "POST", "/v1/releases/update.check",
                       "{\"key\":\"" + key + "\",\"site\":\"" + site_url +
                           "\",\"product\":\"big\",\"current_version\":\"1.0.0\"}");
    ASSERT_TRUE(check);
    ASSERT_EQ(check->status, 200u) << check->body;
    std::string url = str(check->json(), "download_url");
    ASSERT_EQ(url.rfind(origin_, 0), 0u) << check->body;
    std::string target = url.substr(origin_.size());

    int64_t before = peak_memory(server_->pid());
    ASSERT_GT(before, 0);
    for (const char *range : {"", "Range: bytes=0-\r\n"}) {
        auto head = fetch(server_->port(), "HEAD", target, {}, {}, range);
        ASSERT_TRUE(head.has_value()) << range;
        EXPECT_EQ(head->status, *range ? 206u : 200u);
        EXPECT_EQ(head->header("content-length"), std::to_string(kSize)) << range;
        EXPECT_TRUE(head->body.empty());
    }
    int64_t grown = peak_memory(server_->pid()) - before;
    EXPECT_LT(grown, static_cast<int64_t>(kSize / 4)) << "HEAD raised the server's peak memory by " << grown << " bytes";
}

TEST_F(ReleasesHttp, StaffPublishOverHttpWithAMultipartUpload) {
    std::string boundary = "plinthBoundary7MA4YWxk";
    std::string zip = std::string("PK\x03\x04", 4) + std::string(5000, 'z');
    std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"arguments\"\r\n\r\n" +
                       "{\"product\":\"seo\",\"version\":\"1.2.0-beta.1\",\"changelog\":\"- beta\"}\r\n--" + boundary +
                       "\r\nContent-Disposition: form-data; name=\"package\"; filename=\"seo.zip\"\r\n"
                       "Content-Type: application/zip\r\n\r\n" +
                       zip + "\r\n--" + boundary + "--\r\n";
    // The test client labels every body as JSON, so the upload is written by hand.
    // Media types and their parameter names are case-insensitive (RFC 9110 §8.3.1, §5.6.6).
    auto upload = [&](const std::string &token, const std::string &type = "multipart/form-data; boundary=") {
        Client c(server_->port());
        std::string request = "POST /v1/releases/publish HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Content-Type: " + type + boundary + "\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n";
        if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
        EXPECT_TRUE(c.send(request + "\r\n" + body));
        return c.read();
    };
    // Anonymous and customers may not publish.
    auto anonymous = upload({});
    ASSERT_TRUE(anonymous.has_value());
    EXPECT_EQ(anonymous->status, 401u);
    EXPECT_EQ(anonymous->header("www-authenticate"), "Bearer");

    auto login = [&](const std::string &name, const std::string &role) {
        std::string out = cli("call accounts register '{\"email\":\"" + name + "@vendor.example\",\"username\":\"" + name +
                              "\",\"first_name\":\"S\",\"password\":\"correct horse " + name + "\"}'");
        int64_t uid = boost::json::parse(out).at("user_id").as_int64();
        if (role != "customer")
            cli("call accounts role.set '{\"user_id\":" + std::to_string(uid) + ",\"role\":\"" + role + "\"}'");
        auto r = fetch(server_->port(), "POST", "/v1/accounts/login",
                       "{\"login\":\"" + name + "\",\"password\":\"correct horse " + name + "\"}");
        return std::string(r->json().at("token").as_string());
    };
    std::string customer = login("shopper", "customer"), staff = login("releaser", "staff");
    auto refused = upload(customer);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->status, 403u);
    auto published = upload(staff, "Multipart/Form-Data; Boundary=");
    ASSERT_TRUE(published.has_value());
    EXPECT_EQ(published->status, 201u) << published->body;
    EXPECT_EQ(str(published->json(), "channel"), "beta");
    EXPECT_EQ(str(published->json().at("package"), "sha256"), sha256_hex(zip));

    auto [id, key] = licence();
    ASSERT_TRUE(site("activate_license", key, "https://beta-shop.com").at("success").as_bool());
    EXPECT_EQ(str(site("get_version", key, "https://beta-shop.com", "1.1.0", "1"), "new_version"), "1.2.0-beta.1");
    EXPECT_EQ(str(site("get_version", key, "https://beta-shop.com", "1.1.0", "0"), "new_version"), "1.1.0");
    (void)id;
}

// A server of its own (the suite's server has generous limits): the licenses and releases modules
// and these `http` settings.
object own_server_config(const TestDatabase &db, object http) {
    http["listen"] = "127.0.0.1:0";
    http["threads"] = 1;
    http["access_log"] = "off";
    return {{"database", db.config()},
            {"modules",
             {{"paths", {std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_licenses.so",
                         std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_releases.so"}}}},
            {"releases", {{"public_url", "https://updates.vendor.example"}}},
            {"http", http}};
}

// The JSON commands that check or activate draw on the same limits as the EDD endpoint and the
// typed check: before, POST /v1/releases/update.check and POST /v1/releases/edd drew on none, a
// way around both. releases/edd draws on `activation` unless its edd_action only reads, decided on
// the parsed body (an escaped or padded action, or a body that does not parse, cannot slip by).
TEST(ReleasesRateLimits, TheJsonCommandsDrawOnTheLimitsOfTheEddEndpoint) {
    TestDatabase db("releases_limits");
    std::string home = std::string(PLINTH_TEST_STATE_DIR) + "/releases-limits-" + std::to_string(::getpid());
    object limits{{"activation", {{"per_minute", 1}, {"burst", 2}}}, {"check", {{"per_minute", 1}, {"burst", 3}}}};
    ServerProcess s(home, own_server_config(db, {{"rate_limits", limits}}));
    ASSERT_NE(s.port(), 0) << s.stderr_text();
    auto json_call = [&](const std::string &command, const std::string &body) {
        auto r = fetch(s.port(), "POST", "/v1/releases/" + command, body);
        EXPECT_TRUE(r.has_value()) << command << " " << body;
        return r.value_or(Reply{});
    };
    auto limited = [](const Reply &r) {
        return r.status == 429u && !r.header("retry-after").empty() && str(r.json().at("error"), "code") == "rate_limited";
    };
    auto edd_form = [&](const std::string &action) {
        Client c(s.port());
        std::string form = "edd_action=" + action + "&license=&item_id=1&url=https%3A%2F%2Fshop.com";
        c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
               std::to_string(form.size()) + "\r\n\r\n" + form);
        return c.read().value_or(Reply{});
    };

    // activation: burst 2, shared by the JSON command and the EDD endpoint.
    EXPECT_FALSE(limited(json_call("edd", R"({"edd_action":"activate_license","license":"","url":"https://shop.com"})")));
    EXPECT_FALSE(limited(json_call("edd", R"({"edd_action":"deactivate_license","license":"","url":"https://shop.com"})")));
    Reply form = edd_form("activate_license");
    EXPECT_EQ(form.status, 200u); // EDD's updater stops asking after any other status
    EXPECT_EQ(str(form.json(), "error"), "rate_limited") << form.body;
    EXPECT_FALSE(form.header("retry-after").empty());
    EXPECT_EQ(str(edd_form("+activate_license").json(), "error"), "rate_limited"); // '+' is a space
    for (const char *body : {R"({"edd_action":"\u0061ctivate_license","license":"k"})",
                             R"({"edd_action":" deactivate_license\t"})", R"({"edd_action":"activate_license",)",
                             "[\"check_license\"]"}) {
        Reply r = json_call("edd", body);
        EXPECT_TRUE(limited(r)) << body << " -> " << r.status << " " << r.body;
    }

    // check: burst 3, shared by update.check, the reading EDD actions and the EDD endpoint.
    EXPECT_FALSE(limited(json_call("update.check", R"({"key":"","site":"https://shop.com","product":"seo","current_version":"1.0.0"})")));
    EXPECT_FALSE(limited(json_call("edd", R"({"edd_action":"check_license","license":""})")));
    EXPECT_FALSE(limited(json_call("update.check", "{}")));
    Reply fourth = json_call("update.check", "{}");
    EXPECT_TRUE(limited(fourth)) << fourth.status << " " << fourth.body;
    EXPECT_TRUE(limited(json_call("edd", R"({"edd_action":"get_version"})")));
    EXPECT_EQ(str(edd_form("get_version").json(), "error"), "rate_limited");
    EXPECT_EQ(s.terminate(), 0);
}

// A releases module that could not start (here: the database refuses the host's user) makes its
// routes answer 503, so sites and tools retry, as module commands do; before, downloads and uploads
// said 404 "not served here". The EDD endpoint stays 200 (EDD's updater) and says unavailable.
TEST(ReleasesUnavailable, RoutesOfAReleasesModuleThatCouldNotStartAnswer503) {
    TestDatabase db("releases_refused");
    std::string home = std::string(PLINTH_TEST_STATE_DIR) + "/releases-refused-" + std::to_string(::getpid());
    object config = own_server_config(db, {});
    config["database"].as_object()["user"] = "plinth_no_such_user";
    config["database"].as_object()["password"] = "not-the-password";
    ServerProcess s(home, config);
    ASSERT_NE(s.port(), 0) << s.stderr_text();
    for (const std::string method : {"GET", "HEAD"}) {
        auto download = fetch(s.port(), method, "/v1/releases/download/seo/1.0.0/seo-1.0.0.zip?site=x&expires=1&signature=y");
        ASSERT_TRUE(download) << method;
        EXPECT_EQ(download->status, 503u) << method << " " << download->body;
        if (method == "GET") {
            EXPECT_EQ(str(download->json().at("error"), "code"), "unavailable");
        }
    }
    auto publish = fetch(s.port(), "POST", "/v1/releases/publish", "{}");
    ASSERT_TRUE(publish);
    EXPECT_EQ(publish->status, 503u) << publish->body;
    auto edd = fetch(s.port(), "GET", "/?edd_action=get_version&item_id=1");
    ASSERT_TRUE(edd);
    EXPECT_EQ(edd->status, 200u);
    EXPECT_EQ(str(edd->json(), "error"), "unavailable") << edd->body;
    EXPECT_EQ(edd->body.find("plinth_no_such_user"), std::string::npos) << edd->body;
    EXPECT_EQ(s.terminate(), 0);
}

} // namespace
} // namespace plinth::test
