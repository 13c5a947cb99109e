// support/galera_cluster.hpp — the loopback cluster tools/galera.sh starts, as the Galera tests
// (tests/galera) and the Galera benchmark (bench/galera) reach it. Header-only, so the benchmark
// needs no test library.
#pragma once

#include <plinth/storage/database.hpp>

#include <filesystem>
#include <string>

namespace plinth::test {

// The unix socket of node `node` (1-based) of the cluster in `cluster_dir`.
inline std::string galera_node_socket(const std::filesystem::path &cluster_dir, int node) {
    return (cluster_dir / ("node" + std::to_string(node)) / "mysqld.sock").string();
}

// A root session on node `node`, in `database`.
inline storage::DbConfig galera_node_config(const std::filesystem::path &cluster_dir, int node,
                                            const std::string &database) {
    storage::DbConfig c;
    c.socket = galera_node_socket(cluster_dir, node);
    c.database = database;
    c.user = "root";
    return c;
}

} // namespace plinth::test
