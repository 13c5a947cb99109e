// accounts_bench — what a session check costs next to the database round trip it avoids.
//
// Every measurement runs against the same MariaDB server in the same process and run:
//   accounts/raw_point_select      Connector/C prepared SELECT of the session row by token hash
//   accounts/bare_map_lookup       std::unordered_map find of a 32-byte key among 1000
//   accounts/session_check_cached  plinth.session-check/1 through the host, default cache
//   accounts/session_check_uncached the same with session.cache_ms = 0 (one point-select a check)
//   accounts/argon2id_verify       the reference library verifying a hash with the configured cost
//   accounts/login                 the login command end to end (verify, throttle, session, event)
// Ratios between them are declared in ratios.json and reported by bench/report.py.
//
// The server: PLINTH_BENCH_DB_SOCKET when set, else a sandbox started under <build>/bench-db.
#include <plinth/ext/session_check.h>
#include <plinth/host/host.hpp>
#include <plinth/sdk/host.hpp>
#include <plinth/storage/database.hpp>

#include <argon2.h>
#include <benchmark/benchmark.h>
#include <mysql.h>
#include <sodium.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

namespace {

namespace json = boost::json;
using namespace plinth;

constexpr const char *kDatabase = "plinth_bench_accounts";
constexpr const char *kPassword = "correct horse battery staple";

struct Fixture {
    std::string socket;
    std::unique_ptr<host::Host> cached;
    std::unique_ptr<host::Host> uncached;
    std::string token;
    std::array<unsigned char, 32> token_hash{};
    std::string argon2_hash; // a hash with the configured (default) parameters
};

Fixture *fixture = nullptr;

std::string server_socket() {
    if (const char *s = std::getenv("PLINTH_BENCH_DB_SOCKET"); s && *s) return s;
    std::string command = std::string(PLINTH_SANDBOX_SCRIPT) + " start " + PLINTH_BENCH_DB_DIR + " >/dev/null";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("could not start the sandbox: " + command);
    return std::string(PLINTH_BENCH_DB_DIR) + "/mysqld.sock";
}

std::unique_ptr<host::Host> make_host(const std::string &socket, json::object accounts, const std::string &state) {
    host::HostOptions o;
    o.module_paths.push_back(PLINTH_BENCH_MODULE_DIR);
    o.only_modules = {"accounts"};
    o.config = {{"database", {{"socket", socket}, {"database", kDatabase}, {"user", "root"}}},
                {"accounts", std::move(accounts)}};
    o.state_dir = std::string(PLINTH_BENCH_STATE_DIR) + "/" + state;
    std::filesystem::create_directories(o.state_dir);
    auto h = std::make_unique<host::Host>(std::move(o));
    h->load();
    if (h->module("accounts") == nullptr) {
        for (const auto &m : h->modules()) std::cerr << m.id << ": " << m.refusal << "\n";
        throw std::runtime_error("the accounts module did not load");
    }
    return h;
}

void set_up() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium");
    fixture = new Fixture;
    fixture->socket = server_socket();
    std::atomic<uint64_t> counter{0};
    storage::DbConfig admin;
    admin.socket = fixture->socket;
    admin.database = "mysql";
    storage::Connection c(admin, &counter);
    c.execute_trusted(std::string("DROP DATABASE IF EXISTS ") + kDatabase);
    c.execute_trusted(std::string("CREATE DATABASE ") + kDatabase + " CHARACTER SET utf8mb4");

    // Default Argon2id parameters: the login benchmark measures what production pays.
    fixture->cached = make_host(fixture->socket, json::object{}, "cached");
    fixture->uncached = make_host(fixture->socket, {{"session", {{"cache_ms", 0}}}}, "uncached");
    auto system = host::system_caller();
    fixture->cached->call("accounts", "register",
                          json::serialize(json::object{{"email", "bench@example.com"},
                                                       {"username", "bench"},
                                                       {"first_name", "Bench"},
                                                       {"password", kPassword}}),
                          system);
    json::value login = fixture->cached->call(
        "accounts", "login", json::serialize(json::object{{"login", "bench"}, {"password", kPassword}}), system);
    fixture->token = std::string(login.at("token").as_string());
    storage::DbConfig db = admin;
    db.database = kDatabase;
    storage::Connection d(db, &counter);
    storage::Rows r = d.query("SELECT token_hash FROM accounts_sessions WHERE id = ?",
                              {login.at("session_id").as_int64()});
    std::memcpy(fixture->token_hash.data(), r.at(0).str(0).data(), 32);
    fixture->argon2_hash = d.query("SELECT password_hash FROM accounts_users LIMIT 1").at(0).str(0);
}

void check_through(benchmark::State &state, host::Host &h) {
    auto *check = h.interface_as<plinth_session_check_v1>("accounts", PLINTH_EXT_SESSION_CHECK);
    const plinth_module *m = h.module("accounts");
    plinth_str token = sdk::to_str(fixture->token);
    plinth_session_info info{};
    info.struct_size = sizeof info;
    for (auto _ : state) {
        if (check->check(m, token, &info, nullptr) != PLINTH_OK) {
            state.SkipWithError("session check failed");
            break;
        }
        benchmark::DoNotOptimize(info.user_id);
    }
}

void session_check_cached(benchmark::State &state) { check_through(state, *fixture->cached); }
void session_check_uncached(benchmark::State &state) { check_through(state, *fixture->uncached); }

// The baseline the cache is measured against: Connector/C, one prepared statement, no pool, no
// ABI, no hashing — what any caller would pay at least to look the session up itself.
void raw_select(benchmark::State &state, const char *sql);
void raw_point_select(benchmark::State &state) {
    raw_select(state, "SELECT user_id, created_at, last_seen_at, expires_at FROM accounts_sessions WHERE token_hash = ?");
}
void raw_select(benchmark::State &state, const char *sql) {
    MYSQL *mysql = mysql_init(nullptr);
    unsigned protocol = MYSQL_PROTOCOL_SOCKET;
    mysql_optionsv(mysql, MYSQL_OPT_PROTOCOL, &protocol);
    if (!mysql_real_connect(mysql, nullptr, "root", "", kDatabase, 0, fixture->socket.c_str(), 0)) {
        state.SkipWithError(mysql_error(mysql));
        mysql_close(mysql);
        return;
    }
    MYSQL_STMT *stmt = mysql_stmt_init(mysql);
    mysql_stmt_prepare(stmt, sql, std::strlen(sql));
    MYSQL_BIND param{};
    unsigned long param_length = 32;
    param.buffer_type = MYSQL_TYPE_BLOB;
    param.buffer = fixture->token_hash.data();
    param.buffer_length = 32;
    param.length = &param_length;
    mysql_stmt_bind_param(stmt, &param);
    long long out[4];
    MYSQL_BIND result[4]{};
    for (int i = 0; i < 4; ++i) {
        result[i].buffer_type = MYSQL_TYPE_LONGLONG;
        result[i].buffer = &out[i];
    }
    mysql_stmt_bind_result(stmt, result);
    for (auto _ : state) {
        if (mysql_stmt_execute(stmt) != 0 || mysql_stmt_fetch(stmt) != 0) {
            state.SkipWithError(mysql_stmt_error(stmt));
            break;
        }
        while (mysql_stmt_fetch(stmt) == 0) {
        }
        mysql_stmt_free_result(stmt);
        benchmark::DoNotOptimize(out[0]);
    }
    mysql_stmt_close(stmt);
    mysql_close(mysql);
}

struct KeyHash {
    size_t operator()(const std::array<unsigned char, 32> &k) const noexcept {
        size_t v;
        std::memcpy(&v, k.data(), sizeof v);
        return v;
    }
};

void bare_map_lookup(benchmark::State &state) {
    std::unordered_map<std::array<unsigned char, 32>, int64_t, KeyHash> map;
    std::array<unsigned char, 32> key{};
    for (int i = 0; i < 1000; ++i) {
        randombytes_buf(key.data(), key.size());
        map.emplace(key, i);
    }
    map.emplace(fixture->token_hash, 42);
    for (auto _ : state) {
        auto it = map.find(fixture->token_hash);
        benchmark::DoNotOptimize(it);
    }
}

void argon2id_verify_bare(benchmark::State &state) {
    for (auto _ : state) {
        int rc = argon2id_verify(fixture->argon2_hash.c_str(), kPassword, std::strlen(kPassword));
        if (rc != ARGON2_OK) {
            state.SkipWithError("argon2id_verify failed");
            break;
        }
    }
}

void login(benchmark::State &state) {
    std::string args = json::serialize(json::object{{"login", "bench"}, {"password", kPassword}});
    auto anonymous = host::anonymous_caller();
    for (auto _ : state) {
        json::value r = fixture->cached->call("accounts", "login", args, anonymous);
        benchmark::DoNotOptimize(r);
    }
}

} // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    try {
        set_up();
    } catch (const std::exception &e) {
        std::cerr << "accounts_bench: " << e.what() << "\n";
        return 1;
    }
    // Wall-clock time: the database benchmarks spend most of it waiting on the socket.
    benchmark::RegisterBenchmark("accounts/raw_point_select", raw_point_select)->UseRealTime();
    benchmark::RegisterBenchmark("accounts/bare_map_lookup", bare_map_lookup)->UseRealTime();
    benchmark::RegisterBenchmark("accounts/session_check_cached", session_check_cached)->UseRealTime();
    benchmark::RegisterBenchmark("accounts/session_check_uncached", session_check_uncached)->UseRealTime();
    benchmark::RegisterBenchmark("accounts/argon2id_verify", argon2id_verify_bare)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("accounts/login", login)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    fixture->uncached.reset();
    fixture->cached.reset();
    delete fixture;
    return 0;
}
