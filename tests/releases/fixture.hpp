// tests/releases/fixture.hpp — a real host with the licenses and releases modules over a fresh
// database, and helpers that arrange state only through the modules' own commands.
#pragma once

#include "support/test_host.hpp"

#include <plinth/ext/release_download.h>
#include <plinth/host/host.hpp>
#include <plinth/sdk/host.hpp>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace plinth::releases::test {

using boost::json::object;
using boost::json::value;

inline std::string str(const value &v, std::string_view member) { return std::string(v.at(member).as_string()); }

// A parsed download URL, ready for plinth.release-download/1.
struct DownloadLink {
    std::string product, version, site, signature;
    int64_t expires = 0;
    plinth_download_request request() const {
        return plinth_download_request{sizeof(plinth_download_request), sdk::to_str(product), sdk::to_str(version),
                                       sdk::to_str(site), expires, sdk::to_str(signature)};
    }
};

inline DownloadLink parse_link(const std::string &url) {
    auto u = boost::urls::parse_uri(url);
    EXPECT_TRUE(u.has_value()) << url;
    DownloadLink l;
    std::vector<std::string> segments;
    for (auto s : u->segments()) segments.emplace_back(s);
    EXPECT_EQ(segments.size(), 6u) << url; // v1 releases download {product} {version} {file}
    if (segments.size() == 6) {
        l.product = segments[3];
        l.version = segments[4];
    }
    for (auto p : u->params()) {
        if (p.key == "site") l.site = p.value;
        if (p.key == "expires") l.expires = std::stoll(std::string(p.value));
        if (p.key == "signature") l.signature = p.value;
    }
    return l;
}

class ReleasesFixture : public ::testing::Test {
protected:
    plinth::test::TestDatabase db{"releases"};
    std::unique_ptr<plinth::test::TestHost> host;
    const plinth_call_context system = host::system_caller();
    const plinth_call_context staff = host::user_caller(900, PLINTH_ROLE_STAFF);
    const plinth_call_context customer = host::user_caller(7, PLINTH_ROLE_CUSTOMER);
    const plinth_call_context anonymous = host::anonymous_caller();
    std::filesystem::path dir;
    int policies = 0;

    virtual object releases_config() { return {{"public_url", "https://updates.example.com"}}; }

    void SetUp() override {
        ASSERT_GE(sodium_init(), 0);
        host = std::make_unique<plinth::test::TestHost>(db, std::vector<std::string>{"licenses", "releases"},
                                                        object{{"releases", releases_config()}});
        dir = std::filesystem::path(host->state_dir()) / "packages";
        std::filesystem::create_directories(dir);
        call("licenses", "product.create", {{"slug", "seo"}, {"name", "SEO Pro"}}, staff);
        call("releases", "product.set",
             {{"product", "seo"}, {"name", "SEO Pro"}, {"edd_item_id", 101}, {"homepage", "https://vendor.example/seo"},
              {"description", "Better *titles*."}, {"banner_high", "https://cdn.example/seo-1544.png"}},
             staff);
    }

    value call(std::string_view module, std::string_view command, const value &args, const plinth_call_context &who) {
        return host->call(module, command, args, who);
    }
    int32_t fails(std::string_view command, const value &args, const plinth_call_context &who,
                  std::string *message = nullptr) {
        return host->call_error("releases", command, boost::json::serialize(args), who, message);
    }

    // A zip-looking file of `size` bytes whose content depends on `seed`.
    std::filesystem::path package(std::string_view name, size_t size, uint32_t seed) {
        std::filesystem::path p = dir / name;
        std::ofstream out(p, std::ios::binary);
        std::string bytes(size, '\0');
        std::mt19937 random(seed);
        for (auto &b : bytes) b = static_cast<char>(random());
        bytes.replace(0, 4, std::string("PK\x03\x04", 4));
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return p;
    }

    value publish(std::string_view version, object extra = {}, size_t size = 4096, uint32_t seed = 1) {
        object args{{"product", "seo"},
                    {"version", version},
                    {"package", "@" + package(std::string(version) + ".zip", size, seed).string()},
                    {"changelog", "- changes in " + std::string(version)},
                    {"requires", "6.1"},
                    {"tested", "6.4"},
                    {"requires_php", "8.0"}};
        for (auto &m : extra) args[m.key()] = m.value();
        return call("releases", "release.publish", args, system);
    }

    int64_t policy(int64_t seats, object extra = {}) {
        object args{{"product", "seo"}, {"name", "policy " + std::to_string(++policies)}, {"seat_limit", seats}};
        for (auto &m : extra) args[m.key()] = m.value();
        return call("licenses", "policy.create", args, staff).at("id").as_int64();
    }

    // Issues a licence to user 7; returns {id, key}.
    std::pair<int64_t, std::string> issue(int64_t policy_id, int64_t user = 7) {
        value v = call("licenses", "license.issue", {{"user_id", user}, {"policy_id", policy_id}}, staff);
        return {v.at("id").as_int64(), str(v, "key")};
    }

    void activate(const std::string &key, std::string_view site) {
        call("licenses", "activation.activate", {{"key", key}, {"site", site}}, anonymous);
    }

    value update_check(const std::string &key, std::string_view site, std::string_view current,
                       std::string_view channel = "stable") {
        return call("releases", "update.check",
                    {{"key", key}, {"site", site}, {"product", "seo"}, {"current_version", current}, {"channel", channel}},
                    anonymous);
    }

    value edd(object form) { return call("releases", "edd", form, anonymous); }

    const plinth_release_download_v1 *downloads() {
        return host->host().interface_as<plinth_release_download_v1>("releases", PLINTH_EXT_RELEASE_DOWNLOAD);
    }

    // Reads [offset, offset + length) through the typed interface; returns the status.
    int32_t read(const DownloadLink &link, uint64_t offset, uint64_t length, std::string &bytes,
                 std::string *message = nullptr) {
        sdk::StringSink sink;
        plinth_download_request r = link.request();
        plinth_error e = sdk::make_error();
        int32_t status = downloads()->read(host->host().module("releases"), &r, offset, length, &sink.sink, &e);
        bytes = std::move(sink.text);
        if (message) *message = e.message;
        return status;
    }

    int64_t count(const std::string &sql) { return db.sql().query(sql).front().i64(0); }
};

} // namespace plinth::releases::test
