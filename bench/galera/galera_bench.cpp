// galera_bench — Plinth on one Galera node against three, a host per node, in the same run on the
// same loopback cluster (tools/galera.sh), so only ratios are compared (bench/galera/ratios.json).
//
//   galera_bench [--cluster=DIR] [benchmark flags...]
//
// Starts the three-node cluster in DIR (default build/galera-bench; reused when running), makes a
// fresh database, seeds kLicenses licenses with one activated site each through a host on node 1,
// then attaches a host to each node (license cache off: every check reads the database). Each
// benchmark runs kThreads threads in total:
//   galera/activate/nodes:1         activation.activate (a new site per call) through node 1 only
//   galera/activate/nodes:3         the same threads spread over the hosts of nodes 1, 2 and 3
//   galera/check_uncached/nodes:1   check of a random seeded license and its site, node 1 only
//   galera/check_uncached/nodes:3   the same spread over three nodes
//   baseline/point_select/sync_wait:0  raw prepared point-select of a license row on node 2
//   baseline/point_select/sync_wait:1  the same with wsrep_sync_wait = 1 for the session
//   galera/causal_scope             storage::CausalReads around that point-select (what a causal
//                                   decision read costs: two SETs and the wait)
// On one machine the three nodes share its cores with the client: this shows what a cluster costs
// and whether reads spread, not what three machines would give.
#include "support/galera_cluster.hpp"

#include <plinth/host/host.hpp>
#include <plinth/sdk/error.hpp>
#include <plinth/storage/database.hpp>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace plinth;
namespace fs = std::filesystem;
using boost::json::object;

constexpr int kThreads = 6;
constexpr int kLicenses = 256;
const std::string kDatabase = "plinth_galera_bench";

fs::path cluster_dir = PLINTH_BENCH_DEFAULT_DIR "/galera-bench";

std::string node_socket(int i) { return test::galera_node_socket(cluster_dir, i); }
storage::DbConfig node_config(int i, const std::string &database) { return test::galera_node_config(cluster_dir, i, database); }

struct Cluster {
    std::vector<std::unique_ptr<host::Host>> hosts; // hosts[i]: attached to node i + 1
    std::vector<std::string> keys;
    std::vector<std::string> sites;
    int64_t license_id = 0;
};

std::unique_ptr<host::Host> make_host(int node, const fs::path &state) {
    host::HostOptions o;
    o.module_paths.push_back(PLINTH_BENCH_MODULE_DIR);
    o.only_modules = {"licenses"};
    o.config = object{{"database", object{{"socket", node_socket(node)}, {"database", kDatabase}, {"user", "root"},
                                          {"connection_budget", 16}, {"max_txn_attempts", 50}}},
                      {"licenses", object{{"cache", object{{"enabled", false}}}}}};
    o.state_dir = state; // one state folder: the hosts share their keys
    o.log = [](int32_t level, std::string_view module, std::string_view message) {
        if (level >= PLINTH_LOG_WARNING) std::cerr << module << ": " << message << "\n";
    };
    auto h = std::make_unique<host::Host>(std::move(o));
    h->load();
    if (h->module("licenses") == nullptr) throw std::runtime_error("the licenses module did not load");
    return h;
}

Cluster &cluster() {
    static Cluster c = [] {
        std::string cmd = std::string(PLINTH_SOURCE_DIR) + "/tools/galera.sh start 3 '" + cluster_dir.string() + "' >&2";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("the Galera cluster did not start");
        std::atomic<uint64_t> counter{0};
        storage::Connection admin(node_config(1, "mysql"), &counter);
        admin.execute_trusted("DROP DATABASE IF EXISTS " + kDatabase);
        admin.execute_trusted("CREATE DATABASE " + kDatabase + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        fs::path state = cluster_dir / "bench-state";
        fs::remove_all(state);
        fs::create_directories(state);

        Cluster out;
        out.hosts.push_back(make_host(1, state)); // migrates the schema
        const plinth_call_context staff = host::user_caller(900, PLINTH_ROLE_STAFF);
        host::Host &h = *out.hosts[0];
        h.call("licenses", "product.create", R"({"slug":"seo","name":"SEO Pro"})", staff);
        auto policy = h.call("licenses", "policy.create",
                             R"({"product":"seo","name":"many","seat_limit":1000000,"staging_exempt":false})", staff);
        std::string issue = boost::json::serialize(object{{"user_id", 7}, {"policy_id", policy.at("id").as_int64()}});
        for (int i = 0; i < kLicenses; ++i) {
            auto l = h.call("licenses", "license.issue", issue, staff);
            out.keys.emplace_back(l.at("key").as_string());
            out.sites.push_back("https://seed-" + std::to_string(i) + ".example.org");
            h.call("licenses", "activation.activate",
                   boost::json::serialize(object{{"key", out.keys.back()}, {"site", out.sites.back()}}),
                   host::anonymous_caller());
            if (i == 0) out.license_id = l.at("id").as_int64();
        }
        out.hosts.push_back(make_host(2, state));
        out.hosts.push_back(make_host(3, state));
        return out;
    }();
    return c;
}

host::Host &host_for(benchmark::State &state, int nodes) {
    return *cluster().hosts[static_cast<size_t>(state.thread_index() % nodes)];
}

void activate(benchmark::State &state, int nodes) {
    Cluster &c = cluster();
    host::Host &h = host_for(state, nodes);
    static std::atomic<uint64_t> serial{static_cast<uint64_t>(std::time(nullptr)) * 1000000};
    size_t bad = 0;
    std::string last;
    for (auto _ : state) {
        uint64_t n = serial.fetch_add(1);
        std::string args = boost::json::serialize(
            object{{"key", c.keys[n % c.keys.size()]}, {"site", "https://act-" + std::to_string(n) + ".example.org"}});
        try {
            h.call("licenses", "activation.activate", args, host::anonymous_caller());
        } catch (const std::exception &e) {
            ++bad;
            last = e.what();
        }
    }
    if (bad) state.SkipWithError(("an activation failed: " + last).c_str());
    state.SetItemsProcessed(state.iterations());
}

void check_uncached(benchmark::State &state, int nodes) {
    Cluster &c = cluster();
    host::Host &h = host_for(state, nodes);
    std::minstd_rand rng(static_cast<unsigned>(state.thread_index()) + 17);
    size_t bad = 0;
    for (auto _ : state) {
        size_t i = rng() % c.keys.size();
        auto v = h.call("licenses", "check", boost::json::serialize(object{{"key", c.keys[i]}, {"site", c.sites[i]}}),
                        host::anonymous_caller());
        bad += v.at("code").as_string() != "VALID";
    }
    if (bad) state.SkipWithError("a check was not valid");
    state.SetItemsProcessed(state.iterations());
}

constexpr const char *kPointSelect = "SELECT status, expires_at, seats_used FROM licenses WHERE id = ?";

void point_select(benchmark::State &state, int sync_wait) {
    int64_t id = cluster().license_id;
    std::atomic<uint64_t> counter{0};
    storage::Connection conn(node_config(2, kDatabase), &counter);
    conn.execute_trusted("SET SESSION wsrep_sync_wait = " + std::to_string(sync_wait));
    for (auto _ : state) benchmark::DoNotOptimize(conn.query(kPointSelect, {id}));
    state.SetItemsProcessed(state.iterations());
}

void causal_scope(benchmark::State &state) {
    int64_t id = cluster().license_id;
    std::atomic<uint64_t> counter{0};
    storage::Connection conn(node_config(2, kDatabase), &counter);
    for (auto _ : state) {
        storage::CausalReads causal(conn);
        benchmark::DoNotOptimize(conn.query(kPointSelect, {id}));
    }
    state.SetItemsProcessed(state.iterations());
}

} // namespace

int main(int argc, char **argv) {
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--cluster=", 0) == 0) cluster_dir = a.substr(10);
        else argv[out++] = argv[i];
    }
    argc = out;
    for (int nodes : {1, 3}) {
        benchmark::RegisterBenchmark(("galera/activate/nodes:" + std::to_string(nodes)).c_str(), activate, nodes)
            ->Threads(kThreads)
            ->UseRealTime();
        benchmark::RegisterBenchmark(("galera/check_uncached/nodes:" + std::to_string(nodes)).c_str(), check_uncached,
                                     nodes)
            ->Threads(kThreads)
            ->UseRealTime();
    }
    for (int wait : {0, 1})
        benchmark::RegisterBenchmark(("baseline/point_select/sync_wait:" + std::to_string(wait)).c_str(), point_select,
                                     wait)
            ->UseRealTime();
    benchmark::RegisterBenchmark("galera/causal_scope", causal_scope)->UseRealTime();
    benchmark::Initialize(&argc, argv);
    try {
        cluster(); // start and seed before anything is timed
    } catch (const std::exception &e) {
        std::cerr << "galera_bench: " << e.what() << "\n";
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
