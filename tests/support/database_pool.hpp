// tests/support/database_pool.hpp — test databases reused between tests instead of recreated.
//
// CTest runs every test in its own process, several at once. Creating a database and applying
// every module's migrations for each test costs about a second on the sandbox; emptying the
// tables of an already migrated one costs a few milliseconds. So each suite keeps a small set of
// databases (t_<suite>_<slot>) on the sandbox, and a test claims a free one:
//
//  - claiming takes a named lock (GET_LOCK) on the admin connection, so two test processes
//    never share a database, and a crashed test's claim ends with its connection;
//  - a claimed database is reset to what a fresh one would hold after the same migrations:
//    every table emptied (AUTO_INCREMENT back to 1) and the data statements of the applied
//    migrations replayed (seed rows);
//  - when that cannot be proven right, the database is dropped and created again: a recorded
//    migration whose file in sql/<module>/ is missing or has another checksum (a test module,
//    an edited file), a table or view that no recorded migration creates (a test made its own).
#pragma once

#include <plinth/storage/database.hpp>

#include <string>
#include <string_view>

namespace plinth::test::database_pool {

// Claims the first free database name of `suite` (already sanitised) on `admin`'s server; the
// claim lasts as long as `admin`'s session. Throws when every slot is taken.
std::string claim(storage::Connection &admin, std::string_view suite);

// Empties `database` back to its state right after its recorded migrations. Returns false when
// that is not possible or not provably right; the caller then recreates the database.
bool reset(storage::Connection &admin, const std::string &database);

} // namespace plinth::test::database_pool
