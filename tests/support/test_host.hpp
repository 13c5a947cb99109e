// tests/support/test_host.hpp — a real host over a fresh database, for integration suites.
//
// The CTest fixture `database` starts the MariaDB sandbox; CTest exports its folder as
// PLINTH_TEST_DB_DIR. Each TestDatabase is a database no other test process uses, holding what a
// fresh one would (reused between tests, see database_pool.hpp); each TestHost loads the real
// module files from the build tree against it, with an injectable clock.
#pragma once

#include <plinth/host/host.hpp>
#include <plinth/storage/database.hpp>
#include <plinth/storage/db_service.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace plinth::test {

// A database of its own on the sandbox server, as a fresh one would be (empty, or holding exactly
// what its recorded migrations made); kept for the suite's next test after the destructor.
class TestDatabase {
public:
    explicit TestDatabase(std::string_view suite);
    ~TestDatabase();
    const std::string &name() const { return name_; }
    const std::string &socket() const { return socket_; }
    // {"socket":..., "database":..., "user":"root"} for a host configuration.
    boost::json::object config() const;
    storage::DbConfig db_config() const;
    // A plinth_host offering plinth.db/1 on this database (one pool, made on first use), for
    // service classes tested without a module host; migrations are recorded under `module_id`.
    const plinth_host *db_host(const std::string &module_id);
    // Direct SQL for assertions (table dumps, row counts). Not for arranging module state:
    // tests go through module commands for that.
    storage::Connection &sql();
    // Every value of every table, as text (for "nothing identifying remains" checks).
    std::string dump_all_tables();

private:
    std::string socket_;
    std::string name_;
    std::unique_ptr<storage::Connection> admin_;
    std::unique_ptr<storage::Connection> sql_;
    std::unique_ptr<storage::StandaloneDb> standalone_;
    std::atomic<uint64_t> counter_{0};
};

// A host loading `modules` (ids, e.g. {"accounts","licenses"}) from the build's module folder,
// and `test_fixtures` (ids of test-only modules, plinth_add_module(... TEST_FIXTURE ...)) from the
// folder the demo host never scans.
class TestHost {
public:
    TestHost(TestDatabase &db, std::vector<std::string> modules, boost::json::object module_config = {},
             const std::vector<std::string> &test_fixtures = {});
    ~TestHost();

    host::Host &host() { return *host_; }
    const std::string &state_dir() const { return state_dir_; }

    // Fake clock shared by every module of this host: starts at 2026-01-01T00:00:00Z.
    int64_t now_us() const { return now_us_.load(); }
    void set_now_s(int64_t unix_seconds) { now_us_.store(unix_seconds * 1000000); }
    void advance_s(int64_t seconds) { now_us_.fetch_add(seconds * 1000000); }

    // Runs a command; throws sdk::Error on failure.
    boost::json::value call(std::string_view module, std::string_view command, const boost::json::value &args,
                            const plinth_call_context &caller);
    // Runs a command that must fail; returns its status (fails the test if it succeeds).
    int32_t call_error(std::string_view module, std::string_view command, std::string_view raw_args,
                       const plinth_call_context &caller, std::string *message = nullptr);

private:
    std::string state_dir_;
    std::atomic<int64_t> now_us_{1767225600LL * 1000000};
    std::unique_ptr<host::Host> host_;
};

} // namespace plinth::test
