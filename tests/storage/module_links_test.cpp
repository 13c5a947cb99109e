// Only the host links MariaDB Connector/C: no module may carry a database client of its own,
// neither as a shared library it needs nor linked in statically. Every module reaches the database
// through plinth.db/1.
#include "support/test_host.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

namespace {

namespace fs = std::filesystem;

// The shared libraries `file` needs (DT_NEEDED), as readelf prints them.
std::string needed_libraries(const fs::path &file) {
    std::string command = "readelf -d '" + file.string() + "' 2>&1";
    std::unique_ptr<FILE, int (*)(FILE *)> pipe(popen(command.c_str(), "r"), pclose);
    std::string out;
    char buffer[512];
    while (pipe && fgets(buffer, sizeof buffer, pipe.get())) {
        std::string line(buffer);
        if (line.find("(NEEDED)") != std::string::npos) out += line;
    }
    return out;
}

// True when `file` carries Connector/C, dynamically or statically (its authentication plugin's
// name is a string every copy of the client holds).
bool carries_database_client(const fs::path &file) {
    if (needed_libraries(file).find("libmariadb") != std::string::npos) return true;
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return bytes.find("mysql_native_password") != std::string::npos;
}

TEST(ModuleLinks, NoModuleCarriesTheDatabaseClient) {
    // The check itself sees a client where there is one: this test binary links the host's.
    ASSERT_TRUE(carries_database_client(fs::read_symlink("/proc/self/exe")));
    size_t modules = 0;
    for (const char *dir : {PLINTH_TEST_MODULE_DIR, PLINTH_TEST_FIXTURE_DIR}) {
        std::error_code ec;
        for (const auto &entry : fs::directory_iterator(dir, ec)) {
            if (entry.path().extension() != ".so") continue;
            ++modules;
            EXPECT_FALSE(carries_database_client(entry.path())) << entry.path() << " links MariaDB Connector/C";
        }
    }
    EXPECT_GE(modules, 7u) << "the standard modules were not found in " PLINTH_TEST_MODULE_DIR;
}

} // namespace
