// Private to the host library: the record of one loaded module and Host::Impl, shared by
// host.cpp (finding, validating and ordering modules; the Host API) and host_services.cpp (the
// service tables a module reaches through plinth_host.get_service).
#pragma once

#include <plinth/host/host.hpp>
#include <plinth/sdk/host.hpp>
#include <plinth/sdk/display.hpp>
#include <plinth/storage/budget.hpp>
#include <plinth/storage/db_service.hpp>

#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plinth::host {

// Bounds for module text shown in the log: its id and one message.
constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxLogBytes = 4096;

// Wall-clock microseconds since the epoch: plinth.clock/1 when no clock was set.
int64_t system_now_us();

// One loaded library and, once created, its instance. The plinth_host given to the instance
// lives here too, so host_data can point back at it.
struct Loaded {
    ModuleInfo info;
    boost::dll::shared_library library;
    const plinth_module_entry *entry = nullptr;
    plinth_module_entry entry_copy{}; // min(struct_size, sizeof) copied into a zeroed local (rule 4)
    plinth_host abi_host{};
    plinth_module *instance = nullptr;
    struct Host::Impl *impl = nullptr;
    // The ids the instance lists (plinth_module.interface_ids), copied once at create; empty with
    // `lists_interfaces` false for a module built before ABI 1.2 or that does not say.
    std::vector<std::string> interface_ids;
    bool lists_interfaces = false;
};

struct Host::Impl {
    HostOptions options;
    std::vector<ModuleInfo> infos;                   // every file found, for `modules`
    std::vector<std::unique_ptr<Loaded>> live;       // created instances, initialisation order
    std::function<int64_t()> clock;
    // Every database connection of every module counts against this one budget (plinth.connections/1).
    // Shared (not unique) because the one pool of the process holds it too.
    std::shared_ptr<storage::LocalConnectionBudget> connections;
    // plinth.db/1: the process's one pool, sized by that budget. Destroyed after every module.
    std::unique_ptr<storage::DbService> database;
    std::function<void(const Notification &)> notifier;

    static Loaded &caller(const plinth_host *h) { return *static_cast<Loaded *>(h->host_data); }
    static storage::LocalConnectionBudget &connections_of(const plinth_host *h) { return *caller(h).impl->connections; }
    static storage::DbCaller database_of(const plinth_host *h) {
        Loaded &l = caller(h);
        return {l.impl->database.get(), l.info.id};
    }

    // ---- services (C tables over the Loaded the calling module owns) ----
    static const void *get_service(const plinth_host *h, const char *id);

    // Module text reaches the log as one escaped line: a module can neither forge further
    // lines (newlines) nor drive the terminal (escape sequences).
    void log(int32_t level, std::string_view module, std::string_view message) const {
        level = std::clamp(level, static_cast<int32_t>(PLINTH_LOG_DEBUG), static_cast<int32_t>(PLINTH_LOG_ERROR));
        if (level < options.log_level) return;
        std::string line = sdk::printable(message, kMaxLogBytes);
        std::string who = sdk::printable(module, kMaxIdBytes);
        if (options.log) return options.log(level, who, line);
        static const char *names[] = {"debug", "info", "warning", "error"};
        std::cerr << "[" << names[level] << "] " << who << ": " << line << "\n";
    }

    boost::json::object module_config(const std::string &id) const {
        boost::json::object out;
        if (const auto *section = options.config.if_contains(id); section && section->is_object())
            out = section->get_object();
        if (const auto *db = options.config.if_contains("database")) out["database"] = *db;
        out["state_dir"] = options.state_dir.string();
        return out;
    }

    // The interfaces `l` offers, in the order it lists them. A module that does not list its
    // interfaces (built before ABI 1.2) is asked for every id the other modules list: the host
    // keeps no list of interface ids of its own. The ids point into a live module's
    // interface_ids, which never change after create: valid while that module is loaded.
    std::vector<std::pair<const std::string *, const void *>> offered_by(const Loaded &l) const {
        std::vector<const std::string *> ids;
        auto add = [&ids](const std::string &id) {
            if (std::none_of(ids.begin(), ids.end(), [&](const std::string *known) { return *known == id; }))
                ids.push_back(&id);
        };
        for (const auto &id : l.interface_ids) add(id);
        if (!l.lists_interfaces)
            for (const auto &other : live)
                for (const auto &id : other->interface_ids) add(id);
        std::vector<std::pair<const std::string *, const void *>> out;
        for (const std::string *id : ids)
            if (const void *table = l.instance->get_interface(l.instance, id->c_str())) out.emplace_back(id, table);
        return out;
    }

    Loaded *find_live(std::string_view id) const {
        for (const auto &l : live)
            if (l->info.id == id) return l.get();
        return nullptr;
    }

    void refuse(Loaded &l, std::string why) {
        l.info.loaded = false;
        l.info.refusal = std::move(why);
        log(PLINTH_LOG_WARNING, l.info.id.empty() ? l.info.path.filename().string() : l.info.id,
            "refused: " + l.info.refusal);
    }

    std::unique_ptr<Loaded> open(const std::filesystem::path &path);
    // Copies a candidate's final state into the list `plinth-host modules` shows.
    void record_info(const Loaded &l) {
        for (auto &info : infos)
            if (info.path == l.info.path) info = l.info;
    }
    void create_in_order(std::vector<std::unique_ptr<Loaded>> candidates);

    // Copies the instance's interface_ids (ABI 1.2), bounded and checked: module text is untrusted.
    static void record_interface_ids(Loaded &l);
};

} // namespace plinth::host
