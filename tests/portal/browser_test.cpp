// The portal in a real browser (browser_test.py: headless Chromium through Selenium) against a
// real `plinth-host serve`, the real modules and a real MariaDB. This file starts the server with
// the portal enabled, runs the script, and fails with the script's output when it fails.
#include "../http/server_process.hpp"
#include "support/test_host.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace plinth::test {
namespace {

using boost::json::object;

// Debian's python3 (which has python3-selenium), whatever `python3` is first on PATH.
bool have_browser() {
    return std::filesystem::exists("/usr/bin/chromium") && std::filesystem::exists("/usr/bin/chromedriver") &&
           std::system("/usr/bin/python3 -c 'import selenium' 2>/dev/null") == 0;
}

TEST(PortalBrowser, ACustomerAndStaffUseThePortalEndToEnd) {
    if (!have_browser()) {
        // tools/install-deps.sh installs chromium, chromium-driver and python3-selenium.
        FAIL() << "chromium, chromedriver or python3-selenium is missing (tools/install-deps.sh installs them)";
    }
    TestDatabase db("portal_browser");
    std::string home = std::string(PLINTH_TEST_STATE_DIR) + "/portal-browser-" + std::to_string(::getpid());
    std::filesystem::remove_all(home);
    std::filesystem::create_directories(home);
    std::string modules = PLINTH_TEST_MODULE_DIR;
    object http{{"listen", "127.0.0.1:0"},
                {"threads", 2},
                {"workers", 8},
                {"access_log", "off"},
                {"rate_limits",
                 {{"login", {{"per_minute", 6000}, {"burst", 1000}}},
                  {"activation", {{"per_minute", 6000}, {"burst", 1000}}},
                  {"check", {{"per_minute", 60000}, {"burst", 100000}}}}}};
    object config{{"database", db.config()},
                  {"modules",
                   {{"paths", {modules + "/plinth_accounts.so", modules + "/plinth_licenses.so",
                               modules + "/plinth_tickets.so", modules + "/plinth_privacy.so"}}}},
                  {"accounts", {{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}}}},
                  {"portal", {{"enabled", true}, {"page_size", 5}}},
                  {"http", http}};
    ServerProcess server(home, config);
    ASSERT_NE(server.port(), 0) << server.stderr_text();

    // Screenshots go to the build folder; PORTAL_SCREENSHOTS=docs/portal refreshes the documentation's.
    const char *shots_env = std::getenv("PORTAL_SCREENSHOTS");
    std::string shots = shots_env && *shots_env ? shots_env : home + "/screenshots";
    std::string command = "/usr/bin/python3 '" PLINTH_PORTAL_BROWSER_TEST "' 'http://127.0.0.1:" + std::to_string(server.port()) +
                          "' '" + home + "' '" PLINTH_HOST_BINARY "' '" + shots + "' '" + home + "/downloads' 2>&1";
    std::string output;
    FILE *pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
    int status = ::pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output << "\n--- server stderr ---\n"
                                                               << server.stderr_text();
    std::cout << output;
    if (!HasFailure()) {
        server.terminate();
        std::error_code ec;
        std::filesystem::remove_all(home + "/downloads", ec); // the export holds the test's personal data
        if (!shots_env || !*shots_env) std::filesystem::remove_all(home, ec);
    }
}

} // namespace
} // namespace plinth::test
