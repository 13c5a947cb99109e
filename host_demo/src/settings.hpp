// How plinth-host finds its configuration: one JSON file plus environment overrides, with
// defaults that need nothing set up (a private MariaDB sandbox under the state folder).
#pragma once

#include <boost/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace plinth::host {

struct Settings {
    std::filesystem::path home;          // state folder: PLINTH_HOME, default ./var
    std::filesystem::path config_file;   // empty when none was found
    boost::json::object config;          // {"database":{...}, "modules":{...}, "<module>":{...}}
    bool use_sandbox = false;            // no database configured: run our own server
    std::filesystem::path sandbox_dir;   // <home>/db
    std::vector<std::filesystem::path> module_paths;
    std::vector<std::string> only_modules;
    int32_t log_level = 1;               // PLINTH_LOG_LEVEL: debug 0, info 1 (default), warning 2, error 3
};

// Reads, in order of increasing precedence: built-in defaults, the config file
// (--config, else $PLINTH_CONFIG, else <home>/plinth.json when present), then the environment:
//   PLINTH_DB_SOCKET, PLINTH_DB_HOST, PLINTH_DB_PORT, PLINTH_DB_USER, PLINTH_DB_PASSWORD,
//   PLINTH_DB_NAME, PLINTH_MODULE_DIR, PLINTH_LOG_LEVEL, and
//   PLINTH__<section>__<key>[__<key>...]=<JSON or text>.
// Throws sdk::Error(PLINTH_E_INVALID_ARGUMENT) naming the file and the problem.
Settings load_settings(const std::optional<std::filesystem::path> &config_file,
                       const std::filesystem::path &default_module_dir);

// Parses a whole JSON file; errors name the file and the position.
boost::json::value read_json_file(const std::filesystem::path &file);

// Starts the sandbox (tools/sandbox.sh ensure) when it is not running and creates the database.
// Says nothing unless it started the server (an info line on stderr). Safe when several hosts
// start together on one state folder: the script serialises creation and start with a lock.
void ensure_sandbox(const Settings &settings);
// Runs tools/sandbox.sh <action> on the settings' sandbox; returns its exit status. The script's
// narration goes to stderr when `narrate`, else nowhere; its errors always reach stderr.
int sandbox_command(const Settings &settings, const std::string &action, bool narrate = true);
// Drops and recreates `database` on the configured server (used by the demo only).
void recreate_database(const Settings &settings, const std::string &database);

} // namespace plinth::host
