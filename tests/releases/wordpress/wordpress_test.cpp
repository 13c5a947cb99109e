// A real WordPress (Debian's `wordpress` 6.1 on php-cli) updating a plugin from Plinth.
//
// The site: WordPress from /usr/share/wordpress, installed with wp_install() into a database of
// its own on the test MariaDB sandbox, configured by a wp-config.php in a folder of the test's
// (nothing under /etc/wordpress), served by `php -S` on loopback, with WP_HTTP_BLOCK_EXTERNAL so
// nothing leaves the machine. The plugin: plinth-update-probe, ours, wired to the store with an
// EDD-style updater: EDD's own EDD_SL_Plugin_Updater, unchanged, when PLINTH_EDD_UPDATER names
// its file, else the updater written here that sends the same requests. The store: a real
// `plinth-host serve` with the accounts, licenses and releases modules.
//
// Everything is asserted through WordPress: its update list (wp_update_plugins()), its plugins
// screen and "View details" dialog fetched over HTTP as the administrator, its Plugin_Upgrader
// (the administrator's "update now" link) and the installed plugin's header.
#include "../../http/client.hpp"
#include "../../http/server_process.hpp"
#include "php_site.hpp"
#include "support/test_host.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

namespace plinth::test {
namespace {

namespace fs = std::filesystem;
using boost::json::object;
using boost::json::value;
using wordpress::free_port;
using wordpress::missing_packages;
using wordpress::php_options;
using wordpress::PhpServer;
using wordpress::run;
using wordpress::shell_quoted;

const std::string kSource = PLINTH_WORDPRESS_TEST_DIR; // this folder: the plugin, the site files, the PHP steps
const std::string kWordPress = "/usr/share/wordpress";
const std::string kProbe = "Plinth Update Probe";

std::string str(const value &v, std::string_view member) {
    const value *m = v.is_object() ? v.as_object().if_contains(member) : nullptr;
    return m != nullptr && m->is_string() ? std::string(m->as_string()) : std::string();
}

bool flag(const value &v, std::string_view member) {
    const value *m = v.is_object() ? v.as_object().if_contains(member) : nullptr;
    return m != nullptr && m->is_bool() && m->as_bool();
}


class WordPressSite : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        missing_ = missing_packages(kWordPress);
        if (!missing_.empty()) return;
        db_ = new TestDatabase("wordpress");
        home_ = std::string(PLINTH_TEST_STATE_DIR) + "/wordpress-" + std::to_string(::getpid());
        site_ = home_ + "/site";
        fs::remove_all(home_);
        fs::create_directories(site_);
        opcache_dir_ = home_ + "/opcache";
        fs::create_directories(opcache_dir_);

        // The store: plinth-host serve, download links on its own loopback origin.
        uint16_t store_port = free_port();
        store_ = "http://127.0.0.1:" + std::to_string(store_port);
        object config = store_config(store_port, true);
        server_ = new ServerProcess(home_ + "/plinth", config);
        if (server_->port() == 0) return;

        // The site's database, next to the store's on the same sandbox.
        wp_database_ = "wp_" + db_->name();
        db_->sql().execute_trusted("DROP DATABASE IF EXISTS `" + wp_database_ + "`");
        db_->sql().execute_trusted("CREATE DATABASE `" + wp_database_ + "` CHARACTER SET utf8mb4");

        // The site folder: links to Debian's read-only WordPress, our wp-config.php, wp-content.
        for (const auto &entry : fs::directory_iterator(kWordPress)) {
            std::string name = entry.path().filename().string();
            if (name != "wp-config.php" && name != "wp-content") fs::create_directory_symlink(entry.path(), site_ + "/" + name);
        }
        fs::copy_file(kSource + "/site/wp-config.php", site_ + "/wp-config.php");
        fs::create_directories(site_ + "/wp-content/mu-plugins");
        fs::copy_file(kSource + "/site/plinth-test-site.php", site_ + "/wp-content/mu-plugins/plinth-test-site.php");
        fs::create_directories(site_ + "/wp-content/plugins");
        fs::copy(kSource + "/plinth-update-probe", site_ + "/wp-content/plugins/plinth-update-probe",
                 fs::copy_options::recursive);
        std::string secret = run("head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \\n'");

        for (int attempt = 0; attempt < 3 && (php_ == nullptr || !php_->ready()); ++attempt) {
            delete php_;
            uint16_t port = free_port();
            site_url_ = "http://127.0.0.1:" + std::to_string(port);
            object site{{"db_name", wp_database_}, {"db_socket", db_->socket()}, {"home", site_url_},
                        {"store", store_}, {"secret", secret}};
            std::ofstream(site_ + "/site.json") << boost::json::serialize(site);
            php_ = new PhpServer(site_, port, php_options(opcache_dir_), kSource + "/site/prepend.php");
        }
        if (!php_->ready()) return;
        installed_ = wp("install");

        // The vendor's side, from the console: the product as EDD clients name it, two releases
        // whose packages are the probe plugin itself at 1.0.0 and 1.1.0.
        cli("call licenses product.create '{\"slug\":\"probe\",\"name\":\"Plinth Update Probe\"}'");
        cli("call releases product.set '{\"product\":\"probe\",\"name\":\"Plinth Update Probe\",\"edd_item_id\":4242,"
            "\"homepage\":\"https://vendor.example/probe\",\"description\":\"Checks that **updates** arrive.\","
            "\"icon_1x\":\"https://cdn.vendor.example/probe-128.png\",\"banner_low\":\"https://cdn.vendor.example/probe-772.png\"}'");
        for (const char *version : {"1.0.0", "1.1.0"}) {
            std::string zip = home_ + "/plinth-update-probe-" + version + ".zip";
            std::string made = run("php " + shell_quoted(kSource + "/make_package.php") + " " +
                                   shell_quoted(kSource + "/plinth-update-probe") + " " + version + " " + shell_quoted(zip) + " 2>&1");
            EXPECT_EQ(made, "") << "packaging " << version;
            cli("call releases release.publish '{\"product\":\"probe\",\"version\":\"" + std::string(version) +
                "\",\"package\":\"@" + zip + "\",\"changelog\":\"- Release " + version +
                ": sturdier <b>probes</b>\",\"requires\":\"6.0\",\"tested\":\"6.1\",\"requires_php\":\"7.4\"}'");
        }
        user_ = boost::json::parse(cli("call accounts register '{\"email\":\"buyer@example.com\",\"username\":\"buyer\","
                                       "\"first_name\":\"Bo\",\"password\":\"correct horse battery\"}'"))
                    .at("user_id")
                    .as_int64();
    }

    // plinth-host serve with the accounts, licenses and releases modules on the test database,
    // listening on `port`, its download links on that origin.
    static object store_config(uint16_t port, bool show_version_without_license) {
        std::string origin = "http://127.0.0.1:" + std::to_string(port);
        return {{"database", db_->config()},
                {"modules",
                 {{"paths", {std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_accounts.so",
                             std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_licenses.so",
                             std::string(PLINTH_TEST_MODULE_DIR) + "/plinth_releases.so"}}}},
                {"accounts", {{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}}}},
                {"releases", {{"public_url", origin}, {"show_version_without_license", show_version_without_license}}},
                {"http",
                 {{"listen", "127.0.0.1:" + std::to_string(port)},
                  {"threads", 2},
                  {"workers", 4},
                  {"access_log", "off"},
                  {"rate_limits",
                   {{"activation", {{"per_minute", 6000}, {"burst", 1000}}},
                    {"check", {{"per_minute", 6000}, {"burst", 1000}}}}}}}};
    }

    // Points the site's plugin at another store (wp-config.php reads site.json on every load).
    static void use_store(const std::string &store) {
        std::ifstream in(site_ + "/site.json");
        value site = boost::json::parse(std::string((std::istreambuf_iterator<char>(in)), {}));
        site.as_object()["store"] = store;
        std::ofstream(site_ + "/site.json") << boost::json::serialize(site);
    }

    static void TearDownTestSuite() {
        delete php_;
        php_ = nullptr;
        if (db_ != nullptr && !wp_database_.empty()) db_->sql().execute_trusted("DROP DATABASE IF EXISTS `" + wp_database_ + "`");
        delete server_;
        server_ = nullptr;
        delete db_;
        db_ = nullptr;
        std::error_code ec;
        const auto *suite = ::testing::UnitTest::GetInstance()->current_test_suite();
        if (suite == nullptr || suite->Passed()) fs::remove_all(home_, ec); // kept for a look when something failed
    }

    void SetUp() override {
        if (!missing_.empty())
            GTEST_SKIP() << "Debian package " << missing_ << " is not installed (tools/install-deps.sh installs it)";
        ASSERT_NE(server_->port(), 0) << server_->stderr_text();
        ASSERT_TRUE(php_ != nullptr && php_->ready()) << "php -S did not start; see " << site_ << "/php-server.log";
        ASSERT_TRUE(flag(installed_, "installed")) << boost::json::serialize(installed_);
        ASSERT_TRUE(flag(installed_, "activated")) << boost::json::serialize(installed_);
    }

    static std::string cli(const std::string &arguments) {
        std::string out = run_cli(home_ + "/plinth", arguments);
        EXPECT_EQ(out.find("\"error\""), std::string::npos) << arguments << " → " << out;
        return out;
    }

    // One step inside WordPress (wp_site.php); its last output line is JSON.
    static value wp(const std::string &command, const std::string &argument = {}, const std::string &key = {}) {
        std::string out = run("php " + php_options(opcache_dir_) + " " + shell_quoted(kSource + "/wp_site.php") + " " + shell_quoted(site_) +
                              " " + command + " " + shell_quoted(argument) + " " + shell_quoted(key) + " 2>>" +
                              shell_quoted(site_ + "/php-cli.log"));
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        std::string last = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
        boost::system::error_code ec;
        value v = boost::json::parse(last, ec);
        EXPECT_FALSE(ec) << "wp_site.php " << command << " printed: " << out;
        return ec ? value(object{}) : v;
    }

    // A licence for the buyer under a new policy (extra policy fields: ",\"expires_at\":…");
    // returns {id, key}.
    static std::pair<int64_t, std::string> licence(const std::string &policy_extra = "") {
        static int serial = 0;
        value p = boost::json::parse(cli("call licenses policy.create '{\"product\":\"probe\",\"name\":\"p" +
                                         std::to_string(++serial) + "\",\"seat_limit\":3" + policy_extra + "}'"));
        value l = boost::json::parse(cli("call licenses license.issue '{\"user_id\":" + std::to_string(user_) +
                                         ",\"policy_id\":" + std::to_string(p.at("id").as_int64()) + "}'"));
        return {l.at("id").as_int64(), str(l, "key")};
    }

    // The licence screen: save the key, press a button; the store's answer.
    static value licence_screen(const std::string &key, const std::string &action) {
        value answer = wp("license", action, key).at("answer");
        EXPECT_TRUE(answer.is_object()) << action << " got no answer from the store";
        return answer;
    }

    // An admin page of the site, as the logged-in administrator.
    static Reply admin_page(const std::string &target) {
        static std::string cookie = str(wp("cookies"), "cookie");
        auto reply = fetch(php_->port(), "GET", target, {}, {}, "Cookie: " + cookie + "\r\n");
        EXPECT_TRUE(reply.has_value()) << target;
        return reply.value_or(Reply{});
    }

    // Lines WordPress logged as PHP errors, warnings or notices, and deprecations in the files
    // written here. Not PHP 8.2's deprecations of WordPress 6.1's own code, nor the warning
    // WordPress gives when WordPress.org cannot be reached (the test blocks it).
    static std::string php_problems() {
        std::ifstream in(site_ + "/debug.log");
        std::string line, problems;
        auto has = [&](const char *text) { return line.find(text) != std::string::npos; };
        while (std::getline(in, line)) {
            bool ours = has("plinth-update-probe") || has("plinth-test-site") || has("wp_site.php");
            if ((has("PHP Warning") || has("PHP Notice") || has("PHP Fatal") || has("PHP Parse") ||
                 (has("PHP Deprecated") && ours)) &&
                !has("could not establish a secure connection to WordPress.org"))
                problems += line + "\n";
        }
        return problems;
    }

    static inline std::string missing_;
    static inline TestDatabase *db_ = nullptr;
    static inline ServerProcess *server_ = nullptr;
    static inline PhpServer *php_ = nullptr;
    static inline std::string home_, site_, site_url_, store_, wp_database_, opcache_dir_;
    static inline value installed_;
    static inline int64_t user_ = 0;
};

// A link of an admin page (href or src, HTML-escaped, absolute or relative to /wp-admin/) as a
// request target.
std::string admin_target(std::string link) {
    for (size_t at; (at = link.find("&amp;")) != std::string::npos;) link.replace(at, 5, "&");
    size_t admin = link.find("/wp-admin/");
    return admin == std::string::npos ? "/wp-admin/" + link : link.substr(admin);
}

TEST_F(WordPressSite, ShowsDescribesAndInstallsTheUpdateWithAValidLicence) {
    auto [id, key] = licence();
    value activated = licence_screen(key, "activate_license");
    EXPECT_TRUE(flag(activated, "success")) << boost::json::serialize(activated);
    EXPECT_EQ(str(activated, "license"), "valid");

    // WordPress's update check: the list offers 1.1.0 with a signed package link of the store.
    value check = wp("check-updates");
    std::cout << "[ updater  ] " << str(check, "updater") << "\n";
    EXPECT_EQ(str(check, "checked"), "1.0.0");
    ASSERT_TRUE(flag(check, "offered")) << boost::json::serialize(check);
    EXPECT_EQ(str(check, "new_version"), "1.1.0");
    EXPECT_EQ(str(check, "slug"), "plinth-update-probe");
    EXPECT_EQ(str(check, "tested"), "6.1");
    EXPECT_EQ(str(check, "package").rfind(store_ + "/v1/releases/download/probe/1.1.0/", 0), 0u) << str(check, "package");
    EXPECT_NE(str(check, "package").find("signature="), std::string::npos);
    EXPECT_NE(str(check, "update_row").find("There is a new version of " + kProbe + " available."), std::string::npos)
        << str(check, "update_row");
    EXPECT_NE(str(check, "update_row").find("update now"), std::string::npos);

    // What the updater sent: EDD's get_version form, field for field.
    value sent = wp("requests").at("requests");
    const value *ask = nullptr;
    for (const value &r : sent.as_array())
        if (r.is_object() && r.as_object().contains("fields") && str(r.at("fields"), "edd_action") == "get_version") ask = &r;
    ASSERT_NE(ask, nullptr) << boost::json::serialize(sent);
    EXPECT_EQ(str(*ask, "method"), "POST");
    EXPECT_EQ(str(*ask, "url"), store_ + "/");
    EXPECT_EQ(ask->at("field_order"),
              value(boost::json::array{"edd_action", "license", "item_name", "item_id", "version", "slug", "author", "url",
                                       "beta", "php_version", "wp_version"}));
    const value &fields = ask->at("fields");
    EXPECT_EQ(str(fields, "license"), key);
    EXPECT_EQ(str(fields, "item_name"), "0");
    EXPECT_EQ(str(fields, "item_id"), "4242");
    EXPECT_EQ(str(fields, "version"), "1.0.0");
    EXPECT_EQ(str(fields, "slug"), "plinth-update-probe");
    EXPECT_EQ(str(fields, "url"), site_url_);
    EXPECT_EQ(str(fields, "beta"), "0");
    EXPECT_EQ(str(fields, "wp_version").rfind("6.1", 0), 0u);

    // A plugin that names its product by item name (older EDD plugins; the licence screen
    // urlencodes the name once more) gets the same update.
    wp("setting", "identify_by", "name");
    EXPECT_EQ(str(licence_screen(key, "check_license"), "license"), "valid");
    value by_name = wp("check-updates");
    EXPECT_EQ(str(by_name, "new_version"), "1.1.0") << boost::json::serialize(by_name);
    EXPECT_EQ(str(by_name, "package").rfind(store_ + "/v1/releases/download/probe/1.1.0/", 0), 0u);
    value sent_by_name = wp("requests");
    const value &last = sent_by_name.at("requests").as_array().back();
    EXPECT_EQ(str(last.at("fields"), "item_name"), kProbe) << boost::json::serialize(last);
    EXPECT_EQ(str(last.at("fields"), "item_id"), "0");
    wp("setting", "identify_by", "id");

    // "View details": plugins_api, and the dialog the plugins screen opens.
    value details = wp("details");
    EXPECT_EQ(str(details, "name"), kProbe) << boost::json::serialize(details);
    EXPECT_EQ(details.at("sections"), value(boost::json::array{"description", "changelog"}));
    EXPECT_NE(str(details, "description").find("<strong>updates</strong>"), std::string::npos);
    EXPECT_NE(str(details, "changelog").find("Release 1.1.0: sturdier &lt;b&gt;probes&lt;/b&gt;"), std::string::npos)
        << str(details, "changelog");
    Reply dialog = admin_page("/wp-admin/plugin-install.php?tab=plugin-information&plugin=plinth-update-probe&section=changelog");
    EXPECT_EQ(dialog.status, 200u);
    EXPECT_NE(dialog.body.find(kProbe), std::string::npos);
    EXPECT_NE(dialog.body.find("Release 1.1.0: sturdier"), std::string::npos);
    EXPECT_NE(dialog.body.find("https://cdn.vendor.example/probe-772.png"), std::string::npos); // the banner

    // The plugins screen, as the administrator sees it.
    Reply plugins = admin_page("/wp-admin/plugins.php");
    ASSERT_EQ(plugins.status, 200u) << plugins.body.substr(0, 2000);
    EXPECT_NE(plugins.body.find("There is a new version of " + kProbe + " available."), std::string::npos);
    // Dashboard → Updates lists it too (WordPress indexes the update's `icons` as an array there).
    Reply updates = admin_page("/wp-admin/update-core.php");
    EXPECT_EQ(updates.status, 200u);
    EXPECT_NE(updates.body.find("You have version 1.0.0 installed. Update to 1.1.0."), std::string::npos)
        << updates.body.substr(updates.body.size() > 3000 ? updates.body.size() - 3000 : 0);
    EXPECT_NE(updates.body.find("<img src=\"https://cdn.vendor.example/probe-128.png\""), std::string::npos);
    std::smatch link;
    ASSERT_TRUE(std::regex_search(plugins.body, link, std::regex("href=\"([^\"]*update\\.php\\?action=upgrade-plugin[^\"]*)\"")))
        << "no update link on the plugins screen";

    // A package link whose signature was changed is refused by the store: nothing installed.
    value tampered = wp("upgrade", "tamper");
    EXPECT_FALSE(flag(tampered, "result"));
    EXPECT_EQ(tampered.at("errors"), value(boost::json::array{"download_failed"})) << boost::json::serialize(tampered);
    EXPECT_EQ(str(tampered, "installed"), "1.0.0");

    // "update now": WordPress downloads the package from the store and installs it.
    Reply updated = admin_page(admin_target(link[1].str()));
    EXPECT_EQ(updated.status, 200u);
    EXPECT_NE(updated.body.find("Plugin updated successfully."), std::string::npos) << updated.body.substr(0, 4000);
    EXPECT_EQ(str(wp("version"), "installed"), "1.1.0");
    // WordPress deactivates an active plugin while replacing it; the page then reactivates it in
    // a frame, which a browser loads.
    std::smatch frame;
    ASSERT_TRUE(std::regex_search(updated.body, frame, std::regex("src=\"([^\"]*update\\.php\\?action=activate-plugin[^\"]*)\"")))
        << updated.body.substr(0, 4000);
    EXPECT_EQ(admin_page(admin_target(frame[1].str())).status, 302u); // activated, then sent to a result page
    EXPECT_TRUE(flag(wp("version"), "active"));
    value listed = boost::json::parse(cli("call releases release.list '{\"product\":\"probe\"}'"));
    EXPECT_GE(listed.at(0).at("downloads").as_int64(), 1) << boost::json::serialize(listed);

    // On 1.1.0 nothing more is offered.
    value after = wp("check-updates");
    EXPECT_FALSE(flag(after, "offered")) << boost::json::serialize(after);
    EXPECT_TRUE(flag(after, "current"));
    EXPECT_EQ(str(after, "checked"), "1.1.0");

    // A beta release reaches only a site that follows the beta channel, and installs there.
    std::string beta_zip = home_ + "/plinth-update-probe-1.2.0-beta.1.zip";
    EXPECT_EQ(run("php " + shell_quoted(kSource + "/make_package.php") + " " + shell_quoted(kSource + "/plinth-update-probe") +
                  " 1.2.0-beta.1 " + shell_quoted(beta_zip) + " 2>&1"), "");
    cli("call releases release.publish '{\"product\":\"probe\",\"version\":\"1.2.0-beta.1\",\"package\":\"@" + beta_zip +
        "\",\"changelog\":\"- A bolder probe\"}'");
    EXPECT_FALSE(flag(wp("check-updates"), "offered"));
    wp("setting", "beta", "1");
    value beta = wp("check-updates");
    EXPECT_EQ(str(beta, "new_version"), "1.2.0-beta.1") << boost::json::serialize(beta);
    EXPECT_EQ(str(beta, "package").rfind(store_ + "/v1/releases/download/probe/1.2.0-beta.1/", 0), 0u);
    value beta_upgrade = wp("upgrade");
    EXPECT_TRUE(flag(beta_upgrade, "result")) << boost::json::serialize(beta_upgrade);
    EXPECT_EQ(str(beta_upgrade, "installed"), "1.2.0-beta.1");

    EXPECT_EQ(php_problems(), "");
    (void)id;
}

TEST_F(WordPressSite, OffersNoPackageWithoutAValidLicenceForTheSite) {
    // A licence that expires in a few seconds, activated first; the other cases run meanwhile and
    // it is checked last. A machine so loaded that the activation came too late extends the
    // licence and activates again.
    int64_t window = 12;
    int64_t soon = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count() + window;
    auto [expiring_id, expiring] = licence(",\"expires_at\":" + std::to_string(soon));
    value activated_expiring = licence_screen(expiring, "activate_license");
    for (int retry = 0; retry < 3 && str(activated_expiring, "error") == "expired"; ++retry) {
        window *= 2;
        soon = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count() + window;
        cli("call licenses license.renew '{\"id\":" + std::to_string(expiring_id) + ",\"until\":" + std::to_string(soon) + "}'");
        activated_expiring = licence_screen(expiring, "activate_license");
    }
    EXPECT_TRUE(flag(activated_expiring, "success")) << boost::json::serialize(activated_expiring);
    auto [revoked_id, revoked] = licence();
    auto [deactivated_id, deactivated] = licence();
    auto [inactive_id, inactive] = licence();
    for (const std::string *key : {&revoked, &deactivated}) {
        value activated = licence_screen(*key, "activate_license");
        EXPECT_TRUE(flag(activated, "success")) << boost::json::serialize(activated);
    }
    EXPECT_EQ(str(licence_screen(deactivated, "deactivate_license"), "license"), "deactivated");
    cli("call licenses license.revoke '{\"id\":" + std::to_string(revoked_id) + "}'");
    struct Case {
        std::string name, key, license;
    };
    for (const Case &c : {Case{"no key", "", "invalid"}, Case{"unknown key", "PLINTH-NOT-A-KEY-0000", "invalid"},
                          Case{"never activated here", inactive, "inactive"},
                          Case{"deactivated here", deactivated, "inactive"}, Case{"revoked", revoked, "disabled"},
                          Case{"expired", expiring, "expired"}}) {
        SCOPED_TRACE(c.name);
        if (c.name == "expired") // let its expiry pass (the store runs on the real clock)
            while (std::chrono::system_clock::now().time_since_epoch() < std::chrono::seconds(soon + 1))
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
        EXPECT_EQ(str(licence_screen(c.key, "check_license"), "license"), c.license);
        value check = wp("check-updates");
        // The version is shown (show_version_without_license, the default), never a package.
        ASSERT_TRUE(flag(check, "offered")) << boost::json::serialize(check);
        EXPECT_EQ(str(check, "new_version"), "1.1.0");
        EXPECT_EQ(str(check, "package"), "");
        EXPECT_NE(str(check, "update_row").find("Automatic update is unavailable for this plugin."), std::string::npos)
            << str(check, "update_row");
        value upgrade = wp("upgrade");
        EXPECT_FALSE(flag(upgrade, "result"));
        EXPECT_EQ(upgrade.at("errors"), value(boost::json::array{"no_package"})) << boost::json::serialize(upgrade);
        EXPECT_EQ(str(upgrade, "installed"), "1.0.0");
    }
    // The administrator's plugins screen says the same, with no update link.
    Reply plugins = admin_page("/wp-admin/plugins.php");
    EXPECT_EQ(plugins.status, 200u);
    EXPECT_NE(plugins.body.find("Automatic update is unavailable for this plugin."), std::string::npos);
    EXPECT_EQ(plugins.body.find("action=upgrade-plugin"), std::string::npos);
    // A store that describes releases to valid licences only (show_version_without_license
    // false; a second server on the same database and secrets, as a second instance of the same
    // deployment would be): WordPress lists nothing at all.
    {
        uint16_t port = free_port();
        fs::create_directories(home_ + "/plinth-quiet");
        fs::copy(home_ + "/plinth/secrets", home_ + "/plinth-quiet/secrets", fs::copy_options::recursive);
        ServerProcess quiet(home_ + "/plinth-quiet", store_config(port, false));
        ASSERT_NE(quiet.port(), 0) << quiet.stderr_text();
        use_store("http://127.0.0.1:" + std::to_string(port));
        EXPECT_EQ(str(licence_screen(revoked, "check_license"), "license"), "disabled");
        value check = wp("check-updates");
        EXPECT_FALSE(flag(check, "offered")) << boost::json::serialize(check);
        EXPECT_FALSE(flag(check, "current"));
        EXPECT_EQ(str(check, "update_row"), "");
        // A valid licence is still offered the update, with its package.
        EXPECT_TRUE(flag(licence_screen(inactive, "activate_license"), "success"));
        value valid = wp("check-updates");
        EXPECT_EQ(str(valid, "new_version"), "1.1.0") << boost::json::serialize(valid);
        EXPECT_EQ(str(valid, "package").rfind("http://127.0.0.1:" + std::to_string(port) + "/v1/releases/download/", 0), 0u);
        use_store(store_);
    }
    // WordPress never asked the store for a package.
    value sent = wp("requests");
    for (const value &r : sent.at("requests").as_array())
        EXPECT_EQ(str(r, "url").find("/v1/releases/download/"), std::string::npos) << boost::json::serialize(r);
    EXPECT_EQ(php_problems(), "");
    (void)expiring_id;
    (void)deactivated_id;
    (void)inactive_id;
}

} // namespace
} // namespace plinth::test
