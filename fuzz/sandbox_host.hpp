// fuzz/sandbox_host.hpp — the fuzzers that go through the host (commands, http, edd) load every
// module from the build's module folder into a plinth::host::Host over a database of their own
// on the MariaDB sandbox that tools/fuzz.sh starts (PLINTH_FUZZ_DB_SOCKET, PLINTH_FUZZ_STATE_DIR).
#pragma once

#include <plinth/host/host.hpp>
#include <plinth/storage/database.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace plinth::fuzz {

inline std::string required_env(const char *name) {
    const char *v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        std::fprintf(stderr, "%s is not set: run this fuzzer through tools/fuzz.sh\n", name);
        std::exit(2);
    }
    return v;
}

// A host over a fresh database `database` (dropped and created again) and a fresh state folder
// of the same name; `extra` is merged into its configuration.
inline std::unique_ptr<host::Host> sandbox_host(const std::string &database, boost::json::object extra = {}) {
    const std::string socket = required_env("PLINTH_FUZZ_DB_SOCKET");
    const std::string state = required_env("PLINTH_FUZZ_STATE_DIR") + "/" + database;
    {
        storage::DbConfig admin;
        admin.socket = socket;
        admin.database = "mysql";
        std::atomic<uint64_t> statements{0};
        storage::Connection c(admin, &statements);
        c.execute_trusted("DROP DATABASE IF EXISTS " + database);
        c.execute_trusted("CREATE DATABASE " + database + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    }
    std::filesystem::remove_all(state);
    std::filesystem::create_directories(state);
    host::HostOptions o;
    o.module_paths.push_back(PLINTH_FUZZ_MODULE_DIR);
    o.state_dir = state;
    o.config["database"] = {{"socket", socket}, {"database", database}, {"user", "root"}};
    // Cheap password hashing: a fuzzer wants many calls a second, not strong hashes.
    o.config["accounts"] = {{"password", {{"argon2", {{"memory_kib", 1024}, {"time_cost", 1}}}}}};
    for (const auto &[key, value] : extra) o.config[key] = value;
    o.log = [](int32_t, std::string_view, std::string_view) {};
    auto h = std::make_unique<host::Host>(std::move(o));
    h->load();
    for (const auto &m : h->modules())
        if (!m.loaded) std::fprintf(stderr, "module %s not loaded: %s\n", m.id.c_str(), m.refusal.c_str());
    return h;
}

} // namespace plinth::fuzz
