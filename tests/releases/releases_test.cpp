// The releases module through a real host: publishing, listing, yanking, rollouts, update checks,
// signed downloads with ranges, and the update-check log's personal-data duties.
#include "fixture.hpp"
#include "support/sinks.hpp"

#include "domain/selection.hpp"

#include <plinth/ext/data_inventory.h>
#include <plinth/ext/personal_data.h>
#include <plinth/ext/release_publish.h>
#include <plinth/ext/retention.h>

#include <fstream>
#include <iterator>

namespace plinth::releases::test {
namespace {

std::string sha256_hex(const std::string &bytes) {
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size());
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    return hex;
}

std::string file_bytes(const std::filesystem::path &p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

class ReleaseModule : public ReleasesFixture {};

TEST_F(ReleaseModule, PublishesAndListsNewestFirstBySemVer) {
    publish("1.0.0");
    value beta = publish("1.1.0-beta.1", {}, 4096, 2);
    EXPECT_EQ(str(beta, "channel"), "beta"); // a pre-release defaults to the beta channel
    const size_t big = 2 * 1024 * 1024 + 12345; // three chunks
    value final = publish("1.1.0", {}, big, 3);
    EXPECT_EQ(str(final, "channel"), "stable");
    EXPECT_EQ(final.at("package").at("size").as_int64(), static_cast<int64_t>(big));
    EXPECT_EQ(str(final.at("package"), "sha256"), sha256_hex(file_bytes(dir / "1.1.0.zip")));
    publish("1.0.10", {}, 4096, 4);

    value list = call("releases", "release.list", {{"product", "seo"}, {"html", true}}, staff);
    std::vector<std::string> order;
    for (const auto &r : list.as_array()) order.push_back(str(r, "version"));
    EXPECT_EQ(order, (std::vector<std::string>{"1.1.0", "1.1.0-beta.1", "1.0.10", "1.0.0"}));
    EXPECT_EQ(str(list.at(0), "changelog_html"), "<ul>\n<li>changes in 1.1.0</li>\n</ul>\n");
    EXPECT_EQ(list.at(0).at("rollout_percent").as_int64(), 100);
    value half = call("releases", "release.rollout", {{"product", "seo"}, {"version", "1.0.0"}, {"basis_points", 50}}, staff);
    EXPECT_EQ(half.at("rollout_percent").as_double(), 0.5);
    EXPECT_EQ(count("SELECT COUNT(*) FROM release_package_chunks WHERE package_id = "
                    "(SELECT package_id FROM releases WHERE version = '1.1.0')"),
              3);
    // The same bytes published again are stored once.
    call("releases", "release.publish",
         {{"product", "seo"}, {"version", "1.1.1"}, {"package", "@" + (dir / "1.1.0.zip").string()}}, system);
    EXPECT_EQ(count("SELECT COUNT(*) FROM release_packages"), 4);
}

TEST_F(ReleaseModule, BadPublishesAreRefusedAndChangeNothing) {
    publish("1.0.0");
    std::string before = db.dump_all_tables();
    std::filesystem::path exe = dir / "not-a-zip.zip";
    std::ofstream(exe, std::ios::binary) << "MZ\x90\x00 this is a program";
    std::string msg;
    auto args = [&](std::string_view version, const std::filesystem::path &p) {
        return object{{"product", "seo"}, {"version", version}, {"package", "@" + p.string()}};
    };
    EXPECT_EQ(fails("release.publish", args("1.1.0", exe), system, &msg), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_NE(msg.find("zip"), std::string::npos) << msg;
    std::filesystem::path ok = package("ok.zip", 100, 9);
    EXPECT_EQ(fails("release.publish", args("1.0.0", ok), system), PLINTH_E_CONFLICT);
    EXPECT_EQ(fails("release.publish", args("1.0.0+build.2", ok), system), PLINTH_E_CONFLICT); // same precedence
    EXPECT_EQ(fails("release.publish", args("1.1", ok), system), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("release.publish", args("1.1.0", dir / "missing.zip"), system), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("release.publish", object{{"product", "seo"}, {"version", "1.1.0"}, {"package", ok.string()}}, system),
              PLINTH_E_INVALID_ARGUMENT); // no '@'
    // Reading a path is the console's privilege, even for staff; customers may not publish at all.
    EXPECT_EQ(fails("release.publish", args("1.1.0", ok), staff), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("release.publish", args("1.1.0", ok), customer), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("release.publish", object{{"product", "forms"}, {"version", "1.1.0"}, {"package", "@" + ok.string()}},
                    system),
              PLINTH_E_NOT_FOUND); // no release settings for that product
    object bad_requires = args("1.1.0", ok);
    bad_requires["requires"] = "6.1<script>";
    EXPECT_EQ(fails("release.publish", bad_requires, system), PLINTH_E_INVALID_ARGUMENT);
    object typo = args("1.1.0", ok);
    typo["chanel"] = "beta";
    EXPECT_EQ(fails("release.publish", typo, system), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(db.dump_all_tables(), before);

    EXPECT_EQ(fails("release.list", object{{"product", "seo"}}, customer), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("release.yank", object{{"product", "seo"}, {"version", "1.0.0"}}, anonymous),
              PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(fails("product.set", object{{"product", "nope"}, {"name", "Nope"}}, staff), PLINTH_E_NOT_FOUND);
    EXPECT_EQ(fails("product.set", object{{"product", "seo"}, {"name", "x"}, {"homepage", "javascript:alert(1)"}}, staff),
              PLINTH_E_INVALID_ARGUMENT);
    // Names shown in WordPress admin screens: a right-to-left override or a control character is refused.
    const std::string names_before = db.dump_all_tables();
    EXPECT_EQ(fails("product.set", object{{"product", "seo"}, {"name", "SEO \xe2\x80\xae" "exe.txt"}}, staff),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("product.set", object{{"product", "seo"}, {"name", "SEO\x1b[2J"}}, staff), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("release.yank", object{{"product", "seo"}, {"version", "1.0.0"}, {"reason", "bad\x07"}}, staff),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(db.dump_all_tables(), names_before);
}

TEST_F(ReleaseModule, StaffPublishUploadedBytesThroughTheTypedInterface) {
    const auto *pub = host->host().interface_as<plinth_release_publish_v1>("releases", PLINTH_EXT_RELEASE_PUBLISH);
    ASSERT_NE(pub, nullptr);
    std::string zip = file_bytes(package("upload.zip", 3 * 1024 * 1024, 11));
    auto publish_as = [&](const plinth_call_context &who, std::string_view args, const std::string &bytes,
                          std::string *out) {
        sdk::StringSink sink;
        plinth_error e = sdk::make_error();
        int32_t rc = pub->publish(host->host().module("releases"), &who, sdk::to_str(args),
                                  reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), &sink.sink, &e);
        if (out) *out = rc == PLINTH_OK ? sink.text : std::string(e.message);
        return rc;
    };
    std::string out;
    ASSERT_EQ(publish_as(staff, R"({"product":"seo","version":"3.0.0","changelog":"- big"})", zip, &out), PLINTH_OK) << out;
    value v = boost::json::parse(out);
    EXPECT_EQ(str(v.at("package"), "sha256"), sha256_hex(zip));
    EXPECT_EQ(v.at("package").at("size").as_int64(), static_cast<int64_t>(zip.size()));
    std::string before = db.dump_all_tables();
    EXPECT_EQ(publish_as(customer, R"({"product":"seo","version":"3.0.1"})", zip, nullptr), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(publish_as(anonymous, R"({"product":"seo","version":"3.0.1"})", zip, nullptr), PLINTH_E_PERMISSION_DENIED);
    EXPECT_EQ(publish_as(staff, R"({"product":"seo","version":"3.0.1"})", "MZ not a zip", nullptr),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(publish_as(staff, R"({"product":"seo","version":"3.0.1","package":"@/etc/passwd"})", zip, nullptr),
              PLINTH_E_INVALID_ARGUMENT); // no path through this door
    EXPECT_EQ(publish_as(staff, R"([1])", zip, nullptr), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(publish_as(staff, R"({"product":"seo","version":"3.0.1"})", "", nullptr), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(db.dump_all_tables(), before);
}

TEST_F(ReleaseModule, OversizedPackagesAreRefused) {
    host.reset();
    host = std::make_unique<plinth::test::TestHost>(
        db, std::vector<std::string>{"licenses", "releases"},
        object{{"releases", {{"public_url", "https://updates.example.com"}, {"max_package_bytes", 2048}}}});
    dir = std::filesystem::path(host->state_dir()) / "packages"; // the old host removed its state folder
    std::filesystem::create_directories(dir);
    std::string message;
    EXPECT_EQ(fails("release.publish",
                    object{{"product", "seo"}, {"version", "1.0.0"}, {"package", "@" + package("big.zip", 4096, 1).string()}},
                    system, &message),
              PLINTH_E_LIMIT_EXCEEDED)
        << message;
    EXPECT_EQ(count("SELECT COUNT(*) FROM release_packages"), 0);
}

TEST_F(ReleaseModule, UpdateCheckOffersTheNewestReleaseWithASignedLink) {
    publish("1.0.0");
    publish("1.1.0", {}, 4096, 2);
    publish("1.2.0-beta.1", {}, 4096, 3);
    auto [id, key] = issue(policy(2));
    activate(key, "https://www.example.com/");

    value u = update_check(key, "https://example.com", "1.0.0");
    EXPECT_TRUE(u.at("update_available").as_bool());
    EXPECT_EQ(str(u.at("license"), "code"), "VALID");
    EXPECT_EQ(str(u.at("release"), "version"), "1.1.0");
    EXPECT_EQ(str(u.at("release"), "changelog_html"), "<ul>\n<li>changes in 1.1.0</li>\n</ul>\n");
    std::string url = str(u, "download_url");
    EXPECT_EQ(url.rfind("https://updates.example.com/v1/releases/download/seo/1.1.0/seo-1.1.0.zip?site=", 0), 0u) << url;
    EXPECT_EQ(url.find("example.com/"), url.find("updates.example.com/") + 8) << "the site must not appear in the URL";
    EXPECT_EQ(u.at("download_expires_at").as_int64(), host->now_us() / 1000000 + 3600);

    EXPECT_EQ(str(update_check(key, "https://example.com", "1.0", "beta").at("release"), "version"), "1.2.0-beta.1");
    EXPECT_FALSE(update_check(key, "https://example.com", "1.1.0").at("update_available").as_bool());
    EXPECT_FALSE(update_check(key, "https://example.com", "v1.1").at("update_available").as_bool());
    EXPECT_EQ(fails("update.check",
                    object{{"key", key}, {"site", "https://example.com"}, {"product", "seo"}, {"current_version", "one"}},
                    anonymous),
              PLINTH_E_INVALID_ARGUMENT);
}

TEST_F(ReleaseModule, AnInvalidLicenceNeverGetsAPackageUrl) {
    publish("1.1.0");
    int64_t now = host->now_us() / 1000000;
    auto [expiring_id, expiring] = issue(policy(2, {{"expires_at", now + 86400}}));
    auto [revoked_id, revoked] = issue(policy(2));
    auto [suspended_id, suspended] = issue(policy(2));
    auto [valid_id, valid] = issue(policy(1));
    for (const std::string *k : {&expiring, &revoked, &suspended, &valid}) activate(*k, "https://shop.example");
    call("licenses", "license.revoke", {{"id", revoked_id}}, staff);
    call("licenses", "license.suspend", {{"id", suspended_id}}, staff);
    host->advance_s(2 * 86400);

    struct Case {
        std::string key, site, code;
    };
    for (const Case &c : {Case{expiring, "https://shop.example", "EXPIRED"}, Case{revoked, "https://shop.example", "REVOKED"},
                          Case{suspended, "https://shop.example", "SUSPENDED"},
                          Case{valid, "https://other.example", "SITE_NOT_ACTIVATED"},
                          Case{"NOT-A-KEY", "https://shop.example", "MALFORMED"},
                          Case{valid, "not a url", "INVALID_SITE"}}) {
        value u = update_check(c.key, c.site, "1.0.0");
        EXPECT_EQ(str(u.at("license"), "code"), c.code);
        EXPECT_FALSE(u.at("license").at("valid").as_bool());
        EXPECT_FALSE(u.as_object().contains("download_url")) << c.code;
        std::string text = boost::json::serialize(u);
        EXPECT_EQ(text.find("signature="), std::string::npos) << c.code;
    }
    // Version details are shown (the default setting) where the site can be placed in the rollout.
    EXPECT_EQ(str(update_check(expiring, "https://shop.example", "1.0.0").at("release"), "version"), "1.1.0");
    (void)expiring_id;
    (void)valid_id;
}

class ReleasesWithoutVersionInfo : public ReleasesFixture {
    object releases_config() override { return {{"show_version_without_license", false}}; }
};

TEST_F(ReleasesWithoutVersionInfo, AnInvalidLicenceSeesNoReleaseAtAll) {
    publish("1.1.0");
    auto [id, key] = issue(policy(1));
    value u = update_check(key, "https://unactivated.example", "1.0.0");
    EXPECT_FALSE(u.at("update_available").as_bool());
    EXPECT_FALSE(u.as_object().contains("release"));
    (void)id;
}

TEST_F(ReleaseModule, YankingWithdrawsTheOfferAndItsLinks) {
    publish("1.0.0");
    publish("1.1.0", {}, 4096, 2);
    auto [id, key] = issue(policy(1));
    activate(key, "https://shop.example");
    DownloadLink link = parse_link(str(update_check(key, "https://shop.example", "0.9.0"), "download_url"));
    EXPECT_EQ(link.version, "1.1.0");
    value y = call("releases", "release.yank", {{"product", "seo"}, {"version", "1.1.0"}, {"reason", "breaks checkout"}}, staff);
    EXPECT_TRUE(y.at("yanked").as_bool());
    EXPECT_EQ(str(y, "yank_reason"), "breaks checkout");
    std::string bytes;
    EXPECT_EQ(read(link, 0, 10, bytes), PLINTH_E_NOT_FOUND);
    EXPECT_EQ(str(update_check(key, "https://shop.example", "0.9.0").at("release"), "version"), "1.0.0");
    EXPECT_FALSE(update_check(key, "https://shop.example", "1.1.0").at("update_available").as_bool()); // no downgrade
    // Listing hides yanked releases on request; yanking again keeps the first reason.
    EXPECT_EQ(call("releases", "release.list", {{"product", "seo"}, {"include_yanked", false}}, staff).as_array().size(), 1u);
    EXPECT_EQ(str(call("releases", "release.yank", {{"product", "seo"}, {"version", "1.1.0"}}, staff), "yank_reason"),
              "breaks checkout");
    (void)id;
}

TEST_F(ReleaseModule, RolloutsAdmitSitesByTheirBucketAndRaisingNeverRemoves) {
    publish("1.0.0");
    publish("2.0.0", {{"rollout_percent", 0}}, 4096, 2);
    auto [id, key] = issue(policy(-1));
    std::vector<std::pair<std::string, int32_t>> sites;
    for (int i = 0; i < 12; ++i) {
        std::string site = "site" + std::to_string(i) + ".example";
        activate(key, "https://" + site);
        sites.emplace_back(site, rollout_bucket("seo", site));
    }
    auto offered = [&](const std::string &site) {
        value u = update_check(key, "https://" + site, "1.0.0");
        return u.as_object().contains("release") && str(u.at("release"), "version") == "2.0.0";
    };
    for (auto &[site, bucket] : sites) EXPECT_FALSE(offered(site)) << site;
    std::vector<bool> had(sites.size(), false);
    for (int bp : {1, 2000, 5000, 8000, 10000}) {
        call("releases", "release.rollout", {{"product", "seo"}, {"version", "2.0.0"}, {"basis_points", bp}}, staff);
        for (size_t i = 0; i < sites.size(); ++i) {
            bool gets = offered(sites[i].first);
            EXPECT_EQ(gets, sites[i].second < bp) << sites[i].first << " bucket " << sites[i].second << " at " << bp;
            EXPECT_TRUE(gets || !had[i]) << "raising the rollout took 2.0.0 away from " << sites[i].first;
            had[i] = gets;
        }
    }
    EXPECT_EQ(fails("release.rollout", object{{"product", "seo"}, {"version", "2.0.0"}, {"percent", 101}}, staff),
              PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(fails("release.rollout", object{{"product", "seo"}, {"version", "9.0.0"}, {"percent", 5}}, staff),
              PLINTH_E_NOT_FOUND);
    (void)id;
}

TEST_F(ReleaseModule, DownloadsVerifyTheLinkAndServeRanges) {
    const size_t size = 2 * 1024 * 1024 + 777;
    publish("1.1.0", {}, size, 5);
    std::string original = file_bytes(dir / "1.1.0.zip");
    auto [id, key] = issue(policy(1));
    activate(key, "https://shop.example");
    DownloadLink link = parse_link(str(update_check(key, "https://shop.example", "1.0.0"), "download_url"));

    plinth_download_request r = link.request();
    plinth_download_info info{};
    info.struct_size = sizeof info;
    plinth_error e = sdk::make_error();
    ASSERT_EQ(downloads()->open(host->host().module("releases"), &r, &info, &e), PLINTH_OK) << e.message;
    EXPECT_EQ(info.size, size);
    EXPECT_EQ(std::string(info.sha256_hex), sha256_hex(original));

    std::string bytes;
    ASSERT_EQ(read(link, 0, size, bytes), PLINTH_OK);
    EXPECT_TRUE(bytes == original);
    // Ranges: inside a chunk, across the chunk boundary, the last byte, and an empty one.
    struct Range {
        uint64_t offset, length;
    };
    for (Range g : {Range{10, 100}, Range{(1 << 20) - 5, 10}, Range{size - 1, 1}, Range{(2 << 20) - 1, 778}, Range{5, 0}}) {
        ASSERT_EQ(read(link, g.offset, g.length, bytes), PLINTH_OK) << g.offset;
        EXPECT_TRUE(bytes == original.substr(g.offset, g.length)) << g.offset;
    }
    EXPECT_EQ(read(link, size, 1, bytes), PLINTH_E_INVALID_ARGUMENT);
    EXPECT_EQ(read(link, 10, size, bytes), PLINTH_E_INVALID_ARGUMENT);

    // Tampering: another version, site or expiry, a changed signature.
    DownloadLink t = link;
    t.expires += 3600;
    EXPECT_EQ(read(t, 0, 1, bytes), PLINTH_E_UNAUTHENTICATED);
    t = link;
    t.site[0] = t.site[0] == 'A' ? 'B' : 'A';
    EXPECT_EQ(read(t, 0, 1, bytes), PLINTH_E_UNAUTHENTICATED);
    t = link;
    t.signature[5] = t.signature[5] == 'A' ? 'B' : 'A';
    EXPECT_EQ(read(t, 0, 1, bytes), PLINTH_E_UNAUTHENTICATED);
    t = link;
    t.version = "1.0.0";
    EXPECT_EQ(read(t, 0, 1, bytes), PLINTH_E_UNAUTHENTICATED);

    // Two reads from byte 0 are two downloads; a range further in is not another one.
    value listed = call("releases", "release.list", {{"product", "seo"}}, staff);
    EXPECT_EQ(listed.at(0).at("downloads").as_int64(), 1);
    ASSERT_EQ(read(link, 0, 1, bytes), PLINTH_OK);
    listed = call("releases", "release.list", {{"product", "seo"}}, staff);
    EXPECT_EQ(listed.at(0).at("downloads").as_int64(), 2);
    EXPECT_EQ(count("SELECT COUNT(*) FROM release_download_counts"), 1); // one aggregate row per release and day

    // Expiry: the link dies after an hour.
    host->advance_s(3601);
    std::string message;
    EXPECT_EQ(read(link, 0, 1, bytes, &message), PLINTH_E_EXPIRED);
    EXPECT_NE(message.find("expired"), std::string::npos);
    EXPECT_EQ(fails("download.verify",
                    object{{"product", link.product}, {"version", link.version}, {"site", link.site},
                           {"expires", link.expires}, {"signature", link.signature}},
                    anonymous),
              PLINTH_E_EXPIRED);
    (void)id;
}

TEST_F(ReleaseModule, TheUpdateCheckLogIsExportedErasedAndSwept) {
    publish("1.1.0");
    auto [mine, my_key] = issue(policy(2), 7);
    auto [theirs, their_key] = issue(policy(2), 8);
    activate(my_key, "https://mine.example");
    activate(their_key, "https://theirs.example");
    update_check(my_key, "https://www.mine.example/", "1.0.0");
    update_check(my_key, "https://mine.example", "1.0.0"); // the same site: one row, updated
    update_check(their_key, "https://theirs.example", "1.0.0");
    EXPECT_EQ(count("SELECT COUNT(*) FROM release_update_checks"), 2);

    const plinth_module *module = host->host().module("releases");
    const auto *pd = host->host().interface_as<plinth_personal_data_v1>("releases", PLINTH_EXT_PERSONAL_DATA);
    ASSERT_NE(pd, nullptr);
    plinth_subject subject{sizeof(plinth_subject), 7, nullptr, 0};
    plinth::test::ExportCollector exported;
    plinth_export_sink sink = exported.sink();
    plinth_error e = sdk::make_error();
    ASSERT_EQ(pd->export_subject(module, &subject, &sink, &e), PLINTH_OK) << e.message;
    ASSERT_EQ(exported.items.size(), 1u);
    EXPECT_EQ(exported.items[0].first, "update check log");
    EXPECT_EQ(str(exported.items[0].second, "site"), "mine.example");
    EXPECT_EQ(exported.items[0].second.at("license_id").as_int64(), mine);
    EXPECT_EQ(str(exported.items[0].second, "offered_version"), "1.1.0");
    EXPECT_EQ(exported.items[0].second.as_object().size(), 5u); // nothing else is kept

    // The licenses module erases first (it is initialised first); the releases module still
    // finds the log rows of the licence that lost its owner.
    const auto *lpd = host->host().interface_as<plinth_personal_data_v1>("licenses", PLINTH_EXT_PERSONAL_DATA);
    plinth::test::ErasureCollector ignored;
    plinth_erasure_sink lsink = ignored.sink();
    ASSERT_EQ(lpd->erase_subject(host->host().module("licenses"), &subject, 0, &lsink, &e), PLINTH_OK) << e.message;

    std::string before = db.dump_all_tables();
    plinth::test::ErasureCollector dry;
    plinth_erasure_sink esink = dry.sink();
    ASSERT_EQ(pd->erase_subject(module, &subject, 1, &esink, &e), PLINTH_OK) << e.message;
    EXPECT_EQ(dry.items.size(), 1u);
    EXPECT_EQ(db.dump_all_tables(), before); // a dry run changes nothing
    plinth::test::ErasureCollector real;
    esink.context = &real;
    ASSERT_EQ(pd->erase_subject(module, &subject, 0, &esink, &e), PLINTH_OK) << e.message;
    EXPECT_EQ(real.items.size(), 1u);
    EXPECT_EQ(db.dump_all_tables().find("mine.example"), std::string::npos);
    EXPECT_EQ(count("SELECT COUNT(*) FROM release_update_checks"), 1); // the other customer's row stays

    // Retention: the other row goes 30 days after its last check.
    const auto *ret = host->host().interface_as<plinth_retention_v1>("releases", PLINTH_EXT_RETENTION);
    ASSERT_NE(ret, nullptr);
    ASSERT_EQ(ret->sweep(module, host->now_us() + 29LL * 86400 * 1000000, nullptr, &e), PLINTH_OK);
    EXPECT_EQ(count("SELECT COUNT(*) FROM release_update_checks"), 1);
    ASSERT_EQ(ret->sweep(module, host->now_us() + 31LL * 86400 * 1000000, nullptr, &e), PLINTH_OK);
    EXPECT_EQ(count("SELECT COUNT(*) FROM release_update_checks"), 0);
    (void)theirs;
}

TEST_F(ReleaseModule, DeclaresTheLogInTheInventory) {
    const auto *inv = host->host().interface_as<plinth_data_inventory_v1>("releases", PLINTH_EXT_DATA_INVENTORY);
    ASSERT_NE(inv, nullptr);
    struct Seen {
        std::vector<std::string> names;
        int64_t days = 0;
        static int32_t category(void *ctx, const plinth_data_category *c) {
            static_cast<Seen *>(ctx)->names.emplace_back(sdk::to_view(c->name));
            static_cast<Seen *>(ctx)->days = c->retention_days;
            return 0;
        }
    } seen;
    plinth_inventory_sink sink{sizeof(plinth_inventory_sink), &seen, &Seen::category};
    plinth_error e = sdk::make_error();
    ASSERT_EQ(inv->list_categories(host->host().module("releases"), &sink, &e), PLINTH_OK);
    EXPECT_EQ(seen.names, std::vector<std::string>{"update check log"});
    EXPECT_EQ(seen.days, 30);
}

} // namespace
} // namespace plinth::releases::test
