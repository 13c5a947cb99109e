// plinth/storage/migrations.hpp — versioned schema changes, embedded into each module.
//
// sql/<module>/NNN_name.sql files are compiled into the module (see cmake/PlinthModule.cmake)
// and applied in name order. Each applied file is recorded with its SHA-256 in
// plinth_schema_migrations; a file edited after it was applied is refused rather than silently
// diverging. A database-wide named lock serialises hosts that start at the same time.
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

// Applies pending migrations of `module`; returns {"module":..,"applied":[..],"current":..}.
// Throws sdk::Error(PLINTH_E_CONFLICT) when an applied migration's text changed.
boost::json::object migrate(Pool &pool, std::string_view module, std::span<const Migration> migrations);

// Splits a migration file into statements (';' at end of line; '--' comment lines dropped).
std::vector<std::string> split_statements(std::string_view sql);

} // namespace plinth::storage
