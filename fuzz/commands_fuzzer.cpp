// Every module's JSON command table (sdk::Commands and sdk::Args behind plinth.command/1), as the
// host calls it, against a real MariaDB: the modules are loaded from the build's module folder
// into a plinth::host::Host over a database of their own on the sandbox that tools/fuzz.sh
// starts (PLINTH_FUZZ_DB_SOCKET).
//
// Input: one byte choosing the caller (anonymous, a customer, staff, an administrator, the
// system), then "<module> <command>\n", then the arguments text.
// Properties: every call either succeeds with JSON or fails with a clear status; bad input never
// surfaces as PLINTH_E_INTERNAL (an exception the module did not expect) or PLINTH_E_DATABASE
// (input the module let through to a column or statement that refused it).
#include "check.hpp"

#include <plinth/host/host.hpp>
#include <plinth/sdk/error.hpp>
#include <plinth/storage/database.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace {

std::unique_ptr<plinth::host::Host> host;

std::string required_env(const char *name) {
    const char *v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        std::fprintf(stderr, "%s is not set: run this fuzzer through tools/fuzz.sh\n", name);
        std::exit(2);
    }
    return v;
}

void start_host() {
    const std::string socket = required_env("PLINTH_FUZZ_DB_SOCKET");
    const std::string state = required_env("PLINTH_FUZZ_STATE_DIR");
    {
        plinth::storage::DbConfig admin;
        admin.socket = socket;
        admin.database = "mysql";
        std::atomic<uint64_t> statements{0};
        plinth::storage::Connection c(admin, &statements);
        c.execute_trusted("DROP DATABASE IF EXISTS fuzz_commands");
        c.execute_trusted("CREATE DATABASE fuzz_commands CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    }
    std::filesystem::remove_all(state);
    std::filesystem::create_directories(state);
    plinth::host::HostOptions o;
    o.module_paths.push_back(PLINTH_FUZZ_MODULE_DIR);
    o.state_dir = state;
    o.config["database"] = {{"socket", socket}, {"database", "fuzz_commands"}, {"user", "root"}};
    // Cheap password hashing: the fuzzer wants many calls a second, not strong hashes.
    o.config["accounts"] = {{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}}};
    o.log = [](int32_t, std::string_view, std::string_view) {};
    host = std::make_unique<plinth::host::Host>(std::move(o));
    host->load();
    for (const auto &m : host->modules())
        if (!m.loaded) std::fprintf(stderr, "module %s not loaded: %s\n", m.id.c_str(), m.refusal.c_str());
}

plinth_call_context caller_for(uint8_t choice) {
    switch (choice % 5) {
    case 0: return plinth::host::anonymous_caller();
    case 1: return plinth::host::user_caller(1, PLINTH_ROLE_CUSTOMER);
    case 2: return plinth::host::user_caller(2, PLINTH_ROLE_STAFF);
    case 3: return plinth::host::user_caller(3, PLINTH_ROLE_ADMIN);
    default: return plinth::host::system_caller();
    }
}

// privacy's export.run copies the archive to an "out" path of the operator's choosing: a fuzzer
// must not write files wherever its input says. (The parser decodes escapes, so the check is
// exact.)
bool writes_a_file(std::string_view arguments) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(arguments, ec);
    return !ec && v.is_object() && v.get_object().contains("out");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    start_host();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
    size_t line_end = text.find('\n');
    if (line_end == std::string_view::npos) return 0;
    std::string_view line = text.substr(0, line_end);
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return 0;
    std::string_view module = line.substr(0, space);
    std::string_view command = line.substr(space + 1);
    std::string_view arguments = text.substr(line_end + 1);
    if (writes_a_file(arguments)) return 0;
    try {
        host->call(module, command, arguments, caller_for(data[0]));
    } catch (const plinth::sdk::Error &e) {
        FUZZ_CHECK(e.status() != PLINTH_E_INTERNAL && e.status() != PLINTH_E_DATABASE,
                   std::string(line) + " " + std::string(arguments) + " -> " + e.what());
    }
    return 0;
}
