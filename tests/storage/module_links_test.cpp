// Only the host links MariaDB Connector/C: no module may carry a database client of its own,
// neither as a shared library it needs nor linked in statically. Every module reaches the database
// through plinth.db/1.
#include "support/test_host.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// True when `file` holds `text` anywhere. Read in blocks, each searched with the end of the one
// before it (so a match across two blocks is found): sanitizer builds make these files, this test
// binary among them, hundreds of megabytes, too slow to read a character at a time.
bool file_contains(const fs::path &file, std::string_view text) {
    std::ifstream in(file, std::ios::binary);
    std::string window;
    std::vector<char> block(1 << 20);
    while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
        window.append(block.data(), static_cast<size_t>(in.gcount()));
        if (window.find(text) != std::string::npos) return true;
        window.erase(0, window.size() - std::min(window.size(), text.size() - 1));
    }
    return false;
}

// True when `file` carries Connector/C, dynamically or statically (its authentication plugin's
// name is a string every copy of the client holds).
bool carries_database_client(const fs::path &file) {
    if (needed_libraries(file).find("libmariadb") != std::string::npos) return true;
    return file_contains(file, "mysql_native_password");
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
