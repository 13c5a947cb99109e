// plinth/storage/migrations.hpp — versioned schema changes, embedded into each module.
//
// sql/<module>/NNN_name.sql files are compiled into the module (see cmake/PlinthModule.cmake)
// and applied in name order. Each applied file is recorded with its SHA-256 in
// plinth_schema_migrations; a file edited after it was applied is refused rather than silently
// diverging.
//
// Safe when several hosts start at once, on one server or on a Galera cluster (where GET_LOCK
// only locks one node): the host that applies a module's migrations holds a claim, a row in
// plinth_schema_migrations that only one concurrent insert survives. An ordinary start, with
// everything recorded, only reads: no DDL, no claim. A run that stopped half-way leaves its claim;
// once that claim is stale the next run takes it over and re-runs the unrecorded migration,
// treating "already exists" as done.
#pragma once

#include <plinth/storage/database.hpp>

#include <boost/json/object.hpp>

#include <span>
#include <string_view>

namespace plinth::storage {

struct Migration {
    std::string_view name; // "001_init"
    std::string_view sql;  // statements separated by ';' at the end of a line
};

struct MigrateOptions {
    // A claim whose holder made no progress for this long is taken over (its host is presumed
    // gone). Longer than any single migration statement may run.
    unsigned claim_stale_s = 120;
    // How long to wait for another host's claim before failing with PLINTH_E_UNAVAILABLE.
    unsigned claim_wait_s = 600;
};

// Applies pending migrations of `module`; returns {"module":..,"applied":[..],"current":..}.
// Throws sdk::Error(PLINTH_E_CONFLICT) when an applied migration's text changed.
boost::json::object migrate(Pool &pool, std::string_view module, std::span<const Migration> migrations,
                            const MigrateOptions &options = {});

// Splits a migration file into statements (';' at end of line; '--' comment lines dropped).
std::vector<std::string> split_statements(std::string_view sql);

} // namespace plinth::storage
