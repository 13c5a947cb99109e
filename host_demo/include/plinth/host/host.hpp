// plinth/host/host.hpp — the module host: loads, validates, orders, serves and unloads modules.
//
// Used by plinth-host (the CLI) and by the test suites, which load the real module files.
#pragma once

#include <plinth/plinth.h>
#include <plinth/sdk/error.hpp>
#include <plinth/sdk/interface.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::host {

// What `plinth-host modules` shows for every module file found.
struct ModuleInfo {
    std::filesystem::path path;
    std::string id;              // empty when the file could not be read as a module
    std::string version;
    std::string description;
    uint32_t abi_major = 0;
    uint32_t abi_minor = 0;
    std::vector<std::string> requires_modules;  // dependencies (optional ones marked "?")
    std::vector<std::string> interfaces;        // interface ids the instance offers (the registry walk)
    bool loaded = false;
    bool skipped = false;                       // left out by the configuration ("modules.load"), not refused
    std::string refusal;                        // why it was not loaded (valid UTF-8, may hold any character)

    boost::json::object to_json() const;
};

struct HostOptions {
    // Files (plinth_*.so) or folders to scan for them.
    std::vector<std::filesystem::path> module_paths;
    // When non-empty, only these module ids are loaded (others are listed as skipped).
    std::vector<std::string> only_modules;
    // The whole configuration: {"database":{...}, "<module id>":{...}, ...}.
    boost::json::object config;
    // Where secrets/ (0600 key files) and module state (exports) live.
    std::filesystem::path state_dir;
    // Apply pending migrations of every module right after it is created.
    bool auto_migrate = true;
    // Lines below this level (PLINTH_LOG_DEBUG..PLINTH_LOG_ERROR) are dropped.
    int32_t log_level = PLINTH_LOG_INFO;
    // Receives every log line at or above log_level, module id and message already escaped to
    // one printable line (sdk::printable); stderr when empty.
    std::function<void(int32_t level, std::string_view module, std::string_view message)> log;
};

// A message a module sent to a person (plinth.notify/1), copied out of the call.
struct Notification {
    std::string module;    // the sending module's id
    std::string recipient; // an email address
    std::string topic;
    std::string subject;
    std::string body;      // may hold a one-time secret: deliver it, never log it
};

class Host {
public:
    explicit Host(HostOptions options);
    ~Host(); // destroys instances in reverse initialisation order, then unloads the libraries
    Host(const Host &) = delete;
    Host &operator=(const Host &) = delete;

    // Discovers, validates and creates the modules. Refused modules are recorded in modules(),
    // never half-loaded; the others keep working. [main-thread]
    void load();

    const std::vector<ModuleInfo> &modules() const;
    // The live instance of `id`, or nullptr.
    const plinth_module *module(std::string_view id) const;
    // The interface table `interface_id` of module `id`, or nullptr.
    const void *interface(std::string_view id, const char *interface_id) const;
    // The same, checked by the SDK's one rule (sdk::Interface): nullptr also when the module's
    // table is too small for its id or leaves a function NULL.
    template <class Table>
    const Table *interface_as(std::string_view id, const char *interface_id = sdk::TableId<Table>::id()) const {
        return sdk::Interface<Table>(interface(id, interface_id)).get();
    }

    // Runs a JSON command and returns its parsed result. Throws sdk::Error with the module's
    // status and message on failure (unknown module: PLINTH_E_NOT_FOUND). [thread-safe]
    boost::json::value call(std::string_view module, std::string_view command, std::string_view arguments,
                            const plinth_call_context &caller) const;

    // Applies pending migrations of every loaded module; returns one report per module.
    boost::json::array migrate();

    // Delivers what modules address to a person through plinth.notify/1 (mail in a real host;
    // the CLI prints it). Without one, the service is not offered. Set it before calls start.
    // [main-thread]
    void set_notifier(std::function<void(const Notification &)> deliver);

    // Replaces the clock every module sees (tests inject time). nullptr restores the system clock.
    void set_clock(std::function<int64_t()> now_us);
    int64_t now_us() const;

    const HostOptions &options() const;

    // The process's database connection budget now (for metrics). [thread-safe]
    struct ConnectionUse {
        size_t in_use = 0;
        size_t limit = 0;
        uint32_t waiting = 0;
    };
    ConnectionUse connection_use() const;

    // Whether the database answers `SELECT 1`, asked through the process's one pool: the probe
    // borrows a connection within the budget and waits for one like a module call would.
    // nullopt when the configuration names no database. `problem` receives the failure's text,
    // which can name hosts and users: for the log, never for a client. [thread-safe]
    std::optional<bool> probe_database(std::string &problem) const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// Caller contexts the host builds (never from JSON).
plinth_call_context system_caller();
plinth_call_context user_caller(int64_t user_id, int32_t role);
plinth_call_context anonymous_caller();

} // namespace plinth::host
